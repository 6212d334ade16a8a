#include "daiban/kernel/csv.hpp"

#include <algorithm>

#include "daiban/kernel/text.hpp"

namespace daiban::kernel {

namespace {

// "file:line:column: message", the form editors and compilers use.
std::string Located(const std::string& file, int line, int column, const std::string& message) {
  std::string out = file;
  out.append(":").append(std::to_string(line));
  if (column > 0) out.append(":").append(std::to_string(column));
  return out.append(": ").append(message);
}

}  // namespace

CsvError::CsvError(std::string file, int line, int column, std::string message)
    : std::runtime_error(Located(file, line, column, message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      reason_(std::move(message)) {}

CsvTable CsvTable::Parse(std::string file, std::string_view text) {
  CsvTable table;
  table.file_ = std::move(file);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  std::vector<CsvRow> records;
  std::size_t i = 0;
  int line = 1;
  while (i < text.size()) {
    // At the start of a record: skip empty lines and comments.
    if (text[i] == '\n' || text[i] == '\r') {
      if (text[i] == '\n') ++line;
      ++i;
      continue;
    }
    if (text[i] == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    CsvRow row;
    row.line = line;
    std::string field;
    bool quoted = false;
    bool was_quoted = false;
    bool ended_by_line_break = false;
    for (;;) {
      if (i >= text.size()) {
        if (quoted) {
          throw CsvError(table.file_, row.line, static_cast<int>(row.fields.size()) + 1,
                         "a quoted field is not closed");
        }
        break;
      }
      char c = text[i];
      if (quoted) {
        if (c == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
          } else {
            quoted = false;
            ++i;
          }
          continue;
        }
        if (c == '\n') ++line;
        field += c;
        ++i;
        continue;
      }
      if (c == '"') {
        if (!field.empty() || was_quoted) {
          throw CsvError(table.file_, line, static_cast<int>(row.fields.size()) + 1,
                         "a quote inside an unquoted field");
        }
        quoted = was_quoted = true;
        ++i;
        continue;
      }
      if (c == ',' || c == '\n' || c == '\r') {
        if (!IsValidUtf8(field)) {
          throw CsvError(table.file_, line, static_cast<int>(row.fields.size()) + 1,
                         "not valid UTF-8");
        }
        row.fields.push_back(std::move(field));
        field.clear();
        was_quoted = false;
        ++i;
        if (c == ',') continue;
        if (c == '\r' && i < text.size() && text[i] == '\n') ++i;
        ++line;
        ended_by_line_break = true;
        break;
      }
      if (was_quoted) {
        throw CsvError(table.file_, line, static_cast<int>(row.fields.size()) + 1,
                       "text after a closing quote");
      }
      field += c;
      ++i;
    }
    if (!ended_by_line_break) {  // the last record, with no line break after it
      if (!IsValidUtf8(field)) {
        throw CsvError(table.file_, line, static_cast<int>(row.fields.size()) + 1,
                       "not valid UTF-8");
      }
      row.fields.push_back(std::move(field));
    }
    records.push_back(std::move(row));
  }
  if (records.empty()) throw CsvError(table.file_, 1, 0, "the file has no header line");
  table.header_ = records.front().fields;
  table.header_line_ = records.front().line;
  for (std::size_t c = 0; c < table.header_.size(); ++c) {
    if (!table.columns_.emplace(table.header_[c], static_cast<int>(c) + 1).second) {
      throw CsvError(table.file_, table.header_line_, static_cast<int>(c) + 1,
                     "column '" + table.header_[c] + "' appears twice");
    }
  }
  for (std::size_t r = 1; r < records.size(); ++r) {
    auto& row = records[r];
    if (row.fields.size() != table.header_.size()) {
      int column = static_cast<int>(std::min(row.fields.size(), table.header_.size())) + 1;
      throw CsvError(table.file_, row.line, column,
                     "expected " + std::to_string(table.header_.size()) + " fields, found " +
                         std::to_string(row.fields.size()));
    }
    table.rows_.push_back(std::move(row));
  }
  return table;
}

void CsvTable::RequireColumns(const std::vector<std::string>& required, bool allow_extra) const {
  for (const auto& name : required) {
    if (!columns_.count(name)) {
      throw CsvError(file_, header_line_, 0, "missing column '" + name + "'");
    }
  }
  if (allow_extra) return;
  for (std::size_t c = 0; c < header_.size(); ++c) {
    if (std::find(required.begin(), required.end(), header_[c]) == required.end()) {
      throw CsvError(file_, header_line_, static_cast<int>(c) + 1,
                     "unknown column '" + header_[c] + "'");
    }
  }
}

std::string CsvField(std::string_view text) {
  std::string cell;
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos) {
    cell = "'";
  }
  cell.append(text);
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

int CsvTable::Column(const std::string& name) const { return columns_.at(name); }

const std::string& CsvTable::Field(const CsvRow& row, const std::string& name) const {
  return row.fields[static_cast<std::size_t>(Column(name)) - 1];
}

CsvError CsvTable::ErrorAt(const CsvRow& row, const std::string& name,
                           const std::string& message) const {
  return CsvError(file_, row.line, Column(name), name + ": " + message);
}

}  // namespace daiban::kernel
