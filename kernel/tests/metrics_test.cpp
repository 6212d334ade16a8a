#include "daiban/kernel/metrics.hpp"

#include <gtest/gtest.h>

namespace daiban::kernel {
namespace {

TEST(MetricsTest, RendersCountersAndHistograms) {
  Metrics metrics("intake");
  metrics.ObserveRequest("/api/v1/items", "GET", 200, 0.003);
  metrics.ObserveRequest("/api/v1/items", "GET", 200, 0.2);
  std::string text = metrics.Render();
  EXPECT_NE(text.find("daiban_http_requests_total{service=\"intake\",route=\"/api/v1/items\","
                      "method=\"GET\",status=\"200\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("le=\"0.005\"} 1"), std::string::npos);
  EXPECT_NE(text.find("le=\"+Inf\"} 2"), std::string::npos);
  EXPECT_NE(text.find("# TYPE daiban_http_request_duration_seconds histogram"), std::string::npos);
}

TEST(MetricsTest, CollectorsAddGauges) {
  Metrics metrics("x");
  metrics.AddCollector([](Metrics::Writer& writer) {
    writer.Gauge("daiban_pool_size", "Pool size", 4, "pool=\"pg\"");
    writer.Gauge("daiban_pool_size", "Pool size", 2, "pool=\"redis\"");
  });
  std::string text = metrics.Render();
  EXPECT_NE(text.find("daiban_pool_size{pool=\"pg\"} 4"), std::string::npos);
  EXPECT_NE(text.find("daiban_pool_size{pool=\"redis\"} 2"), std::string::npos);
  // HELP/TYPE written once per family.
  EXPECT_EQ(text.find("# TYPE daiban_pool_size"), text.rfind("# TYPE daiban_pool_size"));
}

TEST(MetricsTest, StageHistogramsAreCumulativeFromHalfAMillisecond) {
  StageHistogram stage;
  stage.Observe(0.0002);
  stage.Observe(0.003);
  stage.Observe(-0.001);  // two clocks slightly apart: counted as zero, never lost
  stage.Observe(100);     // beyond the last bucket: only in +Inf
  Metrics metrics("dispatch");
  metrics.AddCollector([&stage](Metrics::Writer& writer) {
    stage.ReportTo(writer, "daiban_stage_seconds", "A stage", "stage=\"read\"");
  });
  std::string text = metrics.Render();
  EXPECT_NE(text.find("# TYPE daiban_stage_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("daiban_stage_seconds_bucket{stage=\"read\",le=\"0.0005\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("daiban_stage_seconds_bucket{stage=\"read\",le=\"0.005\"} 3"),
            std::string::npos);
  EXPECT_NE(text.find("daiban_stage_seconds_bucket{stage=\"read\",le=\"30\"} 3"),
            std::string::npos);
  EXPECT_NE(text.find("daiban_stage_seconds_bucket{stage=\"read\",le=\"+Inf\"} 4"),
            std::string::npos);
  EXPECT_NE(text.find("daiban_stage_seconds_count{stage=\"read\"} 4"), std::string::npos);
  EXPECT_NE(text.find("daiban_stage_seconds_sum{stage=\"read\"} 100.0032"), std::string::npos);
}

TEST(MetricsTest, EscapesLabels) { EXPECT_EQ(PromLabel("a\"b\\c\n"), "a\\\"b\\\\c\\n"); }

}  // namespace
}  // namespace daiban::kernel
