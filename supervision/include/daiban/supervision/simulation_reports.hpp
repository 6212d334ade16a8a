#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "daiban/kernel/clock.hpp"
#include "daiban/kernel/idempotency.hpp"
#include "daiban/kernel/json.hpp"
#include "daiban/supervision/stats.hpp"

// Simulation reports (sim/): an administrator publishes a simulated day's summary.json and its
// report.html to the running system; supervisors and administrators list and read them. They
// belong to no region (a simulation plays the whole city), so every supervisor reads them all.
namespace daiban::supervision {

inline constexpr std::size_t kMaxReportTitleChars = 200;
inline constexpr std::size_t kMaxReportHtmlBytes = 2 * 1024 * 1024;
inline constexpr std::size_t kMaxReportSummaryBytes = 512 * 1024;
inline constexpr int kMaxReportPage = 100;

struct SimulationReport {
  std::int64_t id = 0;
  std::string title;
  std::string scenario;
  std::int64_t seed = 0;
  std::string changes;  // the what-if changes as JSON text ("{}" for the scenario as written)
  std::string summary;  // summary.json as JSON text (empty in list rows)
  std::string html;     // the report page (empty unless asked for)
  std::int64_t html_bytes = 0;
  std::int64_t cases = 0;
  double on_time_rate = 0;  // percent
  double offer_p99_ms = 0;
  std::int64_t published_by_id = 0;
  std::string published_by_name;
  Moment published_at{};
};

// What is published, as validated from a request.
struct NewSimulationReport {
  std::string title;
  std::string scenario;
  std::int64_t seed = 0;
  std::string changes;
  std::string summary;
  std::string html;
  std::int64_t cases = 0;
  double on_time_rate = 0;
  double offer_p99_ms = 0;
  std::int64_t published_by = 0;
  Moment published_at{};
};

// Storage of published reports. Implementations: PgSimulationReportStore, and
// testing::MemorySimulationReportStore.
class SimulationReportStore {
 public:
  virtual ~SimulationReportStore() = default;
  // Stores `report` and returns it with its id; with `answer`, keeps the answer rendered by
  // `render` from the stored report in the same transaction (kernel::IdempotencyKeyTaken when the
  // key has one already: nothing is stored).
  virtual SimulationReport Insert(
      const NewSimulationReport& report, const std::optional<kernel::IdempotentAnswer>& answer,
      const std::function<std::string(const SimulationReport&)>& render) = 0;
  // The newest first (by id, descending), those with an id below `before` when given; at most
  // `limit` of them, without summary or html.
  virtual std::vector<SimulationReport> List(int limit, std::optional<std::int64_t> before) = 0;
  // One report with its summary, and its html when `with_html`.
  virtual std::optional<SimulationReport> Find(std::int64_t id, bool with_html) = 0;
  virtual std::optional<kernel::IdempotentAnswer> FindAnswer(const std::string& scope,
                                                             const std::string& key) = 0;
};

struct ReportPage {
  std::vector<SimulationReport> reports;
  std::optional<std::int64_t> next;  // the last id of this page when there are more
};

// Cursor text "r1.<id>"; ParseReportCursor throws kernel::ApiError 400 naming cursor.
std::string ReportCursorText(std::int64_t last_id);
std::int64_t ParseReportCursor(const std::string& text);

// Checks a request's parts and returns the report to store (published_by/at left to the
// caller). Throws kernel::ApiError: 422 naming the member (title: 1..200 characters of text;
// html: a string of 1..2 MB; summary: an object of at most 512 KB carrying what sim/report.py
// reads — scenario, seed, day, line, city {cases, on_time_rate, offer_latency_ms {p50, p99}},
// problems {lost, duplicated}, run {wall_s} — and changes, when present, an object), 413 when
// the html or the summary is too large.
NewSimulationReport ValidateReport(const kernel::Json& body);

class SimulationReportService {
 public:
  SimulationReportService(SimulationReportStore& store, const kernel::Clock& clock);

  using Answer = kernel::KeyedAnswer;
  using Render = std::function<std::string(const SimulationReport&)>;

  // Publishes `body` (a JSON object {title, summary, html}) for `user_id`; once per
  // Idempotency-Key when `key` is given (a retry gets the first answer, the key with another
  // request is 409 idempotency_key_reused). The answer is `render` of the stored report.
  Answer Publish(std::int64_t user_id, const kernel::Json& body,
                 const std::optional<kernel::IdempotentAnswer>& key, const Render& render);
  // limit 1..kMaxReportPage (400 naming limit otherwise).
  ReportPage List(int limit, std::optional<std::int64_t> before);
  // 404 when unknown.
  SimulationReport Get(std::int64_t id, bool with_html);

 private:
  SimulationReportStore& store_;
  const kernel::Clock& clock_;
};

}  // namespace daiban::supervision
