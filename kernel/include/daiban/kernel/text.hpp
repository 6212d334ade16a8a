#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace daiban::kernel {

// Strict UTF-8: no overlong forms, no surrogates, nothing beyond U+10FFFF.
bool IsValidUtf8(std::string_view text);

// Whether `text` is a mainland mobile number as stored: exactly 11 ASCII digits, "1" then 3–9.
// No "+86", spaces or hyphens. Accounts and applicants share it.
bool IsMobilePhone(std::string_view text);

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, the form-encoding rule).
// nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Fixed-width decimal fields, as dates and times spell them ("2026", "09"): whether `c` is an
// ASCII digit; `value` (in [0, 10^width)) appended as exactly `width` digits; exactly `width`
// ASCII digits read from `pos` (std::nullopt when the text is too short or one is not a digit).
bool IsAsciiDigit(char c);
void AppendDigits(std::string& out, int value, int width);
std::optional<int> ReadDigits(std::string_view text, std::size_t pos, std::size_t width);

}  // namespace daiban::kernel
