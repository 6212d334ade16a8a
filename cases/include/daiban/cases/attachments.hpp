#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// Case photos as phones send them: the raw request body with its image Content-Type (Pistache
// has no multipart parser). This part only judges the bytes; it does no I/O.
namespace daiban::cases {

// DAIBAN_ATTACHMENT_MAX_BYTES when unset: a phone photo recompressed for upload fits easily.
inline constexpr std::size_t kDefaultMaxAttachmentBytes = 5 * 1024 * 1024;

inline constexpr std::string_view kJpeg = "image/jpeg";
inline constexpr std::string_view kPng = "image/png";

// What the bytes of a photo are, as read from the bytes themselves.
struct ImageInfo {
  std::string content_type;  // kJpeg or kPng
  int width = 0;             // pixels, > 0
  int height = 0;            // pixels, > 0
};

// The media type of a Content-Type value: parameters (";charset=…") and blanks dropped,
// lowercased. "Image/PNG; q=1" → "image/png".
std::string MediaTypeOf(std::string_view content_type);

// Checks an uploaded photo and reads its size, without decoding it. In this order:
//   400 bad_request             the body is empty;
//   413 payload_too_large       the body is longer than `max_bytes` (nothing is parsed);
//   415 unsupported_media_type  the declared type is not image/jpeg or image/png, the content is
//                               neither, or the declared type lies about the content;
//   422 validation_failed       the content is a broken JPEG or PNG (truncated, a length running
//                               past the end, a missing header, zero width or height).
// A JPEG must walk cleanly from SOI through its segments, a frame header (SOF0..SOF15 but not
// DHT, JPG, DAC), at least one scan and its entropy-coded data, to EOI; a PNG must have its
// signature, IHDR first (length 13, width and height in 1..2^31-1), then chunks up to IEND
// with at least one IDAT. Both walks are complete so that a photo cut short in transit is
// refused rather than stored; bytes after EOI/IEND are allowed (some phones append metadata
// there). Never reads outside `bytes`.
ImageInfo InspectImage(std::string_view bytes, std::string_view declared_content_type,
                       std::size_t max_bytes = kDefaultMaxAttachmentBytes);

}  // namespace daiban::cases
