// The photo routes' settings without servers: the size limit's default and bounds, and the
// folder that must be named.
#include "daiban/mobile/attachment_api.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "daiban/kernel/config.hpp"
#include "daiban/kernel/errors.hpp"

namespace daiban::mobile {
namespace {

TEST(AttachmentConfigTest, MaxBytesHasADefaultAndBounds) {
  auto env = [](std::map<std::string, std::string> values) {
    return kernel::Env([values](const std::string& name) -> std::optional<std::string> {
      auto it = values.find(name);
      if (it == values.end()) return std::nullopt;
      return it->second;
    });
  };
  EXPECT_EQ(MaxAttachmentBytes(env({})), 5u * 1024 * 1024);
  EXPECT_EQ(MaxAttachmentBytes(env({{"DAIBAN_ATTACHMENT_MAX_BYTES", "1024"}})), 1024u);
  EXPECT_EQ(MaxAttachmentBytes(env({{"DAIBAN_ATTACHMENT_MAX_BYTES", "52428800"}})), 52428800u);
  for (const char* bad : {"1023", "52428801", "5MB", "-1"}) {
    EXPECT_THROW(MaxAttachmentBytes(env({{"DAIBAN_ATTACHMENT_MAX_BYTES", bad}})),
                 kernel::ConfigError)
        << bad;
  }
  EXPECT_THROW(AttachmentFolder(env({})), kernel::ConfigError);
  EXPECT_EQ(AttachmentFolder(env({{"DAIBAN_ATTACHMENT_DIR", "/var/lib/daiban/photos"}})),
            "/var/lib/daiban/photos");
}

}  // namespace
}  // namespace daiban::mobile
