#pragma once

#include <string>

#include "daiban/supervision/stats.hpp"

namespace daiban::supervision {

// The report as an Excel workbook (the bytes of an .xlsx file): sheet 统计 holds the table of
// the CSV export (header row bold, counts and averages as numbers, rates as percentages, the
// 合计 row last); sheet 分类 the cases by service class and by mode. The workbook is written to
// a temporary file (libxlsxwriter writes files only), read back and removed. Throws
// std::runtime_error when the file cannot be written.
std::string RenderStatsXlsx(const StatsReport& report);

}  // namespace daiban::supervision
