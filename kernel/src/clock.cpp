#include "daiban/kernel/clock.hpp"

#include <sys/random.h>

#include <stdexcept>
#include <vector>

namespace daiban::kernel {

namespace {

std::string ToHex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0f]);
  }
  return out;
}

}  // namespace

std::string RandomIdGenerator::HexId(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  std::size_t filled = 0;
  while (filled < bytes) {
    ssize_t got = getrandom(buffer.data() + filled, bytes - filled, 0);
    if (got < 0) throw std::runtime_error("getrandom failed");
    filled += static_cast<std::size_t>(got);
  }
  return ToHex(buffer.data(), bytes);
}

std::string SeededIdGenerator::HexId(std::size_t bytes) {
  std::lock_guard lock(mutex_);
  std::vector<unsigned char> buffer(bytes);
  for (auto& byte : buffer) byte = static_cast<unsigned char>(engine_() & 0xff);
  return ToHex(buffer.data(), bytes);
}

}  // namespace daiban::kernel
