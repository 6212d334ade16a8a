#include "daiban/kernel/mask.hpp"

#include <vector>

namespace daiban::kernel {

namespace {

// Splits into UTF-8 code points; a malformed byte counts as one code point of its own.
std::vector<std::string_view> CodePoints(std::string_view text) {
  std::vector<std::string_view> points;
  std::size_t i = 0;
  while (i < text.size()) {
    unsigned char lead = static_cast<unsigned char>(text[i]);
    std::size_t len = lead < 0x80           ? 1
                      : (lead >> 5) == 0x6  ? 2
                      : (lead >> 4) == 0xe  ? 3
                      : (lead >> 3) == 0x1e ? 4
                                            : 1;
    if (i + len > text.size()) len = 1;
    points.push_back(text.substr(i, len));
    i += len;
  }
  return points;
}

std::string KeepEnds(std::string_view text, std::size_t head, std::size_t tail) {
  auto points = CodePoints(text);
  if (points.size() <= head + tail) return std::string(points.size(), '*');
  std::string out;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (i < head || i >= points.size() - tail) {
      out += points[i];
    } else {
      out += '*';
    }
  }
  return out;
}

}  // namespace

std::string MaskPhone(std::string_view phone) { return KeepEnds(phone, 3, 4); }

std::string MaskIdNumber(std::string_view id_number) { return KeepEnds(id_number, 4, 4); }

std::string MaskName(std::string_view name) {
  auto points = CodePoints(name);
  if (points.empty()) return {};
  std::string out(points[0]);
  out.append(points.size() - 1, '*');
  return out;
}

}  // namespace daiban::kernel
