#include "daiban/intake/calendar_api.hpp"

#include <limits>

#include "daiban/cases/china_time.hpp"
#include "daiban/kernel/errors.hpp"
#include "daiban/kernel/input.hpp"

namespace daiban::intake {

namespace {

using kernel::HttpRequest;
using kernel::HttpResponse;
using kernel::Json;

int IntParam(const HttpRequest& request, const std::string& name) {
  auto text = request.Query(name);
  if (!text) throw kernel::BadRequest(name + " is required", name);
  return static_cast<int>(kernel::ParseIntField(*text, name, std::numeric_limits<int>::min(),
                                                std::numeric_limits<int>::max()));
}

}  // namespace

void AddCalendarRoutes(kernel::Router& router, catalogue::CalendarService& calendar) {
  router.Add("GET", "/api/v1/calendar/deadline", [&calendar](const HttpRequest& request) {
    auto from_text = request.Query("from");
    if (!from_text) throw kernel::BadRequest("from is required", "from");
    const std::optional<cases::Moment> from = kernel::ParseTimeField(*from_text, "from");
    int working_days = IntParam(request, "working_days");
    auto result = calendar.Deadline(*from, working_days);
    return HttpResponse::WithJson(200, {{"from", cases::FormatRfc3339China(*from)},
                                        {"working_days", working_days},
                                        {"deadline", cases::FormatRfc3339China(result.deadline)},
                                        {"provisional", result.provisional}});
  });
  router.Add("GET", "/api/v1/calendar/days", [&calendar](const HttpRequest& request) {
    int year = IntParam(request, "year");
    if (year < 1 || year > 9999) throw kernel::BadRequest("year must be 1..9999", "year");
    auto current = calendar.Current();
    Json days = Json::array();
    for (const auto& entry : current->entries()) {
      if (static_cast<int>(entry.date.year()) != year) continue;
      days.push_back({{"date", cases::FormatIsoDate(entry.date)},
                      {"kind", entry.kind == cases::DayKind::kHoliday ? "holiday" : "workday"},
                      {"name", entry.name}});
    }
    return HttpResponse::WithJson(200, {{"year", year},
                                        {"loaded", current->IsLoadedYear(std::chrono::year(year))},
                                        {"days", std::move(days)}});
  });
}

}  // namespace daiban::intake
