#include "daiban/supervision/simulation_reports.hpp"

#include <limits>

#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/idempotency.hpp"
#include "daiban/kernel/input.hpp"

namespace daiban::supervision {

namespace {

using kernel::Json;

std::size_t CodePoints(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

// `object[key]` as a member of the given kind, else 422 naming `path`.
const Json& Member(const Json& object, const std::string& key, const std::string& path) {
  if (!object.is_object() || !object.contains(key)) {
    throw kernel::Invalid(path, path + " is required");
  }
  return object.at(key);
}

const Json& ObjectMember(const Json& object, const std::string& key, const std::string& path) {
  const Json& value = Member(object, key, path);
  if (!value.is_object()) throw kernel::Invalid(path, path + " must be an object");
  return value;
}

double NumberMember(const Json& object, const std::string& key, const std::string& path) {
  const Json& value = Member(object, key, path);
  if (!value.is_number()) throw kernel::Invalid(path, path + " must be a number");
  return value.get<double>();
}

std::int64_t CountMember(const Json& object, const std::string& key, const std::string& path) {
  const Json& value = Member(object, key, path);
  if (!value.is_number_integer() || value.get<std::int64_t>() < 0) {
    throw kernel::Invalid(path, path + " must be a whole number, 0 or more");
  }
  return value.get<std::int64_t>();
}

std::string TextMember(const Json& object, const std::string& key, const std::string& path,
                       std::size_t max_chars) {
  const Json& value = Member(object, key, path);
  if (!value.is_string()) throw kernel::Invalid(path, path + " must be a string");
  auto text = value.get<std::string>();
  kernel::CheckText(text, path);
  if (text.empty() || CodePoints(text) > max_chars) {
    throw kernel::Invalid(path,
                          path + " must have 1 to " + std::to_string(max_chars) + " characters");
  }
  return text;
}

}  // namespace

std::string ReportCursorText(std::int64_t last_id) {
  return kernel::EncodeCursor("r1", {std::to_string(last_id)});
}

std::int64_t ParseReportCursor(const std::string& text) {
  auto parts = kernel::DecodeCursor(text, "r1", 1);
  return kernel::CursorNumber(parts[0], 1, std::numeric_limits<std::int64_t>::max());
}

NewSimulationReport ValidateReport(const Json& body) {
  kernel::RequireObject(body);
  NewSimulationReport out;
  const auto& title = Member(body, "title", "title");
  if (!title.is_string()) throw kernel::Invalid("title", "title must be a string");
  out.title = title.get<std::string>();
  // Surrounding white space is not part of a title.
  const auto first = out.title.find_first_not_of(" \t\r\n");
  out.title = first == std::string::npos
                  ? std::string()
                  : out.title.substr(first, out.title.find_last_not_of(" \t\r\n") - first + 1);
  kernel::CheckText(out.title, "title");
  if (out.title.empty() || CodePoints(out.title) > kMaxReportTitleChars) {
    throw kernel::Invalid("title", "title must have 1 to 200 characters");
  }

  const auto& html = Member(body, "html", "html");
  if (!html.is_string()) throw kernel::Invalid("html", "html must be a string");
  out.html = html.get<std::string>();
  if (out.html.size() > kMaxReportHtmlBytes) {
    throw kernel::PayloadTooLarge("the report page is larger than 2 MB");
  }
  kernel::CheckText(out.html, "html");
  if (out.html.empty()) throw kernel::Invalid("html", "html must not be empty");

  // The summary sim/ writes; the fields report.py and the console read must be there and typed.
  const Json& summary = ObjectMember(body, "summary", "summary");
  out.scenario = TextMember(summary, "scenario", "summary.scenario", 200);
  const Json& seed = Member(summary, "seed", "summary.seed");
  if (!seed.is_number_integer()) {
    throw kernel::Invalid("summary.seed", "summary.seed must be a whole number");
  }
  out.seed = seed.get<std::int64_t>();
  TextMember(summary, "day", "summary.day", 40);
  TextMember(summary, "line", "summary.line", 1000);
  const Json& city = ObjectMember(summary, "city", "summary.city");
  out.cases = CountMember(city, "cases", "summary.city.cases");
  out.on_time_rate = NumberMember(city, "on_time_rate", "summary.city.on_time_rate");
  if (out.on_time_rate < 0 || out.on_time_rate > 100) {
    throw kernel::Invalid("summary.city.on_time_rate",
                          "summary.city.on_time_rate must be 0 to 100");
  }
  const Json& latency = ObjectMember(city, "offer_latency_ms", "summary.city.offer_latency_ms");
  NumberMember(latency, "p50", "summary.city.offer_latency_ms.p50");
  out.offer_p99_ms = NumberMember(latency, "p99", "summary.city.offer_latency_ms.p99");
  const Json& problems = ObjectMember(summary, "problems", "summary.problems");
  CountMember(problems, "lost", "summary.problems.lost");
  CountMember(problems, "duplicated", "summary.problems.duplicated");
  const Json& run = ObjectMember(summary, "run", "summary.run");
  NumberMember(run, "wall_s", "summary.run.wall_s");
  Json changes = Json::object();
  if (summary.contains("changes") && !summary.at("changes").is_null()) {
    changes = ObjectMember(summary, "changes", "summary.changes");
  }
  out.changes = kernel::DumpJson(changes);
  out.summary = kernel::DumpJson(summary);
  if (out.summary.size() > kMaxReportSummaryBytes) {
    throw kernel::PayloadTooLarge("the summary is larger than 512 KB");
  }
  return out;
}

SimulationReportService::SimulationReportService(SimulationReportStore& store,
                                                 const kernel::Clock& clock)
    : store_(store), clock_(clock) {}

SimulationReportService::Answer SimulationReportService::Publish(
    std::int64_t user_id, const Json& body, const std::optional<kernel::IdempotentAnswer>& key,
    const Render& render) {
  auto publish = [&]() -> Answer {
    auto report = ValidateReport(body);
    report.published_by = user_id;
    report.published_at = std::chrono::floor<std::chrono::seconds>(clock_.Now());
    std::string answer;
    auto keep = [&](const SimulationReport& stored) {
      answer = render(stored);
      return answer;
    };
    std::optional<kernel::IdempotentAnswer> kept = key;
    if (kept) kept->status = 201;
    store_.Insert(report, kept, keep);
    return {201, answer, false};
  };
  if (!key) return publish();
  auto find = [this](const kernel::IdempotentAnswer& k) {
    return store_.FindAnswer(k.scope, k.key);
  };
  return kernel::AnswerOnce(*key, find, publish);
}

ReportPage SimulationReportService::List(int limit, std::optional<std::int64_t> before) {
  if (limit < 1 || limit > kMaxReportPage) {
    throw kernel::BadRequest("limit must be 1 to 100", "limit");
  }
  ReportPage page;
  page.reports = store_.List(limit + 1, before);
  if (static_cast<int>(page.reports.size()) > limit) {
    page.reports.resize(limit);
    page.next = page.reports.back().id;
  }
  return page;
}

SimulationReport SimulationReportService::Get(std::int64_t id, bool with_html) {
  auto report = store_.Find(id, with_html);
  if (!report) throw kernel::NotFound("no such simulation report");
  return *report;
}

}  // namespace daiban::supervision
