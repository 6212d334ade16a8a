// daibanctl publish-simulation and simulate against the running test stack: a tiny summary and
// page are published as the demo administrator and read back as a supervisor; `simulate` runs
// a stand-in simulator (DAIBAN_SIM_DIR) so no whole day is played here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "daiban/cli/daibanctl.hpp"
#include "daiban/kernel/config.hpp"
#include "raw_http.hpp"

namespace daiban::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Gateway() {
  return "http://127.0.0.1:" +
         std::to_string(daiban::testing::RequiredPortEnv("DAIBAN_TEST_GATEWAY_PORT"));
}

kernel::Env EnvWith(std::map<std::string, std::string> values) {
  return kernel::Env([values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  });
}

json Summary(const std::string& scenario) {
  return {{"scenario", scenario},
          {"seed", 7},
          {"day", "2026-03-03"},
          {"line", "simulated day: 2 cases, on-time 100.0%"},
          {"city",
           {{"cases", 2}, {"on_time_rate", 100.0}, {"offer_latency_ms", {{"p50", 1}, {"p99", 2}}}}},
          {"problems", {{"lost", 0}, {"duplicated", 0}}},
          {"run", {{"wall_s", 1.5}}},
          {"changes", json::object()}};
}

void WriteRun(const fs::path& dir, const std::string& scenario) {
  fs::create_directories(dir);
  std::ofstream(dir / "summary.json") << Summary(scenario).dump();
  std::ofstream(dir / "report.html") << "<!doctype html><p id=\"last-line\">" << scenario << "</p>";
}

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result Ctl(const std::vector<std::string>& args, const kernel::Env& env) {
  std::ostringstream out, err;
  int code = RunDaibanctl(args, out, err, env);
  return {code, out.str(), err.str()};
}

std::string Unique(const std::string& prefix) {
  return prefix + "-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

std::string SupervisorToken() {
  auto login = daiban::testing::Request(
      "127.0.0.1", daiban::testing::RequiredPortEnv("DAIBAN_TEST_GATEWAY_PORT"), "POST",
      "/api/v1/auth/login", json{{"phone", "13800000001"}, {"password", "daiban-demo"}}.dump(), {});
  EXPECT_EQ(login.status, 200) << login.body;
  return json::parse(login.body)["token"];
}

json Read(std::int64_t id, const std::string& token) {
  auto response = daiban::testing::Request(
      "127.0.0.1", daiban::testing::RequiredPortEnv("DAIBAN_TEST_GATEWAY_PORT"), "GET",
      "/api/v1/simulations/reports/" + std::to_string(id), "",
      {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(response.status, 200) << response.body;
  return json::parse(response.body);
}

// "published simulation report 12: …" -> 12
std::int64_t PublishedId(const std::string& out) {
  const std::string head = "published simulation report ";
  auto at = out.find(head);
  EXPECT_NE(at, std::string::npos) << out;
  return at == std::string::npos ? 0 : std::stoll(out.substr(at + head.size()));
}

class SimulateCtlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / Unique("daibanctl-sim");
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(SimulateCtlTest, PublishesARunOnceAndSupervisorsReadIt) {
  const auto scenario = Unique("ctl");
  WriteRun(dir_ / "run", scenario);
  auto env = EnvWith({{"DAIBAN_ADMIN_PASSWORD", "daiban-demo"}});
  auto first = Ctl({"publish-simulation", (dir_ / "run").string(), "--url", Gateway(), "--phone",
                    "13800000000", "--title", "命令行发布"},
                   env);
  ASSERT_EQ(first.code, 0) << first.err;
  const auto id = PublishedId(first.out);
  auto report = Read(id, SupervisorToken());
  EXPECT_EQ(report["title"], "命令行发布");
  EXPECT_EQ(report["scenario"], scenario);
  EXPECT_EQ(report["summary"], Summary(scenario));
  // The same run again: its first publication, not a copy.
  auto again = Ctl({"publish-simulation", (dir_ / "run").string(), "--url", Gateway(), "--phone",
                    "13800000000", "--title", "命令行发布"},
                   env);
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(PublishedId(again.out), id);
}

TEST_F(SimulateCtlTest, RefusesWithoutCredentialsOrWithWrongOnes) {
  WriteRun(dir_ / "run", Unique("ctl"));
  auto none = Ctl({"publish-simulation", (dir_ / "run").string(), "--url", Gateway()}, EnvWith({}));
  EXPECT_EQ(none.code, 2) << none.err;
  EXPECT_NE(none.err.find("--password"), std::string::npos) << none.err;
  auto wrong = Ctl({"publish-simulation", (dir_ / "run").string(), "--url", Gateway(), "--phone",
                    "13800000001", "--password", "daiban-demo"},
                   EnvWith({}));
  EXPECT_EQ(wrong.code, 1);  // a supervisor may not publish
  EXPECT_NE(wrong.err.find("HTTP 403"), std::string::npos) << wrong.err;
  auto missing = Ctl({"publish-simulation", (dir_ / "nothing").string(), "--url", Gateway(),
                      "--phone", "13800000000", "--password", "daiban-demo"},
                     EnvWith({}));
  EXPECT_EQ(missing.code, 1) << missing.err;
  EXPECT_EQ(Ctl({"publish-simulation"}, EnvWith({})).code, 2);
  EXPECT_EQ(
      Ctl({"simulate", "x", "--bogus", "1"}, EnvWith({{"DAIBAN_SIM_DIR", dir_.string()}})).code, 2);
}

TEST_F(SimulateCtlTest, SimulateRunsTheSimulatorWithTheWhatIfFlagsAndPublishes) {
  // A stand-in for sim/run.sh: records its arguments and writes a report where --out says.
  const auto sim = dir_ / "sim";
  fs::create_directories(sim / "scenarios");
  std::ofstream(sim / "scenarios" / "tiny.json") << "{}";
  const auto scenario = Unique("tiny");
  std::ofstream(sim / "run.sh") << "#!/usr/bin/env bash\nset -e\n"
                                << "printf '%s\\n' \"$@\" > \"" << (dir_ / "args").string()
                                << "\"\nwhile (($#)); do if [[ $1 == --out ]]; then out=$2; fi; "
                                   "shift; done\nmkdir -p \"$out\"\n"
                                << "printf '%s' '" << Summary(scenario).dump()
                                << "' > \"$out/summary.json\"\n"
                                << "printf '<p>tiny</p>' > \"$out/report.html\"\n";
  auto env = EnvWith({{"DAIBAN_SIM_DIR", sim.string()},
                      {"DAIBAN_ADMIN_PHONE", "13800000000"},
                      {"DAIBAN_ADMIN_PASSWORD", "daiban-demo"},
                      {"DAIBAN_URL", Gateway()}});
  auto result = Ctl({"simulate", "tiny", "--agents", "370102=-1", "--agents", "370103=+2",
                     "--agents-factor", "0.7", "--out", (dir_ / "out").string(), "--publish"},
                    env);
  ASSERT_EQ(result.code, 0) << result.err << result.out;
  std::ifstream in(dir_ / "args");
  std::string args((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(args, "--scenario\n" + (sim / "scenarios" / "tiny.json").string() + "\n--out\n" +
                      (dir_ / "out").string() +
                      "\n--no-build\n--agents\n370102=-1\n--agents\n370103=+2\n--agents-factor\n0."
                      "7\n");
  auto report = Read(PublishedId(result.out), SupervisorToken());
  EXPECT_EQ(report["scenario"], scenario);
  EXPECT_EQ(report["title"], scenario + " 2026-03-03");
}

}  // namespace
}  // namespace daiban::cli
