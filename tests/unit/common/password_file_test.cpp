#include <punchlink/common/password_file.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>

namespace punchlink::config {
namespace {

TEST(PasswordFile, FirstLineTrimmed) {
  testing::TempDir dir;
  EXPECT_EQ(readPasswordFile(dir.write("crlf", "s3cret \r\nsecond line\n").string()).value(),
            "s3cret");
  EXPECT_EQ(readPasswordFile(dir.write("bare", "pw").string()).value(), "pw");
}

TEST(PasswordFile, RefusalsNameThePathNotTheContent) {
  testing::TempDir dir;
  const auto empty = readPasswordFile(dir.write("empty", "\n").string());
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().toString().find("is empty"), std::string::npos);
  EXPECT_NE(readPasswordFile("/nonexistent/pw").error().toString().find("cannot read"),
            std::string::npos);
  const std::string long_line(kMaxPasswordBytes + 1, 'x');
  const auto too_long = readPasswordFile(dir.write("long", long_line).string());
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().toString().find("xxxx"), std::string::npos);
  // A device that never ends a line is refused, not read forever.
  EXPECT_FALSE(readPasswordFile("/dev/zero").ok());
}

}  // namespace
}  // namespace punchlink::config
