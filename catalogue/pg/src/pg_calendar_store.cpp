#include "daiban/catalogue/pg/pg_calendar_store.hpp"

#include <pqxx/pqxx>

#include "daiban/cases/china_time.hpp"

namespace daiban::catalogue {

namespace {

constexpr const char* kDeleteYear = "calendar_delete_year";
constexpr const char* kDeleteYearSql =
    "DELETE FROM calendar_days WHERE day >= make_date($1, 1, 1) AND day < make_date($1 + 1, 1, 1)";
constexpr const char* kInsertDay = "calendar_insert_day";
constexpr const char* kInsertDaySql =
    "INSERT INTO calendar_days (day, kind, name) VALUES ($1::date, $2, $3)";
constexpr const char* kUpsertYear = "calendar_upsert_year";
constexpr const char* kUpsertYearSql =
    "INSERT INTO calendar_years (year, source) VALUES ($1, $2) "
    "ON CONFLICT (year) DO UPDATE SET source = EXCLUDED.source, loaded_at = now()";
constexpr const char* kDays = "calendar_days";
constexpr const char* kDaysSql = "SELECT to_char(day, 'YYYY-MM-DD'), kind, name FROM calendar_days";
constexpr const char* kYears = "calendar_years";
constexpr const char* kYearsSql = "SELECT year FROM calendar_years";

}  // namespace

PgCalendarStore::PgCalendarStore(db::PgPool& pool) : pool_(pool) {
  pool_.Prepare(kDeleteYear, kDeleteYearSql);
  pool_.Prepare(kInsertDay, kInsertDaySql);
  pool_.Prepare(kUpsertYear, kUpsertYearSql);
  pool_.Prepare(kDays, kDaysSql);
  pool_.Prepare(kYears, kYearsSql);
}

void PgCalendarStore::ReplaceYears(const cases::CalendarFile& file, const std::string& source) {
  pool_.Transact([&](pqxx::dbtransaction& tx) {
    for (const auto& year : file.years) {
      tx.exec_prepared(kDeleteYear, static_cast<int>(year));
      tx.exec_prepared(kUpsertYear, static_cast<int>(year), source);
    }
    for (const auto& entry : file.entries) {
      tx.exec_prepared(kInsertDay, cases::FormatIsoDate(entry.date),
                       entry.kind == cases::DayKind::kHoliday ? "holiday" : "workday", entry.name);
    }
  });
}

cases::CalendarFile PgCalendarStore::LoadAll() {
  cases::CalendarFile file;
  pool_.Read([&](pqxx::transaction_base& tx) {
    for (const auto& row : tx.exec_prepared(kYears)) {
      file.years.insert(std::chrono::year(row[0].as<int>()));
    }
    for (const auto& row : tx.exec_prepared(kDays)) {
      auto date = cases::ParseIsoDate(row[0].as<std::string>());
      if (!date) continue;
      file.entries.push_back({*date,
                              row[1].as<std::string>() == "holiday" ? cases::DayKind::kHoliday
                                                                    : cases::DayKind::kWorkday,
                              row[2].as<std::string>()});
    }
  });
  return file;
}

}  // namespace daiban::catalogue
