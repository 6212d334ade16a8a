#pragma once

#include <string>
#include <string_view>

namespace daiban::kernel {

// SHA-256 of `bytes` as 64 lowercase hex digits (libsodium): the one digest behind token and
// access-code hashes, idempotency request hashes and content-addressed photos.
std::string Sha256Hex(std::string_view bytes);

}  // namespace daiban::kernel
