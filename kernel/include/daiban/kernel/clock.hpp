#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>

namespace daiban::kernel {

using Moment = std::chrono::system_clock::time_point;

// Where "now" comes from. Injected everywhere so tests control time.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Moment Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Moment Now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to; safe to read from several threads.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Moment start) : now_(start.time_since_epoch().count()) {}
  Moment Now() const override { return Moment(Moment::duration(now_.load())); }
  void Set(Moment moment) { now_ = moment.time_since_epoch().count(); }
  void Advance(Moment::duration by) { now_ += by.count(); }

 private:
  std::atomic<Moment::rep> now_;
};

// Source of opaque identifiers (request ids, tokens). Injected so tests can make them
// predictable.
class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // `bytes` random bytes rendered as lowercase hex.
  virtual std::string HexId(std::size_t bytes) = 0;
};

// Unpredictable ids from the operating system's CSPRNG (getrandom).
class RandomIdGenerator final : public IdGenerator {
 public:
  std::string HexId(std::size_t bytes) override;
};

// Deterministic ids for tests: a seeded engine.
class SeededIdGenerator final : public IdGenerator {
 public:
  explicit SeededIdGenerator(std::uint64_t seed) : engine_(seed) {}
  std::string HexId(std::size_t bytes) override;

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;
};

}  // namespace daiban::kernel
