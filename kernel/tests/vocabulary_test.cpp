#include "daiban/kernel/vocabulary.hpp"

#include <gtest/gtest.h>

namespace daiban::kernel {
namespace {

TEST(Vocabulary, ToMomentIsTheSecondTheReadingFallsIn) {
  const Instant reading{std::chrono::milliseconds(1790000000999)};
  EXPECT_EQ(ToMoment(reading), Moment(std::chrono::seconds(1790000000)));
  const Instant before_epoch{std::chrono::milliseconds(-1)};
  EXPECT_EQ(ToMoment(before_epoch), Moment(std::chrono::seconds(-1)));
}

TEST(Vocabulary, DistanceIsSymmetricAndZeroForOnePoint) {
  const GeoPoint quancheng{36.6612, 117.0210};
  const GeoPoint airport{36.8572, 117.2159};
  EXPECT_DOUBLE_EQ(DistanceKm(quancheng, quancheng), 0.0);
  EXPECT_DOUBLE_EQ(DistanceKm(quancheng, airport), DistanceKm(airport, quancheng));
  EXPECT_NEAR(DistanceKm(quancheng, airport), 27.86, 0.01);
}

TEST(Vocabulary, EveryRoleHasOneWordThatParsesBack) {
  for (Role role : kAllRoles) {
    EXPECT_EQ(ParseRole(ToWord(role)), role) << ToWord(role);
  }
  EXPECT_EQ(ParseRole("Agent"), std::nullopt);
  EXPECT_EQ(ParseRole(""), std::nullopt);
}

TEST(Vocabulary, StaffRolesAreTheOnesAnAccountMayHold) {
  for (const char* word : {"window", "supervisor", "admin", "agent", "courier"}) {
    ASSERT_TRUE(ParseStaffRole(word).has_value()) << word;
    EXPECT_TRUE(IsStaff(*ParseStaffRole(word))) << word;
  }
  EXPECT_EQ(ParseStaffRole("applicant"), std::nullopt);
  EXPECT_EQ(ParseStaffRole("system"), std::nullopt);
  EXPECT_FALSE(IsStaff(Role::kApplicant));
  EXPECT_FALSE(IsStaff(Role::kSystem));
}

}  // namespace
}  // namespace daiban::kernel
