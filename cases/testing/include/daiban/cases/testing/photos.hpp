#pragma once

// Small, structurally complete JPEG and PNG files built in code, for the tests of case photos
// (InspectImage, the photo store, the photo routes), and a count of the files a photo folder
// holds. Only the images' structure is real: the compressed pixels are not, as nothing here
// decodes them.
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>

namespace daiban::cases::testing {

inline std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}
inline std::string Be16(unsigned v) {
  return Bytes({static_cast<int>(v >> 8), static_cast<int>(v & 0xFF)});
}
inline std::string Be32(std::uint32_t v) { return Be16(v >> 16) + Be16(v & 0xFFFF); }

// A JPEG marker segment: the marker, its length, its payload.
inline std::string Segment(int marker, const std::string& payload) {
  return Bytes({0xFF, marker}) + Be16(static_cast<unsigned>(payload.size() + 2)) + payload;
}

// A PNG chunk (its CRC is not checked, so it is left zero).
inline std::string Chunk(const std::string& type, const std::string& data) {
  return Be32(static_cast<std::uint32_t>(data.size())) + type + data + Be32(0);
}

// A baseline JPEG of `width` × `height`; `tag` (a comment segment) makes photos of the same size
// differ.
inline std::string Jpeg(unsigned width, unsigned height, const std::string& tag = "") {
  return Bytes({0xFF, 0xD8}) + Segment(0xE0, "JFIF" + Bytes({0, 1, 1, 0, 0, 1, 0, 1, 0, 0})) +
         Segment(0xFE, "photo " + tag) +
         Segment(0xC0, Bytes({8}) + Be16(height) + Be16(width) + Bytes({1, 1, 0x11, 0})) +
         Segment(0xC4, Bytes({0}) + std::string(16, '\0')) +
         Segment(0xDA, Bytes({1, 1, 0, 0, 0x3F, 0})) + Bytes({0x12, 0xFF, 0x00, 0x34}) +
         Bytes({0xFF, 0xD9});
}

// A PNG of `width` × `height`: signature, IHDR, one IDAT, IEND.
inline std::string Png(std::uint32_t width, std::uint32_t height) {
  return Bytes({0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}) +
         Chunk("IHDR", Be32(width) + Be32(height) + Bytes({8, 2, 0, 0, 0})) +
         Chunk("IDAT", Bytes({0x78, 0x9C, 0x63, 0x60})) + Chunk("IEND", "");
}

// Regular files under a photo folder; `hidden` counts only leftover temporary files.
inline int PhotoFiles(const std::filesystem::path& folder, bool hidden = false) {
  int n = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    if (!entry.is_regular_file()) continue;
    if (!hidden || entry.path().filename().string().front() == '.') ++n;
  }
  return n;
}

}  // namespace daiban::cases::testing
