#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>

#include "daiban/kernel/vocabulary.hpp"

namespace daiban::kernel {

// Where "now" comes from. Injected everywhere so tests control time.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant Now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to; safe to read from several threads.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start) : now_(start.time_since_epoch().count()) {}
  Instant Now() const override { return Instant(Instant::duration(now_.load())); }
  void Set(Instant moment) { now_ = moment.time_since_epoch().count(); }
  void Advance(Instant::duration by) { now_ += by.count(); }

 private:
  std::atomic<Instant::rep> now_;
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
