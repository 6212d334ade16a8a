#include "daiban/supervision/stats_xlsx.hpp"

#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace daiban::supervision {

namespace {

// A unique file name in the temporary folder, the file itself removed when this goes.
class TemporaryFile {
 public:
  TemporaryFile() {
    std::string pattern = (std::filesystem::temp_directory_path() / "daiban-stats-XXXXXX").string();
    int fd = mkstemp(pattern.data());
    if (fd < 0) throw std::runtime_error("cannot create a temporary file");
    close(fd);
    path_ = pattern;
  }
  ~TemporaryFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  const std::string& Path() const { return path_; }

 private:
  std::string path_;
};

struct Formats {
  lxw_format* header;
  lxw_format* rate;
  lxw_format* decimal;
  lxw_format* total_text;
  lxw_format* total_count;
  lxw_format* total_rate;
  lxw_format* total_decimal;
};

void Check(lxw_error error) {
  if (error != LXW_NO_ERROR) {
    throw std::runtime_error(std::string("xlsx: ") + lxw_strerror(error));
  }
}

void WriteOptional(lxw_worksheet* sheet, lxw_row_t row, lxw_col_t col,
                   const std::optional<Decimal>& value, lxw_format* format) {
  if (value) {
    Check(worksheet_write_number(sheet, row, col, value->Value(), format));
  } else {
    Check(worksheet_write_blank(sheet, row, col, format));
  }
}

void WriteRow(lxw_worksheet* sheet, lxw_row_t row, const std::string& key, const std::string& name,
              const StatsMetrics& m, bool total, const Formats& f) {
  lxw_format* text = total ? f.total_text : nullptr;
  lxw_format* count = total ? f.total_count : nullptr;
  lxw_format* rate = total ? f.total_rate : f.rate;
  lxw_format* decimal = total ? f.total_decimal : f.decimal;
  Check(worksheet_write_string(sheet, row, 0, key.c_str(), text));
  Check(worksheet_write_string(sheet, row, 1, name.c_str(), text));
  const int counts_a[] = {m.received, m.accepted, m.finished, m.on_time};
  lxw_col_t col = 2;
  for (int value : counts_a) Check(worksheet_write_number(sheet, row, col++, value, count));
  WriteOptional(sheet, row, col++, m.on_time_rate, rate);
  WriteOptional(sheet, row, col++, m.mean_working_days, decimal);
  WriteOptional(sheet, row, col++, m.p90_working_days, decimal);
  Check(worksheet_write_number(sheet, row, col++, m.overdue, count));
  Check(worksheet_write_number(sheet, row, col++, m.reassigned, count));
  WriteOptional(sheet, row, col++, m.rating_average, decimal);
  const int counts_b[] = {m.ratings, m.followups_open, m.followups_closed};
  for (int value : counts_b) Check(worksheet_write_number(sheet, row, col++, value, count));
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the workbook back");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace

std::string RenderStatsXlsx(const StatsReport& report) {
  TemporaryFile file;
  lxw_workbook* workbook = workbook_new(file.Path().c_str());
  if (workbook == nullptr) throw std::runtime_error("cannot create the workbook");
  try {
    Formats f{};
    f.header = workbook_add_format(workbook);
    format_set_bold(f.header);
    f.rate = workbook_add_format(workbook);
    format_set_num_format(f.rate, "0.00%");
    f.decimal = workbook_add_format(workbook);
    format_set_num_format(f.decimal, "0.00");
    f.total_text = workbook_add_format(workbook);
    format_set_bold(f.total_text);
    f.total_count = workbook_add_format(workbook);
    format_set_bold(f.total_count);
    f.total_rate = workbook_add_format(workbook);
    format_set_bold(f.total_rate);
    format_set_num_format(f.total_rate, "0.00%");
    f.total_decimal = workbook_add_format(workbook);
    format_set_bold(f.total_decimal);
    format_set_num_format(f.total_decimal, "0.00");

    lxw_worksheet* table = workbook_add_worksheet(workbook, "统计");
    if (table == nullptr) throw std::runtime_error("cannot add the sheet 统计");
    const auto& headers = StatsColumnHeaders();
    for (std::size_t col = 0; col < headers.size(); ++col) {
      Check(worksheet_write_string(table, 0, static_cast<lxw_col_t>(col), headers[col].c_str(),
                                   f.header));
    }
    Check(worksheet_set_column(table, 0, 0, 14, nullptr));
    Check(worksheet_set_column(table, 1, 1, 30, nullptr));
    Check(worksheet_set_column(table, 2, static_cast<lxw_col_t>(headers.size() - 1), 13, nullptr));
    worksheet_freeze_panes(table, 1, 0);
    lxw_row_t row = 1;
    for (const auto& r : report.rows) WriteRow(table, row++, r.key, r.name, r.metrics, false, f);
    WriteRow(table, row, "", "合计", report.totals, true, f);

    lxw_worksheet* classes = workbook_add_worksheet(workbook, "分类");
    if (classes == nullptr) throw std::runtime_error("cannot add the sheet 分类");
    Check(worksheet_write_string(classes, 0, 0, "维度", f.header));
    Check(worksheet_write_string(classes, 0, 1, "名称", f.header));
    Check(worksheet_write_string(classes, 0, 2, "件数", f.header));
    Check(worksheet_set_column(classes, 0, 1, 18, nullptr));
    row = 1;
    for (const auto& [word, count] : report.by_class) {
      Check(worksheet_write_string(classes, row, 0, "事项类别", nullptr));
      Check(worksheet_write_string(classes, row, 1, ServiceClassLabel(word).c_str(), nullptr));
      Check(worksheet_write_number(classes, row++, 2, count, nullptr));
    }
    for (const auto& [word, count] : report.by_mode) {
      Check(worksheet_write_string(classes, row, 0, "办理方式", nullptr));
      Check(worksheet_write_string(classes, row, 1, ModeLabel(word).c_str(), nullptr));
      Check(worksheet_write_number(classes, row++, 2, count, nullptr));
    }
  } catch (...) {
    workbook_close(workbook);
    throw;
  }
  Check(workbook_close(workbook));
  return ReadAll(file.Path());
}

}  // namespace daiban::supervision
