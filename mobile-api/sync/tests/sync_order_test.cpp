#include <gtest/gtest.h>

#include "daiban/mobile/sync/sync_service.hpp"

namespace daiban::mobile {
namespace {

using nlohmann::json;

TEST(SyncOrderTest, ByDeviceTimeAcrossOffsets) {
  json items = json::array({{{"device_time", "2026-11-28T11:30:00+08:00"}},
                            {{"device_time", "2026-11-28T02:00:00Z"}},  // 10:00 +08:00
                            {{"device_time", "2026-11-28T11:00:00+08:00"}}});
  EXPECT_EQ(SyncApplyOrder(items), (std::vector<std::size_t>{1, 2, 0}));
}

TEST(SyncOrderTest, EqualTimesKeepTheOrderSentAndDuplicatesFollowEachOther) {
  json items = json::array({{{"device_time", "2026-11-28T10:00:00+08:00"}, {"k", "a"}},
                            {{"device_time", "2026-11-28T09:00:00+08:00"}},
                            {{"device_time", "2026-11-28T10:00:00+08:00"}, {"k", "a"}}});
  EXPECT_EQ(SyncApplyOrder(items), (std::vector<std::size_t>{1, 0, 2}));
}

TEST(SyncOrderTest, UnreadableTimesGoFirst) {
  json items = json::array({{{"device_time", "2026-11-28T10:00:00+08:00"}},
                            {{"device_time", "yesterday"}},
                            "not an object",
                            json::object()});
  EXPECT_EQ(SyncApplyOrder(items), (std::vector<std::size_t>{1, 2, 3, 0}));
}

}  // namespace
}  // namespace daiban::mobile
