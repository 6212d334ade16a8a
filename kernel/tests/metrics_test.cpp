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

TEST(MetricsTest, EscapesLabels) { EXPECT_EQ(PromLabel("a\"b\\c\n"), "a\\\"b\\\\c\\n"); }

}  // namespace
}  // namespace daiban::kernel
