// One name or value of a query string (or of a form body) as the server decodes it: %XX escapes,
// '+' as a space or not, then the UTF-8 check. Properties: decoding what was encoded gives it
// back, and IsValidUtf8 agrees with nlohmann's own strict UTF-8 check.
#include <string>

#include "daiban/kernel/json.hpp"
#include "daiban/kernel/text.hpp"
#include "fuzz_target.hpp"

namespace {

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    }
  }
  return out;
}

// nlohmann's strict UTF-8 check, without an exception per input (they slow fuzzing down): with
// invalid bytes, dropping them and replacing them give different text.
bool NlohmannAcceptsUtf8(const std::string& text) {
  using daiban::kernel::Json;
  const Json value(text);
  return value.dump(-1, ' ', false, Json::error_handler_t::ignore) ==
         value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw = daiban::fuzz::Text(data, size);
  FUZZ_CHECK(daiban::kernel::IsValidUtf8(raw) == NlohmannAcceptsUtf8(std::string(raw)));
  for (bool plus_is_space : {true, false}) {
    auto decoded = daiban::kernel::PercentDecode(raw, plus_is_space);
    if (!decoded) continue;
    FUZZ_CHECK(decoded->size() <= raw.size());
    FUZZ_CHECK(daiban::kernel::PercentDecode(PercentEncode(*decoded), plus_is_space) == *decoded);
  }
  return 0;
}
