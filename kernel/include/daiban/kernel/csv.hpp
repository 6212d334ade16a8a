#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace daiban::kernel {

// A problem in a CSV file, located for a person fixing it: the file name, the 1-based line and
// the 1-based column (field number, counted from the header's order).
class CsvError : public std::runtime_error {
 public:
  CsvError(std::string file, int line, int column, std::string message);
  const std::string& File() const { return file_; }
  int Line() const { return line_; }
  int Column() const { return column_; }
  const std::string& Reason() const { return reason_; }

 private:
  std::string file_;
  int line_;
  int column_;
  std::string reason_;
};

struct CsvRow {
  int line = 0;  // where the record starts
  std::vector<std::string> fields;
};

// A parsed CSV table: RFC 4180 (quoted fields may hold commas, quotes and line breaks), UTF-8
// only (a byte-order mark is skipped; any invalid byte is an error at its line and column),
// CRLF or LF, empty lines skipped, and lines starting with '#' outside quotes skipped as
// comments. The first record is the header. Every record must have as many fields as the
// header. Throws CsvError.
class CsvTable {
 public:
  static CsvTable Parse(std::string file, std::string_view text);

  // Checks that the header holds every `required` column (any order, extra columns allowed
  // when `allow_extra`); throws CsvError at the header line otherwise.
  void RequireColumns(const std::vector<std::string>& required, bool allow_extra) const;

  const std::string& File() const { return file_; }
  const std::vector<std::string>& Header() const { return header_; }
  int HeaderLine() const { return header_line_; }
  const std::vector<CsvRow>& Rows() const { return rows_; }
  // 1-based column number of `name`; throws std::out_of_range for an unknown column.
  int Column(const std::string& name) const;
  const std::string& Field(const CsvRow& row, const std::string& name) const;
  // A CsvError pointing at `name` in `row`.
  CsvError ErrorAt(const CsvRow& row, const std::string& name, const std::string& message) const;

 private:
  std::string file_;
  std::vector<std::string> header_;
  int header_line_ = 0;
  std::map<std::string, int> columns_;
  std::vector<CsvRow> rows_;
};

// One field of a CSV file we write (RFC 4180): quoted when it holds a comma, a quote or a line
// break. A field starting with '=', '+', '-', '@', a tab or a carriage return gets a leading
// single quote first, as OWASP recommends, so a spreadsheet opening an export shows the text
// instead of running it as a formula. Every CSV export goes through this one writer.
std::string CsvField(std::string_view text);

}  // namespace daiban::kernel
