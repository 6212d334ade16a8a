#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace daiban::db {

// A PostgreSQL array literal ("{1,2,3}") built element by element, for a statement parameter
// cast to an array type ($1::bigint[]). libpqxx 6.4 has no array parameters (its array_parser
// only reads them), so every array sent to PostgreSQL is built here: text is always quoted and
// escaped, so a comma, brace, quote or backslash inside an element keeps it one element.
class ArrayLiteral {
 public:
  ArrayLiteral() : text_("{") {}

  ArrayLiteral& Add(std::string_view text);
  ArrayLiteral& Add(const char* text) { return Add(std::string_view(text)); }
  ArrayLiteral& Add(const std::string& text) { return Add(std::string_view(text)); }
  // Integers as digits: bigint[], int[].
  template <
      typename Integer,
      std::enable_if_t<std::is_integral_v<Integer> && !std::is_same_v<Integer, bool>, int> = 0>
  ArrayLiteral& Add(Integer value) {
    Separate();
    text_ += std::to_string(value);
    return *this;
  }
  // The shortest text that reads back as the same double: float8[].
  ArrayLiteral& Add(double value);
  ArrayLiteral& Add(bool value);  // boolean[]
  ArrayLiteral& AddNull();
  template <typename T>
  ArrayLiteral& Add(const std::optional<T>& value) {
    return value ? Add(*value) : AddNull();
  }

  // The literal, closed: "{}" when nothing was added.
  std::string Text() const { return text_ + '}'; }

 private:
  void Separate() {
    if (size_++ > 0) text_ += ',';
  }

  std::string text_;
  std::size_t size_ = 0;
};

// The literal of every element of `values`: ArrayOf(ids) for a bigint[] parameter.
template <typename Range>
std::string ArrayOf(const Range& values) {
  ArrayLiteral literal;
  for (const auto& value : values) literal.Add(value);
  return literal.Text();
}

// The literal of `field(element)` for every element of `values`.
template <typename Range, typename Field>
std::string ArrayOf(const Range& values, Field field) {
  ArrayLiteral literal;
  for (const auto& value : values) literal.Add(field(value));
  return literal.Text();
}

}  // namespace daiban::db
