#include <punchlink/common/result.hpp>

#include <gtest/gtest.h>

#include <sstream>

namespace punchlink {
namespace {

Result<int> half(int value) {
  if (value % 2 != 0) {
    return makeError(ErrorCode::InvalidInput, "odd value " + std::to_string(value),
                     "pass an even number");
  }
  return value / 2;
}

TEST(Result, CarriesValueOrError) {
  const auto good = half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 4);
  const auto bad = half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidInput);
  EXPECT_EQ(bad.error().toString(), "odd value 3 (pass an even number)");
  EXPECT_EQ(bad.valueOr(-1), -1);
}

TEST(Result, VoidStatus) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  Status failed = makeError(ErrorCode::Unavailable, "broker down");
  EXPECT_FALSE(failed.ok());
  std::ostringstream text;
  text << failed.error();
  EXPECT_EQ(text.str(), "unavailable: broker down");
}

}  // namespace
}  // namespace punchlink
