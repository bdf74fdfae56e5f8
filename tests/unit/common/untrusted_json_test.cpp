// The bounded JSON parse every input from outside goes through.
#include <punchlink/common/untrusted_json.hpp>

#include <gtest/gtest.h>

#include <string>

namespace punchlink {
namespace {

std::string nested(std::size_t depth, const std::string& leaf = "1") {
  return std::string(depth, '[') + leaf + std::string(depth, ']');
}

TEST(UntrustedJson, CountsNestingOutsideStringsOnly) {
  EXPECT_EQ(jsonNestingDepth("1", 32), 0U);
  EXPECT_EQ(jsonNestingDepth(R"({"a":[1,{"b":2}]})", 32), 3U);
  EXPECT_EQ(jsonNestingDepth(R"({"a":"[[[[{{{{"})", 32), 1U);
  EXPECT_EQ(jsonNestingDepth(R"(["\"[[[["])", 32), 1U);    // an escaped quote does not end it
  EXPECT_EQ(jsonNestingDepth(R"(["\\",[[1]]])", 32), 3U);  // an escaped backslash does
  EXPECT_EQ(jsonNestingDepth(nested(100), 32), 33U);       // stops at limit + 1
}

TEST(UntrustedJson, AcceptsUpToTheDepthAndKeepsKeyOrder) {
  EXPECT_TRUE(parseUntrustedJson(nested(32)).ok());
  const auto doc = parseUntrustedJson(R"({"z":1,"a":2})");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->dump(), R"({"z":1,"a":2})");
}

TEST(UntrustedJson, RefusesDeepLargeAndMalformedInput) {
  // 60,000 levels in 120 KB: what crashed the relay through nlohmann's recursive dump().
  const auto deep = parseUntrustedJson(R"({"user_id":)" + nested(60'000) + "}");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().code, ErrorCode::InvalidInput);
  EXPECT_EQ(deep.error().message, "JSON nested deeper than 32 levels");
  const auto large = parseUntrustedJson(std::string(100, ' '), {50, 32});
  ASSERT_FALSE(large.ok());
  EXPECT_NE(large.error().message.find("exceeds the limit of 50"), std::string::npos);
  for (const char* bad : {"", "{", "nope", "[1,]", "\"\xff\xfe\"", "{\"a\":1}x"}) {
    const auto parsed = parseUntrustedJson(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().message, kNotJson) << bad;
  }
}

}  // namespace
}  // namespace punchlink
