#pragma once

#include "daiban/catalogue/calendar_service.hpp"
#include "daiban/db/pg_pool.hpp"

namespace daiban::catalogue {

class PgCalendarStore final : public CalendarStore {
 public:
  explicit PgCalendarStore(db::PgPool& pool);
  void ReplaceYears(const cases::CalendarFile& file, const std::string& source) override;
  cases::CalendarFile LoadAll() override;

 private:
  db::PgPool& pool_;
};

}  // namespace daiban::catalogue
