#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "daiban/kernel/clock.hpp"

namespace daiban::kernel {

class Env;

// A simulated time shared by every process of one stack (the services, their elected workers and
// the simulator), so deadlines, working hours, offer expiry, the SLA watch, courier windows and
// ETAs all follow one clock that runs faster than real time and skips idle stretches.
//
// The shared state is a small file that every process maps; a reader never makes a system call:
//
//   offset  0  u64  magic "DBSIMCLK" (little-endian bytes of the string)
//   offset  8  u64  sequence: odd while a writer is changing the fields below (a seqlock)
//   offset 16  i64  simulated base, nanoseconds since the Unix epoch
//   offset 24  i64  real base, nanoseconds since the Unix epoch (the system clock)
//   offset 32  i64  speed in millionths (60'000'000 = a simulated minute per real second; 0 stops)
//
// now = simulated base + (real now - real base) * speed. A writer first rebases at the current
// simulated time, so a change of speed never moves time, and a jump only goes forward: every
// process sees a time that never goes back. Writers take an exclusive flock on the file.
class SimulatedClock final : public Clock {
 public:
  // Maps an existing clock file; throws ConfigError when it is missing or not a clock file.
  static std::unique_ptr<SimulatedClock> Open(const std::string& path);
  ~SimulatedClock() override;
  SimulatedClock(const SimulatedClock&) = delete;
  SimulatedClock& operator=(const SimulatedClock&) = delete;

  Instant Now() const override;

 private:
  friend class SimulatedClockControl;
  SimulatedClock(int fd, void* map) : fd_(fd), map_(map) {}
  int fd_;
  void* map_;
};

// The writer's side: the simulator (or a test) creates the file, sets the speed, jumps forward.
class SimulatedClockControl {
 public:
  // Creates (or resets) the file at `start`, running at `speed` simulated seconds per real one.
  static std::unique_ptr<SimulatedClockControl> Create(const std::string& path, Instant start,
                                                       double speed);
  static std::unique_ptr<SimulatedClockControl> Open(const std::string& path);

  Instant Now() const { return clock_->Now(); }
  const Clock& AsClock() const { return *clock_; }
  // Moves simulated time forward to `to`; a moment not after now is refused (invalid_argument).
  void Jump(Instant to);
  // Changes the speed from now on; time does not move.
  void SetSpeed(double speed);
  double Speed() const;

 private:
  explicit SimulatedClockControl(std::unique_ptr<SimulatedClock> clock)
      : clock_(std::move(clock)) {}
  void Write(Instant sim_base, std::int64_t speed_micro);
  std::unique_ptr<SimulatedClock> clock_;
};

// Which clock a process runs on. DAIBAN_CLOCK=system (default) or simulated; simulated also needs
// DAIBAN_CLOCK_FILE and is refused unless DAIBAN_ALLOW_SIMULATED_CLOCK=yes, which no production
// unit sets: a production service can never be put on a false time by one stray variable.
struct ClockSettings {
  bool simulated = false;
  std::string file;
};

ClockSettings LoadClockSettings(const Env& env);
std::unique_ptr<Clock> MakeClock(const ClockSettings& settings);

}  // namespace daiban::kernel
