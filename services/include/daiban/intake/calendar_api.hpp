#pragma once

#include "daiban/catalogue/calendar_service.hpp"
#include "daiban/kernel/http.hpp"

namespace daiban::intake {

// GET /api/v1/calendar/deadline?from=RFC3339&working_days=N — the deadline rule, for staff
// tools; GET /api/v1/calendar/days?year=YYYY — the holidays and make-up working days.
void AddCalendarRoutes(kernel::Router& router, catalogue::CalendarService& calendar);

}  // namespace daiban::intake
