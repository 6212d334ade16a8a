#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "daiban/db/redis_pool.hpp"
#include "raw_http.hpp"

namespace daiban::db::testing {

// The configuration of a Sentinel of its own on `port`, with its pid, log and state in `dir`,
// watching the primary `master_name` on `primary_port` (a quorum of one); its path.
inline std::filesystem::path WriteSentinelConf(const std::filesystem::path& dir, std::uint16_t port,
                                               const std::string& master_name,
                                               std::uint16_t primary_port) {
  const auto conf = dir / "sentinel.conf";
  std::ofstream out(conf);
  out << "port " << port << "\nbind 127.0.0.1\ndaemonize yes\n"
      << "pidfile " << (dir / "sentinel.pid").string() << "\n"
      << "logfile " << (dir / "sentinel.log").string() << "\n"
      << "dir " << dir.string() << "\n"
      << "sentinel monitor " << master_name << " 127.0.0.1 " << primary_port << " 1\n";
  return conf;
}

// A Redis primary, its replica and one Sentinel of their own (redis-server and
// redis-sentinel, as in the HA stack), on the test Redis port + 1100, +1101 and +1102, for
// tests of what a client sees when the primary changes. SwitchPrimary() makes the replica the
// primary and the old primary its replica, as a Sentinel failover ends, but at once and
// without the Sentinel dropping anyone's connection: a client still connected to the old
// primary meets READONLY on its next write.
class ScratchRedisPair {
 public:
  static constexpr const char* kMasterName = "daiban-failover-test";

  ScratchRedisPair() {
    const auto base = static_cast<std::uint16_t>(
        daiban::testing::RequiredPortEnv("DAIBAN_TEST_REDIS_PORT") + 1100);
    ports_[0] = base;
    ports_[1] = static_cast<std::uint16_t>(base + 1);
    sentinel_port_ = static_cast<std::uint16_t>(base + 2);
    dir_ = std::filesystem::temp_directory_path() / ("daiban-redis-pair-" + std::to_string(base));
    Stop();
    std::filesystem::create_directories(dir_);
    for (int i = 0; i < 2; ++i) {
      Run("redis-server --port " + std::to_string(ports_[i]) +
          " --bind 127.0.0.1 --save '' --appendonly no --daemonize yes --dir " + dir_.string() +
          " --pidfile " + (dir_ / ("redis-" + std::to_string(i) + ".pid")).string() +
          " --logfile " + (dir_ / ("redis-" + std::to_string(i) + ".log")).string() +
          (i == 1 ? " --replicaof 127.0.0.1 " + std::to_string(ports_[0]) : ""));
    }
    for (int i = 0; i < 2; ++i) WaitFor(ports_[i], "PING", "PONG");
    WaitFor(ports_[1], "ROLE", "connected");
    Run("redis-sentinel " +
        WriteSentinelConf(dir_, sentinel_port_, kMasterName, ports_[0]).string());
    WaitFor(sentinel_port_, std::string("SENTINEL get-master-addr-by-name ") + kMasterName,
            std::to_string(ports_[0]));
  }
  ~ScratchRedisPair() { Stop(); }
  ScratchRedisPair(const ScratchRedisPair&) = delete;
  ScratchRedisPair& operator=(const ScratchRedisPair&) = delete;

  std::uint16_t SentinelPort() const { return sentinel_port_; }
  // A client of the pair: one connection to whichever primary its Sentinel names.
  RedisOptions ClientOptions() const {
    RedisOptions options;
    options.sentinels = {{"127.0.0.1", sentinel_port_}};
    options.master_name = kMasterName;
    options.pool_size = 1;
    return options;
  }
  std::uint16_t PrimaryPort() const { return ports_[primary_]; }
  std::uint16_t ReplicaPort() const { return ports_[1 - primary_]; }

  // The replica becomes the primary, the old primary its replica, and the Sentinel names the
  // new one. The old primary keeps its clients' connections.
  void SwitchPrimary() {
    const auto promoted = ReplicaPort();
    const auto demoted = PrimaryPort();
    Cli(promoted, "REPLICAOF NO ONE");
    Cli(demoted, "REPLICAOF 127.0.0.1 " + std::to_string(promoted));
    WaitFor(demoted, "ROLE", "slave");
    const std::string sentinel = std::to_string(sentinel_port_);
    Cli(sentinel_port_, std::string("SENTINEL REMOVE ") + kMasterName);
    Cli(sentinel_port_, std::string("SENTINEL MONITOR ") + kMasterName + " 127.0.0.1 " +
                            std::to_string(promoted) + " 1");
    WaitFor(sentinel_port_, std::string("SENTINEL get-master-addr-by-name ") + kMasterName,
            std::to_string(promoted));
    primary_ = 1 - primary_;
  }

  // One command through redis-cli on `port`; its output.
  static std::string Cli(std::uint16_t port, const std::string& command) {
    std::string line = "redis-cli -p " + std::to_string(port) + " " + command + " 2>&1";
    std::string out;
    FILE* pipe = popen(line.c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot run redis-cli");
    char buffer[4096];
    while (fgets(buffer, sizeof buffer, pipe)) out += buffer;
    pclose(pipe);
    return out;
  }

 private:
  static void Run(const std::string& command) {
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  }
  // Servers take a moment to start and to replicate: asks until the answer holds `expected`.
  static void WaitFor(std::uint16_t port, const std::string& command, const std::string& expected) {
    for (int i = 0; i < 200; ++i) {
      if (Cli(port, command).find(expected) != std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("redis on " + std::to_string(port) + " never answered '" + expected +
                             "' to " + command);
  }
  void Stop() {
    for (auto port : {sentinel_port_, ports_[0], ports_[1]}) {
      if (port != 0) Cli(port, "shutdown nosave");
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::uint16_t ports_[2] = {0, 0};
  std::uint16_t sentinel_port_ = 0;
  int primary_ = 0;
  std::filesystem::path dir_;
};

}  // namespace daiban::db::testing
