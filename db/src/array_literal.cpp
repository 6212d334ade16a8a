#include "daiban/db/array_literal.hpp"

#include <charconv>
#include <stdexcept>

namespace daiban::db {

ArrayLiteral& ArrayLiteral::Add(std::string_view text) {
  Separate();
  // Quoted, so NULL, an empty string, spaces and separators stay the text they are.
  text_ += '"';
  for (char ch : text) {
    if (ch == '"' || ch == '\\') text_ += '\\';
    text_ += ch;
  }
  text_ += '"';
  return *this;
}

ArrayLiteral& ArrayLiteral::Add(double value) {
  Separate();
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) throw std::invalid_argument("unformattable number");
  text_.append(buffer, end);
  return *this;
}

ArrayLiteral& ArrayLiteral::Add(bool value) {
  Separate();
  text_ += value ? 't' : 'f';
  return *this;
}

ArrayLiteral& ArrayLiteral::AddNull() {
  Separate();
  text_ += "NULL";
  return *this;
}

}  // namespace daiban::db
