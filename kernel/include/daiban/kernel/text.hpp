#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace daiban::kernel {

// Strict UTF-8: no overlong forms, no surrogates, nothing beyond U+10FFFF.
bool IsValidUtf8(std::string_view text);

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, the form-encoding rule).
// nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace daiban::kernel
