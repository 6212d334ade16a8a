#include "daiban/cases/tracking_number.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace daiban::cases {
namespace {

constexpr std::uint64_t kLow50 = (std::uint64_t{1} << 50) - 1;
constexpr std::uint64_t kLow40 = (std::uint64_t{1} << 40) - 1;

// A few tracking numbers: fixed edge cases and some from a seeded generator.
std::vector<std::string> SampleNumbers() {
  std::vector<std::string> numbers = {
      TrackingNumberFromRandom(0),
      TrackingNumberFromRandom(1),
      TrackingNumberFromRandom(kLow50),
      TrackingNumberFromRandom(0x0123456789ABCDEFULL),
  };
  std::mt19937_64 random(20260930);
  for (int i = 0; i < 12; ++i) numbers.push_back(TrackingNumberFromRandom(random()));
  return numbers;
}

TEST(TrackingNumberTest, SpellsTheLowFiftyBitsWithAPrefixAndACheck) {
  EXPECT_EQ(TrackingNumberFromRandom(0), "DB00000000000");
  // The last data character has weight α^10 = x^4 + 1 = 17: "H".
  EXPECT_EQ(TrackingNumberFromRandom(1), "DB0000000001H");
  EXPECT_EQ(TrackingNumberFromRandom(kLow50).substr(0, 12), "DBZZZZZZZZZZ");
  // Bits above the fiftieth are ignored.
  EXPECT_EQ(TrackingNumberFromRandom(~std::uint64_t{0}), TrackingNumberFromRandom(kLow50));
  EXPECT_EQ(TrackingNumberFromRandom(std::uint64_t{1} << 50), TrackingNumberFromRandom(0));
  // 32 = "10" in base 32.
  EXPECT_EQ(TrackingNumberFromRandom(32).substr(0, 12), "DB0000000010");
  for (const std::string& number : SampleNumbers()) {
    EXPECT_EQ(number.size(), kTrackingNumberLength);
    EXPECT_TRUE(IsWellFormedTrackingNumber(number)) << number;
  }
}

TEST(TrackingNumberTest, DifferentBitsGiveDifferentNumbers) {
  std::set<std::string> seen;
  for (std::uint64_t bits = 0; bits < 4096; ++bits) seen.insert(TrackingNumberFromRandom(bits));
  EXPECT_EQ(seen.size(), 4096u);
}

TEST(TrackingNumberTest, EverySingleSubstitutionIsCaught) {
  for (const std::string& number : SampleNumbers()) {
    for (std::size_t i = 2; i < kTrackingNumberLength; ++i) {
      for (char c : kTrackingAlphabet) {
        if (c == number[i]) continue;
        std::string corrupt = number;
        corrupt[i] = c;
        EXPECT_FALSE(IsWellFormedTrackingNumber(corrupt)) << number << " -> " << corrupt;
      }
    }
  }
}

TEST(TrackingNumberTest, EveryTranspositionIsCaughtAdjacentOrNot) {
  int adjacent = 0;
  for (const std::string& number : SampleNumbers()) {
    for (std::size_t i = 2; i < kTrackingNumberLength; ++i) {
      for (std::size_t j = i + 1; j < kTrackingNumberLength; ++j) {
        if (number[i] == number[j]) continue;
        std::string swapped = number;
        std::swap(swapped[i], swapped[j]);
        EXPECT_FALSE(IsWellFormedTrackingNumber(swapped)) << number << " -> " << swapped;
        if (j == i + 1) ++adjacent;
      }
    }
  }
  EXPECT_GT(adjacent, 100);
}

TEST(TrackingNumberTest, ExhaustiveOverOnePositionPair) {
  // Every pair of values at the last two data positions (the others zero): the swap is caught.
  for (unsigned a = 0; a < 32; ++a) {
    for (unsigned b = 0; b < 32; ++b) {
      const std::string number = TrackingNumberFromRandom(std::uint64_t{a} << 5 | b);
      ASSERT_TRUE(IsWellFormedTrackingNumber(number));
      if (a != b) {
        std::string swapped = number;
        std::swap(swapped[10], swapped[11]);
        EXPECT_FALSE(IsWellFormedTrackingNumber(swapped)) << swapped;
      }
    }
  }
}

TEST(TrackingNumberTest, WellFormedIsStrict) {
  const std::string number = TrackingNumberFromRandom(0x0123456789ABCDEFULL);
  EXPECT_TRUE(IsWellFormedTrackingNumber(number));
  EXPECT_FALSE(IsWellFormedTrackingNumber(""));
  EXPECT_FALSE(IsWellFormedTrackingNumber(number.substr(0, 12)));
  EXPECT_FALSE(IsWellFormedTrackingNumber(number + "0"));
  EXPECT_FALSE(IsWellFormedTrackingNumber("db" + number.substr(2)));
  EXPECT_FALSE(IsWellFormedTrackingNumber("DC" + number.substr(2)));
  EXPECT_FALSE(IsWellFormedTrackingNumber("XX" + number.substr(2)));
  std::string lower = number;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_FALSE(IsWellFormedTrackingNumber(lower));
  EXPECT_TRUE(IsWellFormedTrackingNumber(NormalizeTrackingNumber(lower)));
  for (char c : std::string("ILOU*-")) {
    std::string bad = number;
    bad[5] = c;
    EXPECT_FALSE(IsWellFormedTrackingNumber(bad)) << bad;
  }
}

TEST(TrackingNumberTest, NormalizeReadsWhatPeopleType) {
  EXPECT_EQ(NormalizeTrackingNumber("db-0000 0000 01-h"), "DB0000000001H");
  EXPECT_EQ(NormalizeTrackingNumber("DBOOOOOOOOOIh"), "DB0000000001H");
  EXPECT_EQ(NormalizeTrackingNumber("dbooooo ooool H"), "DB0000000001H");
  EXPECT_EQ(NormalizeTrackingNumber("\tDB 00000-00001H "), "DB0000000001H");
  // Full-width forms from a Chinese input method, and the ideographic space.
  EXPECT_EQ(NormalizeTrackingNumber("ＤＢ０００００　００００１ｈ"), "DB0000000001H");
  EXPECT_EQ(NormalizeTrackingNumber("ＤＢ－0000000001H"), "DB0000000001H");
  // Other characters stay, so the result is still refused.
  EXPECT_EQ(NormalizeTrackingNumber("DB000000000U1H"), "DB000000000U1H");
  EXPECT_EQ(NormalizeTrackingNumber("DB号0000000001H"), "DB号0000000001H");
  EXPECT_EQ(NormalizeTrackingNumber(""), "");
  // A cut-off multi-byte sequence is kept as it is.
  EXPECT_EQ(NormalizeTrackingNumber("DB\xEF\xBC"), "DB\xEF\xBC");
  for (const std::string& number : SampleNumbers()) {
    std::string typed;
    for (std::size_t i = 0; i < number.size(); ++i) {
      char c = number[i];
      if (c == '0') c = 'o';
      if (c == '1') c = (i % 2 == 0) ? 'l' : 'i';
      typed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (i % 4 == 3) typed += i % 8 == 3 ? " " : "-";
    }
    EXPECT_EQ(NormalizeTrackingNumber(typed), number) << typed;
  }
}

TEST(TrackingNumberTest, AccessCodes) {
  EXPECT_EQ(AccessCodeFromRandom(0), "00000000");
  EXPECT_EQ(AccessCodeFromRandom(kLow40), "ZZZZZZZZ");
  EXPECT_EQ(AccessCodeFromRandom(~std::uint64_t{0}), "ZZZZZZZZ");
  EXPECT_EQ(AccessCodeFromRandom(std::uint64_t{1} << 40), "00000000");
  EXPECT_EQ(AccessCodeFromRandom(31), "0000000Z");
  std::mt19937_64 random(7);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string code = AccessCodeFromRandom(random());
    EXPECT_EQ(code.size(), kAccessCodeLength);
    EXPECT_TRUE(IsWellFormedAccessCode(code)) << code;
    seen.insert(code);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_FALSE(IsWellFormedAccessCode("0000000"));
  EXPECT_FALSE(IsWellFormedAccessCode("000000000"));
  EXPECT_FALSE(IsWellFormedAccessCode("0000000z"));
  EXPECT_FALSE(IsWellFormedAccessCode("0000000O"));
  EXPECT_FALSE(IsWellFormedAccessCode("0000000U"));
}

}  // namespace
}  // namespace daiban::cases
