#include "daiban/kernel/sim_clock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "daiban/kernel/config.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::kernel {

namespace {

constexpr std::size_t kFileSize = 64;
// "DBSIMCLK" read as a little-endian 64-bit word.
constexpr std::uint64_t kMagic = 0x4b4c434d49534244ULL;

struct Fields {
  std::uint64_t magic;
  std::uint64_t sequence;
  std::int64_t sim_base_ns;
  std::int64_t real_base_ns;
  std::int64_t speed_micro;
};

Fields* FieldsOf(void* map) { return static_cast<Fields*>(map); }

std::int64_t RealNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t Nanos(Instant moment) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(moment.time_since_epoch()).count();
}

Instant FromNanos(std::int64_t nanos) {
  return Instant(std::chrono::duration_cast<Instant::duration>(std::chrono::nanoseconds(nanos)));
}

std::int64_t SpeedMicro(double speed) {
  if (!std::isfinite(speed) || speed < 0 || speed > 1e6) {
    throw std::invalid_argument("the speed must be from 0 to 1000000");
  }
  return static_cast<std::int64_t>(std::llround(speed * 1e6));
}

// The seqlock's read side: a consistent copy of the three values, with what `inside` returned
// when called inside the same window (a real time read there belongs with these fields: read
// after the window, old fields at a time past a writer's rebase could pass the new base).
template <typename Inside>
std::pair<Fields, std::invoke_result_t<Inside>> Read(void* map, Inside inside) {
  Fields* shared = FieldsOf(map);
  for (;;) {
    std::uint64_t before = __atomic_load_n(&shared->sequence, __ATOMIC_ACQUIRE);
    if (before % 2 == 1) continue;
    Fields copy;
    copy.sim_base_ns = __atomic_load_n(&shared->sim_base_ns, __ATOMIC_RELAXED);
    copy.real_base_ns = __atomic_load_n(&shared->real_base_ns, __ATOMIC_RELAXED);
    copy.speed_micro = __atomic_load_n(&shared->speed_micro, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    auto taken = inside();
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&shared->sequence, __ATOMIC_RELAXED) == before) return {copy, taken};
  }
}

// A consistent copy of the three values.
Fields Snapshot(void* map) {
  return Read(map, [] { return 0; }).first;
}

std::int64_t SimulatedNanos(const Fields& fields, std::int64_t real_now) {
  __int128 elapsed = static_cast<__int128>(real_now - fields.real_base_ns) * fields.speed_micro;
  return fields.sim_base_ns + static_cast<std::int64_t>(elapsed / 1000000);
}

void* MapFile(int fd, const std::string& path, bool writable) {
  void* map =
      mmap(nullptr, kFileSize, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) {
    close(fd);
    throw ConfigError("the clock file " + path + " cannot be mapped");
  }
  return map;
}

}  // namespace

std::unique_ptr<SimulatedClock> SimulatedClock::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) throw ConfigError("the clock file " + path + " cannot be opened");
  struct stat info {};
  if (fstat(fd, &info) != 0 || info.st_size < static_cast<off_t>(kFileSize)) {
    close(fd);
    throw ConfigError("the clock file " + path + " is not a simulated clock");
  }
  void* map = MapFile(fd, path, true);
  if (__atomic_load_n(&FieldsOf(map)->magic, __ATOMIC_ACQUIRE) != kMagic) {
    munmap(map, kFileSize);
    close(fd);
    throw ConfigError("the clock file " + path + " is not a simulated clock");
  }
  return std::unique_ptr<SimulatedClock>(new SimulatedClock(fd, map));
}

SimulatedClock::~SimulatedClock() {
  munmap(map_, kFileSize);
  close(fd_);
}

Instant SimulatedClock::Now() const {
  // The real time is read inside the seqlock's window (Read), so a reading after a writer jumped
  // at a new speed never steps back.
  const auto [fields, real_now] = Read(map_, RealNanos);
  return FromNanos(SimulatedNanos(fields, real_now));
}

std::unique_ptr<SimulatedClockControl> SimulatedClockControl::Create(const std::string& path,
                                                                     Instant start, double speed) {
  const std::int64_t speed_micro = SpeedMicro(speed);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw ConfigError("the clock file " + path + " cannot be created");
  flock(fd, LOCK_EX);
  Fields fields{kMagic, 0, Nanos(start), RealNanos(), speed_micro};
  char buffer[kFileSize] = {};
  std::memcpy(buffer, &fields, sizeof fields);
  bool written = ftruncate(fd, 0) == 0 && pwrite(fd, buffer, kFileSize, 0) == kFileSize;
  flock(fd, LOCK_UN);
  close(fd);
  if (!written) throw ConfigError("the clock file " + path + " cannot be written");
  return std::unique_ptr<SimulatedClockControl>(
      new SimulatedClockControl(SimulatedClock::Open(path)));
}

std::unique_ptr<SimulatedClockControl> SimulatedClockControl::Open(const std::string& path) {
  return std::unique_ptr<SimulatedClockControl>(
      new SimulatedClockControl(SimulatedClock::Open(path)));
}

void SimulatedClockControl::Write(Instant sim_base, std::int64_t speed_micro) {
  Fields* shared = FieldsOf(clock_->map_);
  flock(clock_->fd_, LOCK_EX);
  std::uint64_t sequence = __atomic_load_n(&shared->sequence, __ATOMIC_RELAXED);
  __atomic_store_n(&shared->sequence, sequence + 1, __ATOMIC_RELAXED);
  // Full fence: the odd sequence is visible before the real time below is read, so a reader
  // whose check passes read its real time before this rebase did.
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  // Rebased at this very moment, so readers between the old and the new values see no step back.
  const std::int64_t real_now = RealNanos();
  const std::int64_t current = SimulatedNanos(
      Fields{kMagic, 0, shared->sim_base_ns, shared->real_base_ns, shared->speed_micro}, real_now);
  __atomic_store_n(&shared->sim_base_ns, std::max(current, Nanos(sim_base)), __ATOMIC_RELAXED);
  __atomic_store_n(&shared->real_base_ns, real_now, __ATOMIC_RELAXED);
  __atomic_store_n(&shared->speed_micro, speed_micro, __ATOMIC_RELAXED);
  __atomic_store_n(&shared->sequence, sequence + 2, __ATOMIC_RELEASE);
  flock(clock_->fd_, LOCK_UN);
}

void SimulatedClockControl::Jump(Instant to) {
  if (to <= Now()) throw std::invalid_argument("a simulated clock only jumps forward");
  Write(to, Snapshot(clock_->map_).speed_micro);
}

void SimulatedClockControl::SetSpeed(double speed) { Write(Instant::min(), SpeedMicro(speed)); }

double SimulatedClockControl::Speed() const {
  return static_cast<double>(Snapshot(clock_->map_).speed_micro) / 1e6;
}

ClockSettings LoadClockSettings(const Env& env) {
  ClockSettings settings;
  settings.simulated = env.OneOf("DAIBAN_CLOCK", "system", {"system", "simulated"}) == "simulated";
  if (!settings.simulated) return settings;
  if (!env.Bool("DAIBAN_ALLOW_SIMULATED_CLOCK", false)) {
    throw ConfigError(
        "DAIBAN_CLOCK=simulated is refused: only a simulation stack runs on a simulated clock, "
        "and it says so with DAIBAN_ALLOW_SIMULATED_CLOCK=yes");
  }
  settings.file = env.String("DAIBAN_CLOCK_FILE", "");
  if (settings.file.empty()) throw ConfigError("DAIBAN_CLOCK=simulated needs DAIBAN_CLOCK_FILE");
  return settings;
}

std::unique_ptr<Clock> MakeClock(const ClockSettings& settings) {
  if (!settings.simulated) return std::make_unique<SystemClock>();
  return SimulatedClock::Open(settings.file);
}

}  // namespace daiban::kernel
