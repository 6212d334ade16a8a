#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "daiban/supervision/simulation_reports.hpp"

// An in-memory store of published simulation reports, for unit tests of the use cases: it keeps
// the contract of PgSimulationReportStore (ids in order, newest first, the large columns only
// when asked for, an answer kept with its report or neither).
namespace daiban::supervision::testing {

class MemorySimulationReportStore final : public SimulationReportStore {
 public:
  SimulationReport Insert(
      const NewSimulationReport& report, const std::optional<kernel::IdempotentAnswer>& answer,
      const std::function<std::string(const SimulationReport&)>& render) override {
    if (answer && answers_.count({answer->scope, answer->key})) throw kernel::IdempotencyKeyTaken();
    SimulationReport stored;
    stored.id = ++last_id_;
    stored.title = report.title;
    stored.scenario = report.scenario;
    stored.seed = report.seed;
    stored.changes = report.changes;
    stored.summary = report.summary;
    stored.html = report.html;
    stored.html_bytes = static_cast<std::int64_t>(report.html.size());
    stored.cases = report.cases;
    stored.on_time_rate = report.on_time_rate;
    stored.offer_p99_ms = report.offer_p99_ms;
    stored.published_by_id = report.published_by;
    auto name = names_.find(report.published_by);
    stored.published_by_name = name == names_.end() ? "" : name->second;
    stored.published_at = report.published_at;
    std::string body = render ? render(Strip(stored, true, false)) : "";
    if (answer) {
      kernel::IdempotentAnswer kept = *answer;
      kept.body = body;
      answers_[{answer->scope, answer->key}] = kept;
    }
    reports_[stored.id] = stored;
    return Strip(stored, true, false);
  }

  std::vector<SimulationReport> List(int limit, std::optional<std::int64_t> before) override {
    std::vector<SimulationReport> out;
    for (auto it = reports_.rbegin(); it != reports_.rend() && static_cast<int>(out.size()) < limit;
         ++it) {
      if (before && it->first >= *before) continue;
      out.push_back(Strip(it->second, false, false));
    }
    return out;
  }

  std::optional<SimulationReport> Find(std::int64_t id, bool with_html) override {
    auto it = reports_.find(id);
    if (it == reports_.end()) return std::nullopt;
    return Strip(it->second, true, with_html);
  }

  std::optional<kernel::IdempotentAnswer> FindAnswer(const std::string& scope,
                                                     const std::string& key) override {
    auto it = answers_.find({scope, key});
    if (it == answers_.end()) return std::nullopt;
    return it->second;
  }

  // The publisher's name as the users table would give it.
  void Name(std::int64_t user_id, std::string name) { names_[user_id] = std::move(name); }
  std::size_t Size() const { return reports_.size(); }

 private:
  static SimulationReport Strip(SimulationReport r, bool with_summary, bool with_html) {
    if (!with_summary) r.summary.clear();
    if (!with_html) r.html.clear();
    return r;
  }

  std::int64_t last_id_ = 0;
  std::map<std::int64_t, SimulationReport> reports_;
  std::map<std::pair<std::string, std::string>, kernel::IdempotentAnswer> answers_;
  std::map<std::int64_t, std::string> names_;
};

}  // namespace daiban::supervision::testing
