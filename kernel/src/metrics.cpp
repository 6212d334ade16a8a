#include "daiban/kernel/metrics.hpp"

#include <algorithm>
#include <cstdio>

namespace daiban::kernel {

namespace {

std::string Number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.15g", value);
  return buffer;
}

}  // namespace

std::string PromLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Metrics::Writer::Family(const std::string& name, const std::string& help, const char* type) {
  if (std::find(seen_.begin(), seen_.end(), name) != seen_.end()) return;
  seen_.push_back(name);
  *out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void Metrics::Writer::Gauge(const std::string& name, const std::string& help, double value,
                            const std::string& labels) {
  Family(name, help, "gauge");
  *out_ += name + (labels.empty() ? "" : "{" + labels + "}") + " " + Number(value) + "\n";
}

void Metrics::Writer::Counter(const std::string& name, const std::string& help, double value,
                              const std::string& labels) {
  Family(name, help, "counter");
  *out_ += name + (labels.empty() ? "" : "{" + labels + "}") + " " + Number(value) + "\n";
}

void Metrics::Writer::Histogram(const std::string& name, const std::string& help,
                                const std::vector<double>& bounds,
                                const std::vector<std::uint64_t>& counts, std::uint64_t count,
                                double sum, const std::string& labels) {
  Family(name, help, "histogram");
  const std::string prefix = labels.empty() ? "" : labels + ",";
  for (std::size_t i = 0; i < bounds.size() && i < counts.size(); ++i) {
    *out_ += name + "_bucket{" + prefix + "le=\"" + Number(bounds[i]) + "\"} " +
             std::to_string(counts[i]) + "\n";
  }
  *out_ += name + "_bucket{" + prefix + "le=\"+Inf\"} " + std::to_string(count) + "\n";
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  *out_ += name + "_sum" + braces + " " + Number(sum) + "\n";
  *out_ += name + "_count" + braces + " " + std::to_string(count) + "\n";
}

StageHistogram::StageHistogram() : buckets_(Buckets().size(), 0) {}

const std::vector<double>& StageHistogram::Buckets() {
  static const std::vector<double> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                               0.25,   0.5,   1,      2.5,   5,    10,    30};
  return kBuckets;
}

void StageHistogram::Observe(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // clocks of two hosts can disagree slightly
  const auto& bounds = Buckets();
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (seconds <= bounds[i]) ++buckets_[i];
  }
  ++count_;
  sum_ += seconds;
}

void StageHistogram::ReportTo(Metrics::Writer& writer, const std::string& name,
                              const std::string& help, const std::string& labels) const {
  std::lock_guard lock(mutex_);
  writer.Histogram(name, help, Buckets(), buckets_, count_, sum_, labels);
}

const std::vector<double>& Metrics::LatencyBuckets() {
  static const std::vector<double> kBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                               0.25,  0.5,   1,    2.5,   5,    10};
  return kBuckets;
}

void Metrics::ObserveRequest(const std::string& route, const std::string& method, int status,
                             double seconds) {
  const auto& bounds = LatencyBuckets();
  std::lock_guard lock(mutex_);
  auto& histogram = requests_[{route, method, status}];
  if (histogram.buckets.empty()) histogram.buckets.assign(bounds.size(), 0);
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (seconds <= bounds[i]) ++histogram.buckets[i];
  }
  ++histogram.count;
  histogram.sum += seconds;
}

void Metrics::AddCollector(Collector collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string Metrics::Render() const {
  std::string out;
  std::vector<Collector> collectors;
  {
    std::lock_guard lock(mutex_);
    const auto& bounds = LatencyBuckets();
    out +=
        "# HELP daiban_http_requests_total HTTP requests answered, by route, method and status\n";
    out += "# TYPE daiban_http_requests_total counter\n";
    for (const auto& [key, histogram] : requests_) {
      const auto& [route, method, status] = key;
      out += "daiban_http_requests_total{service=\"" + PromLabel(service_) + "\",route=\"" +
             PromLabel(route) + "\",method=\"" + method + "\",status=\"" + std::to_string(status) +
             "\"} " + std::to_string(histogram.count) + "\n";
    }
    out += "# HELP daiban_http_request_duration_seconds Time from request to answer\n";
    out += "# TYPE daiban_http_request_duration_seconds histogram\n";
    for (const auto& [key, histogram] : requests_) {
      const auto& [route, method, status] = key;
      std::string labels = "service=\"" + PromLabel(service_) + "\",route=\"" + PromLabel(route) +
                           "\",method=\"" + method + "\",status=\"" + std::to_string(status) + "\"";
      for (std::size_t i = 0; i < bounds.size(); ++i) {
        out += "daiban_http_request_duration_seconds_bucket{" + labels + ",le=\"" +
               Number(bounds[i]) + "\"} " + std::to_string(histogram.buckets[i]) + "\n";
      }
      out += "daiban_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
             std::to_string(histogram.count) + "\n";
      out += "daiban_http_request_duration_seconds_sum{" + labels + "} " + Number(histogram.sum) +
             "\n";
      out += "daiban_http_request_duration_seconds_count{" + labels + "} " +
             std::to_string(histogram.count) + "\n";
    }
    collectors = collectors_;
  }
  Writer writer(&out);
  for (const auto& collector : collectors) collector(writer);
  return out;
}

}  // namespace daiban::kernel
