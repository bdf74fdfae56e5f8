#include <punchlink/common/units.hpp>

#include <gtest/gtest.h>

namespace punchlink {
namespace {

using std::chrono::milliseconds;

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(parseDuration("250ms").value(), milliseconds{250});
  EXPECT_EQ(parseDuration("30s").value(), milliseconds{30'000});
  EXPECT_EQ(parseDuration("1.5s").value(), milliseconds{1500});
  EXPECT_EQ(parseDuration("5m").value(), milliseconds{300'000});
  EXPECT_EQ(parseDuration("72h").value(), milliseconds{72LL * 3'600'000});
  EXPECT_EQ(parseDuration("3d").value(), milliseconds{3LL * 86'400'000});
}

TEST(Duration, RejectsMissingOrUnknownUnits) {
  for (const char* bad : {"", "30", "s", "5 weeks", "-1s", "1e9999d"}) {
    const auto parsed = parseDuration(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
  }
}

TEST(Duration, FormatsInTheLargestExactUnit) {
  EXPECT_EQ(formatDuration(milliseconds{250}), "250ms");
  EXPECT_EQ(formatDuration(milliseconds{30'000}), "30s");
  EXPECT_EQ(formatDuration(milliseconds{3'600'000}), "1h");
  EXPECT_EQ(formatDuration(milliseconds{0}), "0s");
}

TEST(ByteSize, ParsesAndFormats) {
  EXPECT_EQ(parseByteSize("1000").value(), 1000U);
  EXPECT_EQ(parseByteSize("512MiB").value(), 512ULL << 20U);
  EXPECT_EQ(parseByteSize("2GB").value(), 2'000'000'000ULL);
  EXPECT_EQ(parseByteSize("1.5KiB").value(), 1536U);
  EXPECT_FALSE(parseByteSize("12 parsecs").ok());
  EXPECT_FALSE(parseByteSize("MiB").ok());
  EXPECT_EQ(formatByteSize(512ULL << 20U), "512MiB");
  EXPECT_EQ(formatByteSize(1000), "1000");
}

}  // namespace
}  // namespace punchlink
