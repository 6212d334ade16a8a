#include "daiban/cases/applicant_rules.hpp"

#include <array>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <optional>

namespace daiban::cases {
namespace {

namespace chrono = std::chrono;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The value of the digits text[first, first + count).
int DigitsValue(std::string_view text, std::size_t first, std::size_t count) {
  int value = 0;
  for (std::size_t i = first; i < first + count; ++i) value = value * 10 + (text[i] - '0');
  return value;
}

// The birth date of a well-formed identity number, if it is a real date from 1900-01-01 on.
std::optional<CivilDate> IdBirthDate(std::string_view text) {
  constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  constexpr std::string_view kCheckCharacters = "10X98765432";
  if (text.size() != 18) return std::nullopt;
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) {
    if (!IsDigit(text[i])) return std::nullopt;
    sum += (text[i] - '0') * kWeights[i];
  }
  if (text[17] != kCheckCharacters[sum % 11]) return std::nullopt;
  const CivilDate birth{chrono::year{DigitsValue(text, 6, 4)},
                        chrono::month{static_cast<unsigned>(DigitsValue(text, 10, 2))},
                        chrono::day{static_cast<unsigned>(DigitsValue(text, 12, 2))}};
  if (!birth.ok() || birth < CivilDate{chrono::year{1900}, chrono::January, chrono::day{1}}) {
    return std::nullopt;
  }
  return birth;
}

}  // namespace

bool IsValidIdNumber(std::string_view text) { return IdBirthDate(text).has_value(); }

bool IsValidIdNumber(std::string_view text, CivilDate today) {
  const std::optional<CivilDate> birth = IdBirthDate(text);
  return birth.has_value() && *birth <= today;
}

bool IsValidSocialCreditCode(std::string_view text) {
  constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  constexpr std::array<int, 17> kWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                            29, 25, 13, 8,  24, 10, 30, 28};
  if (text.size() != 18) return false;
  int sum = 0;
  for (std::size_t i = 0; i < 18; ++i) {
    const std::size_t value = kAlphabet.find(text[i]);
    if (value == std::string_view::npos) return false;
    if (i < 17) sum += static_cast<int>(value) * kWeights[i];
  }
  const int check = (31 - sum % 31) % 31;
  return text[17] == kAlphabet[static_cast<std::size_t>(check)];
}

bool InsideJinan(double latitude, double longitude) {
  // Comparisons with NaN are false, so NaN is outside.
  return latitude >= 35.9 && latitude <= 37.8 && longitude >= 116.1 && longitude <= 118.0;
}

bool FarOutsideJinan(double latitude, double longitude) {
  // 0.18° of latitude and 0.23° of longitude are each about 20 km at 36.7° N.
  const bool near = latitude >= 35.81 && latitude <= 37.72 && longitude >= 115.99 &&
                    longitude <= 118.20;  // comparisons with NaN are false
  return !near;
}

bool IdLast4Matches(std::string_view id_number, std::string_view last4) {
  if (id_number.size() < 4 || last4.size() != 4) return false;
  auto tail = id_number.substr(id_number.size() - 4);
  for (std::size_t i = 0; i < 4; ++i) {
    if (std::toupper(static_cast<unsigned char>(tail[i])) !=
        std::toupper(static_cast<unsigned char>(last4[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace daiban::cases
