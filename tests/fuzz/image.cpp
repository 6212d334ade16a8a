// A photo upload as the cases context judges it: the first byte picks the declared
// Content-Type, the rest is the body. Only ApiError may escape; what is accepted has a size.
#include <array>
#include <string_view>

#include "daiban/cases/attachments.hpp"
#include "daiban/kernel/errors.hpp"
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr std::array<std::string_view, 4> kDeclared = {
      "image/jpeg", "image/png", "Image/PNG; q=1", "application/octet-stream"};
  const std::string_view declared = kDeclared[data[0] % kDeclared.size()];
  const std::string_view bytes = daiban::fuzz::Text(data + 1, size - 1);
  try {
    auto info = daiban::cases::InspectImage(bytes, declared);
    FUZZ_CHECK(info.width > 0 && info.height > 0);
    FUZZ_CHECK(info.content_type == daiban::cases::MediaTypeOf(declared));
  } catch (const daiban::kernel::ApiError&) {
  }
  return 0;
}
