#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace daiban::kernel {

// Collects what /metrics shows, in the Prometheus text format: a request counter and latency
// histogram per route, method and status, plus gauges that other parts report when scraped
// (pool sizes, waits). Route labels are patterns, never raw paths, so cardinality stays small.
class Metrics {
 public:
  // Writes lines of one metric family; collectors call it while rendering.
  class Writer {
   public:
    explicit Writer(std::string* out) : out_(out) {}
    void Gauge(const std::string& name, const std::string& help, double value,
               const std::string& labels = {});
    void Counter(const std::string& name, const std::string& help, double value,
                 const std::string& labels = {});
    // One histogram series: `counts[i]` observations were at most `bounds[i]` (cumulative).
    void Histogram(const std::string& name, const std::string& help,
                   const std::vector<double>& bounds, const std::vector<std::uint64_t>& counts,
                   std::uint64_t count, double sum, const std::string& labels = {});

   private:
    void Family(const std::string& name, const std::string& help, const char* type);
    std::string* out_;
    std::vector<std::string> seen_;
  };
  using Collector = std::function<void(Writer&)>;

  explicit Metrics(std::string service) : service_(std::move(service)) {}

  void ObserveRequest(const std::string& route, const std::string& method, int status,
                      double seconds);
  void AddCollector(Collector collector);
  std::string Render() const;

  static const std::vector<double>& LatencyBuckets();

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;
    std::uint64_t count = 0;
    double sum = 0;
  };
  std::string service_;
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, Histogram> requests_;
  std::vector<Collector> collectors_;
};

// A latency histogram kept by a part of a service and written by its collector: the stage
// timings of the real-time path (commit → publish → read → decision → committed offer), whose
// interesting range starts well below a millisecond. Thread-safe.
class StageHistogram {
 public:
  StageHistogram();
  void Observe(double seconds);
  void ReportTo(Metrics::Writer& writer, const std::string& name, const std::string& help,
                const std::string& labels = {}) const;
  static const std::vector<double>& Buckets();

 private:
  mutable std::mutex mutex_;
  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

// Escapes a Prometheus label value.
std::string PromLabel(const std::string& value);

}  // namespace daiban::kernel
