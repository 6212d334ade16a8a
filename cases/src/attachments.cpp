#include "daiban/cases/attachments.hpp"

#include <cstdint>
#include <optional>

#include "daiban/kernel/errors.hpp"

namespace daiban::cases {

namespace {

using kernel::ApiError;

constexpr std::string_view kJpegMagic = "\xFF\xD8\xFF";
constexpr std::string_view kPngSignature = "\x89PNG\r\n\x1A\n";
constexpr std::uint32_t kPngMaxDimension = 0x7FFFFFFF;  // the PNG specification's 2^31-1

ApiError UnsupportedMediaType(std::string message) {
  return ApiError(415, "unsupported_media_type", std::move(message), "Content-Type");
}

ApiError Malformed(std::string_view format, const std::string& what) {
  return kernel::Invalid("body", "the " + std::string(format) + " is malformed: " + what);
}

ApiError Truncated(std::string_view format) {
  return kernel::Invalid(
      "body", "the " + std::string(format) + " is truncated (the upload may have been cut short)");
}

ApiError ZeroSize(std::string_view format) {
  return kernel::Invalid("body", "the " + std::string(format) + " has zero width or height");
}

unsigned Byte(std::string_view bytes, std::size_t at) {
  return static_cast<unsigned char>(bytes[at]);
}

// Big-endian reads; callers have checked that the bytes are there.
std::uint32_t Be16(std::string_view bytes, std::size_t at) {
  return (Byte(bytes, at) << 8) | Byte(bytes, at + 1);
}
std::uint32_t Be32(std::string_view bytes, std::size_t at) {
  return (Be16(bytes, at) << 16) | Be16(bytes, at + 2);
}

// SOF0..SOF15 start a frame; C4 (DHT), C8 (JPG, reserved) and CC (DAC) share the range but
// are tables, not frames.
bool IsFrameHeader(unsigned marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

// Markers that stand alone, without a length: TEM and the restart markers.
bool IsStandalone(unsigned marker) { return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7); }

// Skips the entropy-coded data after a scan header, from `pos`; returns the position of the
// marker that ends it. Inside the data 0xFF is always followed by a stuffed 0x00, a restart
// marker or fill bytes, so the first other pair is a real marker.
std::size_t SkipEntropyData(std::string_view bytes, std::size_t pos) {
  while (true) {
    std::size_t ff = bytes.find('\xFF', pos);
    if (ff == std::string_view::npos || ff + 1 >= bytes.size()) throw Truncated("JPEG");
    unsigned next = Byte(bytes, ff + 1);
    if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
      pos = ff + 2;
    } else if (next == 0xFF) {
      pos = ff + 1;  // a fill byte: the marker comes after the last 0xFF
    } else {
      return ff;
    }
  }
}

ImageInfo WalkJpeg(std::string_view bytes) {
  std::optional<ImageInfo> frame;
  bool scanned = false;
  std::size_t pos = 2;  // after SOI
  while (true) {
    if (pos >= bytes.size()) throw Truncated("JPEG");
    if (Byte(bytes, pos) != 0xFF) throw Malformed("JPEG", "expected a marker between segments");
    while (pos < bytes.size() && Byte(bytes, pos) == 0xFF) ++pos;  // fill bytes
    if (pos >= bytes.size()) throw Truncated("JPEG");
    const unsigned marker = Byte(bytes, pos++);
    if (marker == 0xD9) {  // EOI
      if (!frame) throw Malformed("JPEG", "it ends before a frame header");
      if (!scanned) throw Malformed("JPEG", "it holds no image data");
      return *frame;
    }
    if (marker == 0x00 || marker == 0xD8) throw Malformed("JPEG", "unexpected marker");
    if (IsStandalone(marker)) continue;

    if (bytes.size() - pos < 2) throw Truncated("JPEG");
    const std::size_t length = Be16(bytes, pos);  // counts itself, not the marker
    if (length < 2) throw Malformed("JPEG", "a segment length below 2");
    if (length > bytes.size() - pos) throw Truncated("JPEG");
    const std::string_view segment = bytes.substr(pos + 2, length - 2);
    pos += length;

    if (IsFrameHeader(marker)) {
      if (frame) continue;  // a hierarchical file's later frames: the first gives the size
      // precision (1), height (2), width (2), component count (1), 3 bytes per component
      if (segment.size() < 6) throw Malformed("JPEG", "a frame header too short");
      const std::size_t components = Byte(segment, 5);
      if (components == 0 || segment.size() < 6 + 3 * components) {
        throw Malformed("JPEG", "a frame header with bad components");
      }
      const auto height = static_cast<int>(Be16(segment, 1));
      const auto width = static_cast<int>(Be16(segment, 3));
      if (height == 0 || width == 0) throw ZeroSize("JPEG");
      frame = ImageInfo{std::string(kJpeg), width, height};
    } else if (marker == 0xDA) {  // SOS
      if (!frame) throw Malformed("JPEG", "image data before the frame header");
      scanned = true;
      pos = SkipEntropyData(bytes, pos);
    }
  }
}

ImageInfo WalkPng(std::string_view bytes) {
  // IHDR must come first: length 13, type, width, height, 5 more bytes, CRC.
  std::size_t pos = kPngSignature.size();
  if (bytes.size() - pos < 8) throw Truncated("PNG");
  if (Be32(bytes, pos) != 13 || bytes.substr(pos + 4, 4) != "IHDR") {
    throw Malformed("PNG", "it does not start with an IHDR header");
  }
  if (bytes.size() - pos < 8 + 13 + 4) throw Truncated("PNG");
  const std::uint32_t width = Be32(bytes, pos + 8);
  const std::uint32_t height = Be32(bytes, pos + 12);
  if (width == 0 || height == 0) throw ZeroSize("PNG");
  if (width > kPngMaxDimension || height > kPngMaxDimension) {
    throw Malformed("PNG", "a width or height above 2^31-1");
  }
  pos += 8 + 13 + 4;

  bool has_data = false;
  while (true) {
    if (bytes.size() - pos < 8) throw Truncated("PNG");
    const std::uint32_t length = Be32(bytes, pos);
    const std::string_view type = bytes.substr(pos + 4, 4);
    for (char c : type) {
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
        throw Malformed("PNG", "a chunk type that is not four letters");
      }
    }
    if (length > kPngMaxDimension) throw Malformed("PNG", "a chunk length above 2^31-1");
    if (type == "IHDR") throw Malformed("PNG", "a second IHDR");
    pos += 8;
    // Data and CRC; compared by subtraction so a huge length cannot overflow.
    if (bytes.size() - pos < std::size_t{length} + 4) throw Truncated("PNG");
    pos += std::size_t{length} + 4;
    if (type == "IDAT") has_data = true;
    if (type == "IEND") {
      if (!has_data) throw Malformed("PNG", "it holds no image data");
      return ImageInfo{std::string(kPng), static_cast<int>(width), static_cast<int>(height)};
    }
  }
}

// A body that is only the start of a magic number was cut short, not of another type.
bool IsProperPrefixOf(std::string_view bytes, std::string_view magic) {
  return bytes.size() < magic.size() && magic.substr(0, bytes.size()) == bytes;
}

}  // namespace

std::string MediaTypeOf(std::string_view content_type) {
  auto semicolon = content_type.find(';');
  std::string_view type = content_type.substr(0, semicolon);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  std::string out(type);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

ImageInfo InspectImage(std::string_view bytes, std::string_view declared_content_type,
                       std::size_t max_bytes) {
  if (bytes.empty()) throw kernel::BadRequest("the photo is empty", "body");
  if (bytes.size() > max_bytes) {
    throw kernel::PayloadTooLarge("a photo may be at most " + std::to_string(max_bytes) + " bytes");
  }
  const std::string declared = MediaTypeOf(declared_content_type);
  if (declared != kJpeg && declared != kPng) {
    throw UnsupportedMediaType(
        "send the photo as the request body with Content-Type image/jpeg "
        "or image/png");
  }

  std::string_view actual;
  if (bytes.starts_with(kJpegMagic)) {
    actual = kJpeg;
  } else if (bytes.starts_with(kPngSignature)) {
    actual = kPng;
  } else if (IsProperPrefixOf(bytes, kJpegMagic)) {
    throw Truncated("JPEG");
  } else if (IsProperPrefixOf(bytes, kPngSignature)) {
    throw Truncated("PNG");
  } else {
    throw UnsupportedMediaType("the content is neither a JPEG nor a PNG image");
  }
  if (declared != actual) {
    throw UnsupportedMediaType("the photo lies about its type: declared " + declared +
                               " but the content is " + std::string(actual));
  }
  return actual == kJpeg ? WalkJpeg(bytes) : WalkPng(bytes);
}

}  // namespace daiban::cases
