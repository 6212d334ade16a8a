// Photo validation without servers: well-formed JPEG and PNG files built here, every
// truncation of them, wrong magic, lying types, zero sizes, lengths that run past the end, the
// size limit, random damage, and the SHA-256 that names a stored photo.
#include "daiban/cases/attachments.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <map>
#include <random>

#include "daiban/cases/testing/photos.hpp"
#include "daiban/kernel/digest.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::cases {
namespace {

using testing::Be16;
using testing::Be32;
using testing::Bytes;
using testing::Chunk;
using testing::Segment;

// A small baseline JPEG: JFIF header, a quantisation table, the frame header, a Huffman table,
// one scan whose data holds a stuffed 0xFF and a restart marker, EOI. Structurally complete
// (the walk checks structure, not the compressed pixels).
std::string Jpeg(unsigned width = 3, unsigned height = 2, int frame_marker = 0xC0) {
  std::string out = Bytes({0xFF, 0xD8});
  out += Segment(0xE0, "JFIF" + Bytes({0, 1, 1, 0, 0, 1, 0, 1, 0, 0}));
  out += Segment(0xDB, Bytes({0}) + std::string(64, '\x01'));
  out += Segment(frame_marker, Bytes({8}) + Be16(height) + Be16(width) + Bytes({1, 1, 0x11, 0}));
  out += Segment(0xC4, Bytes({0}) + std::string(16, '\0'));
  out += Segment(0xDA, Bytes({1, 1, 0, 0, 0x3F, 0}));
  out += Bytes({0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD0, 0x78, 0x9A});
  out += Bytes({0xFF, 0xD9});
  return out;
}

const std::string kPngSignature = Bytes({0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});

std::string Png(std::uint32_t width = 4, std::uint32_t height = 3) {
  return kPngSignature + Chunk("IHDR", Be32(width) + Be32(height) + Bytes({8, 2, 0, 0, 0})) +
         Chunk("IDAT", Bytes({0x78, 0x9C, 0x63, 0x60, 0, 0, 0, 2, 0, 1})) + Chunk("IEND", "");
}

struct Refusal {
  int status = 0;
  std::string code;
  std::string message;
};

// What InspectImage refuses with (status 0 when it accepts).
Refusal RefusalOf(const std::string& bytes, const std::string& type,
                  std::size_t max = kDefaultMaxAttachmentBytes) {
  try {
    InspectImage(bytes, type, max);
  } catch (const kernel::ApiError& error) {
    return {error.Status(), error.Code(), error.Message()};
  }
  return {};
}

TEST(InspectImageTest, ReadsTheSizeOfAJpeg) {
  auto info = InspectImage(Jpeg(640, 480), "image/jpeg");
  EXPECT_EQ(info.content_type, "image/jpeg");
  EXPECT_EQ(info.width, 640);
  EXPECT_EQ(info.height, 480);
  // Progressive (SOF2) and the largest size a JPEG can say.
  info = InspectImage(Jpeg(65535, 65535, 0xC2), "image/jpeg");
  EXPECT_EQ(info.width, 65535);
  EXPECT_EQ(info.height, 65535);
}

TEST(InspectImageTest, ReadsTheSizeOfAPng) {
  auto info = InspectImage(Png(4032, 3024), "image/png");
  EXPECT_EQ(info.content_type, "image/png");
  EXPECT_EQ(info.width, 4032);
  EXPECT_EQ(info.height, 3024);
  info = InspectImage(Png(0x7FFFFFFF, 1), "image/png");
  EXPECT_EQ(info.width, 0x7FFFFFFF);
}

TEST(InspectImageTest, IgnoresContentTypeParametersAndCase) {
  EXPECT_EQ(InspectImage(Png(), " Image/PNG ; name=x.png").content_type, "image/png");
  EXPECT_EQ(InspectImage(Jpeg(), "IMAGE/JPEG;q=0.9").content_type, "image/jpeg");
  EXPECT_EQ(MediaTypeOf("image/jpeg; charset=binary"), "image/jpeg");
  EXPECT_EQ(MediaTypeOf(""), "");
}

TEST(InspectImageTest, AcceptsFillBytesAndDataAfterTheEnd) {
  // Fill bytes before a marker are legal; some phones append their own metadata after EOI.
  std::string jpeg = Jpeg();
  jpeg.insert(2, Bytes({0xFF, 0xFF}));
  jpeg += "SEFT trailer written by a phone";
  EXPECT_EQ(InspectImage(jpeg, "image/jpeg").width, 3);
  EXPECT_EQ(InspectImage(Png() + "extra", "image/png").width, 4);
}

TEST(InspectImageTest, EveryTruncationOfAJpegIsACleanRefusal) {
  const std::string jpeg = Jpeg();
  EXPECT_EQ(RefusalOf("", "image/jpeg").status, 400);
  for (std::size_t length = 1; length < jpeg.size(); ++length) {
    auto refusal = RefusalOf(jpeg.substr(0, length), "image/jpeg");
    EXPECT_EQ(refusal.status, 422) << "cut at " << length;
    EXPECT_EQ(refusal.code, "validation_failed") << "cut at " << length;
  }
}

TEST(InspectImageTest, EveryTruncationOfAPngIsACleanRefusal) {
  const std::string png = Png();
  EXPECT_EQ(RefusalOf("", "image/png").status, 400);
  for (std::size_t length = 1; length < png.size(); ++length) {
    auto refusal = RefusalOf(png.substr(0, length), "image/png");
    EXPECT_EQ(refusal.status, 422) << "cut at " << length;
    EXPECT_EQ(refusal.code, "validation_failed") << "cut at " << length;
  }
}

TEST(InspectImageTest, RefusesContentThatIsNoSupportedImage) {
  for (const std::string& bytes :
       {std::string("GIF89a\x01\x00\x01\x00", 10), std::string("<html><script>"),
        Bytes({0xFF, 0xD9, 0xFF}), Bytes({0x89, 'P', 'N', 'X', 0, 0, 0, 0, 0})}) {
    auto refusal = RefusalOf(bytes, "image/png");
    EXPECT_EQ(refusal.status, 415);
    EXPECT_EQ(refusal.code, "unsupported_media_type");
  }
}

TEST(InspectImageTest, RefusesADeclaredTypeThatIsNotJpegOrPng) {
  for (const char* type : {"", "image/gif", "text/plain", "application/octet-stream", "image/"}) {
    EXPECT_EQ(RefusalOf(Jpeg(), type).status, 415) << type;
  }
}

TEST(InspectImageTest, RefusesAPhotoThatLiesAboutItsType) {
  auto refusal = RefusalOf(Png(), "image/jpeg");
  EXPECT_EQ(refusal.status, 415);
  EXPECT_NE(refusal.message.find("lies about its type"), std::string::npos) << refusal.message;
  EXPECT_EQ(RefusalOf(Jpeg(), "image/png").status, 415);
}

TEST(InspectImageTest, RefusesZeroAndOversizedDimensions) {
  EXPECT_EQ(RefusalOf(Jpeg(0, 2), "image/jpeg").status, 422);
  EXPECT_EQ(RefusalOf(Jpeg(3, 0), "image/jpeg").status, 422);
  EXPECT_EQ(RefusalOf(Png(0, 3), "image/png").status, 422);
  EXPECT_EQ(RefusalOf(Png(4, 0), "image/png").status, 422);
  EXPECT_EQ(RefusalOf(Png(0x80000000u, 3), "image/png").status, 422);
  EXPECT_EQ(RefusalOf(Png(4, 0xFFFFFFFFu), "image/png").status, 422);
}

TEST(InspectImageTest, RefusesLengthsThatRunPastTheEnd) {
  // An APP1 segment claiming 65535 bytes in a file of a few dozen.
  std::string jpeg = Jpeg();
  jpeg.insert(2, Bytes({0xFF, 0xE1, 0xFF, 0xFF, 'E', 'x', 'i', 'f'}));
  EXPECT_EQ(RefusalOf(jpeg, "image/jpeg").status, 422);
  // A chunk claiming 2^31-1 bytes, and one claiming more than PNG allows.
  for (std::uint32_t length : {0x7FFFFFFFu, 0xFFFFFFF0u}) {
    std::string png = Png();
    png.insert(kPngSignature.size() + 25, Be32(length) + "tEXt" + "abc");
    EXPECT_EQ(RefusalOf(png, "image/png").status, 422) << length;
  }
}

TEST(InspectImageTest, RefusesBrokenStructure) {
  const std::string soi = Bytes({0xFF, 0xD8});
  // A segment length below 2, a scan before the frame, the end before a frame, no scan,
  // a byte where a marker belongs.
  EXPECT_EQ(
      RefusalOf(soi + Bytes({0xFF, 0xE0, 0x00, 0x01}) + Jpeg().substr(2), "image/jpeg").status,
      422);
  EXPECT_EQ(RefusalOf(soi + Segment(0xDA, Bytes({1, 1, 0, 0, 0x3F, 0})) + Bytes({0xFF, 0xD9}),
                      "image/jpeg")
                .status,
            422);
  EXPECT_EQ(RefusalOf(soi + Segment(0xE0, "JFIF") + Bytes({0xFF, 0xD9}), "image/jpeg").status, 422);
  EXPECT_EQ(
      RefusalOf(soi + Segment(0xC0, Bytes({8, 0, 2, 0, 3, 1, 1, 0x11, 0})) + Bytes({0xFF, 0xD9}),
                "image/jpeg")
          .status,
      422);
  std::string stray = Jpeg();
  stray.insert(2 + 18, Bytes({0x00}));  // after the JFIF segment
  EXPECT_EQ(RefusalOf(stray, "image/jpeg").status, 422);
  // A frame header that claims more components than it holds.
  EXPECT_EQ(RefusalOf(soi + Segment(0xC0, Bytes({8, 0, 2, 0, 3, 3, 1, 0x11, 0})) +
                          Jpeg().substr(Jpeg().find(Bytes({0xFF, 0xC4}))),
                      "image/jpeg")
                .status,
            422);
  // DHT, JPG and DAC are not frame headers: a file whose only "frame" is one has no size.
  for (int marker : {0xC4, 0xC8, 0xCC}) {
    EXPECT_EQ(RefusalOf(Jpeg(3, 2, marker), "image/jpeg").status, 422) << marker;
  }
  // PNG: IHDR not first, IHDR of the wrong length, no IDAT, a chunk type that is not letters.
  EXPECT_EQ(RefusalOf(kPngSignature + Chunk("IDAT", "x") + Chunk("IEND", ""), "image/png").status,
            422);
  EXPECT_EQ(RefusalOf(kPngSignature + Chunk("IHDR", Be32(4) + Be32(3) + Bytes({8, 2, 0, 0})) +
                          Chunk("IDAT", "x") + Chunk("IEND", ""),
                      "image/png")
                .status,
            422);
  EXPECT_EQ(RefusalOf(kPngSignature + Chunk("IHDR", Be32(4) + Be32(3) + Bytes({8, 2, 0, 0, 0})) +
                          Chunk("IEND", ""),
                      "image/png")
                .status,
            422);
  std::string png = Png();
  png[kPngSignature.size() + 25 + 4] = '1';  // IDAT → 1DAT
  EXPECT_EQ(RefusalOf(png, "image/png").status, 422);
}

TEST(InspectImageTest, RefusesTooLargeBeforeLookingAtIt) {
  const std::string jpeg = Jpeg();
  EXPECT_EQ(RefusalOf(jpeg, "image/jpeg", jpeg.size()).status, 0);
  EXPECT_EQ(RefusalOf(jpeg, "image/jpeg", jpeg.size() - 1).status, 413);
  // Not parsed: garbage of the wrong type is still "too large", not "unsupported".
  auto refusal = RefusalOf(std::string(1025, 'x'), "text/plain", 1024);
  EXPECT_EQ(refusal.status, 413);
  EXPECT_EQ(refusal.code, "payload_too_large");
}

// Random damage to valid files: each mutant is accepted with a positive size or refused with
// 415/422, and nothing else escapes (no crash, no read outside the buffer under sanitizers).
TEST(InspectImageTest, SurvivesRandomDamage) {
  std::mt19937 random(20261201);
  std::map<int, int> outcomes;
  for (const auto& [original, type] :
       {std::pair{Jpeg(), "image/jpeg"}, std::pair{Png(), "image/png"}}) {
    for (int round = 0; round < 5000; ++round) {
      std::string bytes = original;
      int edits = 1 + static_cast<int>(random() % 4);
      for (int e = 0; e < edits; ++e) {
        std::size_t at = random() % bytes.size();
        switch (random() % 4) {
          case 0:
            bytes[at] = static_cast<char>(random());
            break;
          case 1:
            bytes[at] = '\xFF';
            break;
          case 2:
            bytes.erase(at, 1 + random() % 4);
            break;
          default:
            bytes.insert(at, 1 + random() % 4, static_cast<char>(random()));
        }
        if (bytes.empty()) bytes.push_back('x');
      }
      try {
        auto info = InspectImage(bytes, type);
        EXPECT_GT(info.width, 0);
        EXPECT_GT(info.height, 0);
        ++outcomes[0];
      } catch (const kernel::ApiError& error) {
        EXPECT_TRUE(error.Status() == 415 || error.Status() == 422) << error.Status();
        ++outcomes[error.Status()];
      }
    }
  }
  EXPECT_GT(outcomes[422], 0);
}

TEST(Sha256HexTest, MatchesKnownDigests) {
  EXPECT_EQ(kernel::Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(kernel::Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace daiban::cases
