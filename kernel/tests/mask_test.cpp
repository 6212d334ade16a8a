#include "daiban/kernel/mask.hpp"

#include <gtest/gtest.h>

namespace daiban::kernel {
namespace {

TEST(MaskTest, Phone) { EXPECT_EQ(MaskPhone("13800001234"), "138****1234"); }

TEST(MaskTest, IdNumber) { EXPECT_EQ(MaskIdNumber("37010219900101123X"), "3701**********123X"); }

TEST(MaskTest, ChineseNameByCharacter) {
  EXPECT_EQ(MaskName("张三丰"), "张**");
  EXPECT_EQ(MaskName("李"), "李");
  EXPECT_EQ(MaskName(""), "");
}

TEST(MaskTest, ShortValuesAreFullyMasked) { EXPECT_EQ(MaskPhone("123"), "***"); }

}  // namespace
}  // namespace daiban::kernel
