#include "daiban/cases/applicant_rules.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace daiban::cases {
namespace {

namespace chrono = std::chrono;

CivilDate Date(int year, unsigned month, unsigned day) {
  return CivilDate{chrono::year{year}, chrono::month{month}, chrono::day{day}};
}

// 17 digits with their GB 11643 check character appended, computed here from the standard's
// definition (Σ a_i · 2^(17-i) mod 11; check = (12 - sum) mod 11, 10 written X).
std::string WithIdCheck(const std::string& first17) {
  int sum = 0;
  for (int i = 0; i < 17; ++i) {
    int weight = 1;
    for (int k = 0; k < 17 - i; ++k) weight = weight * 2 % 11;
    sum += (first17[i] - '0') * weight;
  }
  const int check = (12 - sum % 11) % 11;
  return first17 + (check == 10 ? 'X' : static_cast<char>('0' + check));
}

constexpr std::string_view kCreditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

// 17 characters with their GB 32100 check character appended (weights 3^i mod 31).
std::string WithCreditCheck(const std::string& first17) {
  int sum = 0;
  int weight = 1;
  for (char c : first17) {
    sum += static_cast<int>(kCreditAlphabet.find(c)) * weight;
    weight = weight * 3 % 31;
  }
  return first17 + kCreditAlphabet[(31 - sum % 31) % 31];
}

// Valid identity numbers: the standard's well-known sample and Jinan-shaped ones.
const std::vector<std::string> kValidIds = {
    "11010519491231002X",  // the GB 11643 sample
    "370102199003071238",  // 历下区, 1990-03-07
    "370112200002294569",  // 历城区, a leap day
    "370124190001010017",  // 平阴县, the first date accepted
    "370116199912318881",  // 莱芜区
    "440306202310100050",
};

TEST(ApplicantRulesTest, ValidIdNumbersPass) {
  for (const std::string& id : kValidIds) {
    EXPECT_TRUE(IsValidIdNumber(id)) << id;
    EXPECT_EQ(WithIdCheck(id.substr(0, 17)), id) << "test data";
  }
}

TEST(ApplicantRulesTest, EverySingleCharacterCorruptionOfAnIdNumberFails) {
  for (const std::string& id : kValidIds) {
    for (std::size_t i = 0; i < 18; ++i) {
      for (char c : std::string_view("0123456789Xx ")) {
        if (c == id[i]) continue;
        std::string corrupt = id;
        corrupt[i] = c;
        EXPECT_FALSE(IsValidIdNumber(corrupt)) << corrupt;
      }
    }
    for (std::size_t i = 0; i + 1 < 18; ++i) {
      if (id[i] == id[i + 1]) continue;
      std::string swapped = id;
      std::swap(swapped[i], swapped[i + 1]);
      EXPECT_FALSE(IsValidIdNumber(swapped)) << swapped;
    }
  }
}

TEST(ApplicantRulesTest, IdNumberShapeIsStrict) {
  EXPECT_FALSE(IsValidIdNumber("11010519491231002x"));  // lower-case x
  EXPECT_FALSE(IsValidIdNumber("11010519491231002"));
  EXPECT_FALSE(IsValidIdNumber("11010519491231002X0"));
  EXPECT_FALSE(IsValidIdNumber(" 11010519491231002X"));
  EXPECT_FALSE(IsValidIdNumber("110105491231002"));  // the old 15-digit form
  EXPECT_FALSE(IsValidIdNumber(""));
  EXPECT_FALSE(IsValidIdNumber("1101051949123100XX"));
}

TEST(ApplicantRulesTest, IdNumberBirthDateMustBeARealDateFrom1900) {
  EXPECT_TRUE(IsValidIdNumber(WithIdCheck("37010219000101001")));
  EXPECT_FALSE(IsValidIdNumber(WithIdCheck("37010218991231001")));
  EXPECT_TRUE(IsValidIdNumber(WithIdCheck("37010220000229001")));   // 2000 is a leap year
  EXPECT_FALSE(IsValidIdNumber(WithIdCheck("37010219000229001")));  // 1900 is not
  EXPECT_FALSE(IsValidIdNumber(WithIdCheck("37010220230230001")));
  EXPECT_FALSE(IsValidIdNumber(WithIdCheck("37010219901301001")));
  EXPECT_FALSE(IsValidIdNumber(WithIdCheck("37010219900001001")));
  EXPECT_FALSE(IsValidIdNumber(WithIdCheck("37010219900100001")));
  EXPECT_FALSE(IsValidIdNumber(WithIdCheck("37010219900431001")));
  // No upper bound without a date of today.
  EXPECT_TRUE(IsValidIdNumber(WithIdCheck("37010221991231001")));
}

TEST(ApplicantRulesTest, IdNumberWithTodayRefusesFutureBirths) {
  const std::string born_2023_10_10 = "440306202310100050";
  EXPECT_FALSE(IsValidIdNumber(born_2023_10_10, Date(2023, 10, 9)));
  EXPECT_TRUE(IsValidIdNumber(born_2023_10_10, Date(2023, 10, 10)));
  EXPECT_TRUE(IsValidIdNumber(born_2023_10_10, Date(2026, 5, 1)));
  EXPECT_FALSE(IsValidIdNumber(WithIdCheck("37010221991231001"), Date(2026, 5, 1)));
  EXPECT_FALSE(IsValidIdNumber("11010519491231002Y", Date(2026, 5, 1)));
}

const std::vector<std::string> kValidCreditCodes = {
    "91350100M000100Y43",  // the well-known sample code
    "91370100MA3C8XKP4X", "12370000004609411X", "91110108551385082Q", "9137010216306102XJ",
};

TEST(ApplicantRulesTest, ValidSocialCreditCodesPass) {
  for (const std::string& code : kValidCreditCodes) {
    EXPECT_TRUE(IsValidSocialCreditCode(code)) << code;
    EXPECT_EQ(WithCreditCheck(code.substr(0, 17)), code) << "test data";
  }
}

TEST(ApplicantRulesTest, EverySingleCharacterCorruptionOfACreditCodeFails) {
  const std::string candidates = std::string(kCreditAlphabet) + "IOSVZa -";
  for (const std::string& code : kValidCreditCodes) {
    for (std::size_t i = 0; i < 18; ++i) {
      for (char c : candidates) {
        if (c == code[i]) continue;
        std::string corrupt = code;
        corrupt[i] = c;
        EXPECT_FALSE(IsValidSocialCreditCode(corrupt)) << corrupt;
      }
    }
    for (std::size_t i = 0; i + 1 < 18; ++i) {
      if (code[i] == code[i + 1]) continue;
      std::string swapped = code;
      std::swap(swapped[i], swapped[i + 1]);
      EXPECT_FALSE(IsValidSocialCreditCode(swapped)) << swapped;
    }
  }
}

TEST(ApplicantRulesTest, SocialCreditCodeShapeIsStrict) {
  EXPECT_FALSE(IsValidSocialCreditCode("91350100m000100y43"));  // lower case
  EXPECT_FALSE(IsValidSocialCreditCode("91350100M000100Y4"));
  EXPECT_FALSE(IsValidSocialCreditCode("91350100M000100Y430"));
  EXPECT_FALSE(IsValidSocialCreditCode(""));
  // A check value of 0 is written "0".
  const std::string zero_check = WithCreditCheck("00000000000000000");
  EXPECT_EQ(zero_check, "000000000000000000");
  EXPECT_TRUE(IsValidSocialCreditCode(zero_check));
}

TEST(ApplicantRulesTest, MobilePhones) {
  for (const char* phone : {"13800000001", "13912345678", "15005310000", "18653100000",
                            "19912345678", "16600000000", "17012345678", "14712345678"}) {
    EXPECT_TRUE(IsMobilePhone(phone)) << phone;
  }
  for (const char* phone :
       {"12345678901", "10086000000", "11012345678", "23800000001", "1380000000", "138000000012",
        "138 0000 0001", "+8613800000001", "1380000000a", "053186000000", "", "1380000000１"}) {
    EXPECT_FALSE(IsMobilePhone(phone)) << phone;
  }
}

TEST(ApplicantRulesTest, InsideJinanCoversEveryDistrictAndCounty) {
  const std::vector<std::pair<double, double>> inside = {
      {36.6512, 117.1201},  // 历下区 (泉城广场 nearby)
      {36.6623, 117.0203},  // 市中区
      {36.5543, 116.7522},  // 长清区
      {36.7136, 117.5265},  // 章丘区
      {36.9786, 117.1737},  // 济阳区
      {36.2140, 117.6770},  // 莱芜区
      {36.0580, 117.8120},  // 钢城区
      {36.2890, 116.4450},  // 平阴县
      {37.3090, 117.1570},  // 商河县
      {35.9, 116.1},        // the corners belong to the box
      {37.8, 118.0},
  };
  for (const auto& [lat, lng] : inside) EXPECT_TRUE(InsideJinan(lat, lng)) << lat << "," << lng;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::pair<double, double>> outside = {
      {39.9042, 116.4074},  // Beijing
      {36.0671, 120.3826},  // Qingdao
      {34.7466, 113.6254},  // Zhengzhou
      {117.0, 36.6},        // latitude and longitude swapped
      {35.8999, 117.0},    {37.8001, 117.0}, {36.6, 116.0999}, {36.6, 118.0001},
      {nan, 117.0},        {36.6, nan},      {0.0, 0.0},
  };
  for (const auto& [lat, lng] : outside) EXPECT_FALSE(InsideJinan(lat, lng)) << lat << "," << lng;
}

}  // namespace
}  // namespace daiban::cases

namespace daiban::cases {
namespace {

TEST(IdLast4Test, MatchesTheLastFourCharactersAnyCase) {
  EXPECT_TRUE(IdLast4Matches("37010219900307123X", "123X"));
  EXPECT_TRUE(IdLast4Matches("37010219900307123X", "123x"));
  EXPECT_FALSE(IdLast4Matches("37010219900307123X", "1234"));
  EXPECT_FALSE(IdLast4Matches("37010219900307123X", "23X"));
  EXPECT_FALSE(IdLast4Matches("37010219900307123X", "0123X"));
  EXPECT_FALSE(IdLast4Matches("12X", "012X"));
}

}  // namespace
}  // namespace daiban::cases
