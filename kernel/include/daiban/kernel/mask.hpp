#pragma once

#include <string>
#include <string_view>

namespace daiban::kernel {

// Personal data shown only in part, for logs and views that do not need it in full.
// They work on UTF-8 code points, so Chinese names are masked by character, not byte.
std::string MaskPhone(std::string_view phone);         // 13800001234 -> 138****1234
std::string MaskIdNumber(std::string_view id_number);  // 370102199001011234 -> 3701**********1234
std::string MaskName(std::string_view name);           // 张三丰 -> 张** ; Alice -> A****

}  // namespace daiban::kernel
