#include <gtest/gtest.h>

#include <map>

#include "daiban/runtime/service_host.hpp"

namespace daiban::runtime {
namespace {

kernel::Env EnvOf(std::map<std::string, std::string> values) {
  return kernel::Env([values = std::move(values)](const std::string& name) {
    auto it = values.find(name);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  });
}

TEST(ServiceSettingsTest, ThePhonesServiceQueuesAShiftsBurstTheOthersQueueLess) {
  // Every phone of a shift opens its long-poll and reads its work in the same second.
  EXPECT_EQ(LoadServiceSettings(EnvOf({}), "mobile", 9304).http.work_queue, 4096u);
  for (const char* service : {"intake", "dispatch", "tracking"}) {
    EXPECT_EQ(LoadServiceSettings(EnvOf({}), service, 9301).http.work_queue, 256u) << service;
  }
}

TEST(ServiceSettingsTest, AnOperatorsQueueSettingWinsOverTheDefault) {
  EXPECT_EQ(
      LoadServiceSettings(EnvOf({{"DAIBAN_WORK_QUEUE", "64"}}), "mobile", 9304).http.work_queue,
      64u);
  EXPECT_THROW(LoadServiceSettings(EnvOf({{"DAIBAN_WORK_QUEUE", "0"}}), "intake", 9301),
               kernel::ConfigError);
}

TEST(ServiceSettingsTest, EveryWorkThreadHasAConnectionWithRoomForTheBackgroundWorkers) {
  EXPECT_EQ(LoadServiceSettings(EnvOf({}), "intake", 9301).pg.pool_size, 12u);
  EXPECT_EQ(
      LoadServiceSettings(EnvOf({{"DAIBAN_WORK_THREADS", "16"}}), "intake", 9301).pg.pool_size,
      20u);
  EXPECT_EQ(LoadServiceSettings(EnvOf({{"DAIBAN_PG_POOL_SIZE", "5"}}), "intake", 9301).pg.pool_size,
            5u);
  // A command-line tool has no work threads: its pool keeps the plain default.
  EXPECT_EQ(LoadPgOptions(EnvOf({})).pool_size, 8u);
}

}  // namespace
}  // namespace daiban::runtime
