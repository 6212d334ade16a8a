#include "daiban/cases/tracking_number.hpp"

#include <cstddef>

namespace daiban::cases {
namespace {

constexpr std::string_view kPrefix = "DB";
constexpr std::size_t kDataLength = 10;

// The product of two elements of GF(32) = GF(2)[x] / (x^5 + x^2 + 1), as 5-bit numbers.
constexpr unsigned MultiplyGf32(unsigned a, unsigned b) {
  unsigned product = 0;
  for (int bit = 0; bit < 5; ++bit) {
    if (b & (1u << bit)) product ^= a;
    a <<= 1;
    if (a & 0x20u) a ^= 0x25u;
  }
  return product;
}

// The check value of 10 data characters' values (see TrackingNumberFromRandom).
unsigned CheckValue(const unsigned (&values)[kDataLength]) {
  unsigned sum = 0;
  unsigned weight = 1;
  for (unsigned value : values) {
    weight = MultiplyGf32(weight, 2);  // α^(i+1)
    sum ^= MultiplyGf32(weight, value);
  }
  return sum;
}

// The low 5 × `count` bits of `bits`, most significant first.
std::string Spell(std::uint64_t bits, std::size_t count) {
  std::string text(count, '0');
  for (std::size_t i = count; i-- > 0;) {
    text[i] = kTrackingAlphabet[bits & 0x1fu];
    bits >>= 5;
  }
  return text;
}

bool AllInAlphabet(std::string_view text) {
  for (char c : text) {
    if (kTrackingAlphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

std::string TrackingNumberFromRandom(std::uint64_t random_bits) {
  const std::string data = Spell(random_bits, kDataLength);
  unsigned values[kDataLength];
  for (std::size_t i = 0; i < kDataLength; ++i) {
    values[i] = static_cast<unsigned>(kTrackingAlphabet.find(data[i]));
  }
  return std::string(kPrefix) + data + kTrackingAlphabet[CheckValue(values)];
}

bool IsWellFormedTrackingNumber(std::string_view text) {
  if (text.size() != kTrackingNumberLength || !text.starts_with(kPrefix)) return false;
  const std::string_view rest = text.substr(kPrefix.size());
  if (!AllInAlphabet(rest)) return false;
  unsigned values[kDataLength];
  for (std::size_t i = 0; i < kDataLength; ++i) {
    values[i] = static_cast<unsigned>(kTrackingAlphabet.find(rest[i]));
  }
  return rest[kDataLength] == kTrackingAlphabet[CheckValue(values)];
}

std::string NormalizeTrackingNumber(std::string_view typed) {
  std::string out;
  out.reserve(typed.size());
  for (std::size_t i = 0; i < typed.size(); ++i) {
    char c = typed[i];
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(typed[i + k]); };
    if (static_cast<unsigned char>(c) == 0xE3 && i + 2 < typed.size() && byte(1) == 0x80 &&
        byte(2) == 0x80) {
      i += 2;  // U+3000 IDEOGRAPHIC SPACE
      continue;
    }
    if (static_cast<unsigned char>(c) == 0xEF && i + 2 < typed.size()) {
      // U+FF01..U+FF3F is EF BC 81..BF; U+FF40..U+FF5E is EF BD 80..9E.
      unsigned code_point = 0;
      if (byte(1) == 0xBC && byte(2) >= 0x81 && byte(2) <= 0xBF)
        code_point = 0xFF00 + byte(2) - 0x80;
      if (byte(1) == 0xBD && byte(2) >= 0x80 && byte(2) <= 0x9E)
        code_point = 0xFF40 + byte(2) - 0x80;
      if (code_point != 0) {
        c = static_cast<char>(code_point - 0xFF01 + 0x21);
        i += 2;
      }
    }
    if (c == ' ' || c == '\t' || c == '-') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    out.push_back(c);
  }
  return out;
}

std::string AccessCodeFromRandom(std::uint64_t random_bits) {
  return Spell(random_bits, kAccessCodeLength);
}

bool IsWellFormedAccessCode(std::string_view text) {
  return text.size() == kAccessCodeLength && AllInAlphabet(text);
}

}  // namespace daiban::cases
