// Reading request bodies within a limit, from any stream.
#include <punchlink/common/bounded_body.hpp>

#include <gtest/gtest.h>

#include <sstream>

namespace punchlink {
namespace {

constexpr std::size_t kLimit = 1 << 20;

TEST(BoundedBody, ReturnsBodiesUpToTheLimitWithoutReservingIt) {
  std::istringstream small("hello");
  const auto body = readBoundedBody(small, -1, kLimit);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(*body, "hello");
  // A poll or a punch must not cost the limit in memory (16 MiB on the push listener).
  EXPECT_LT(body->capacity(), std::size_t{256 * 1024});

  std::istringstream empty("");
  EXPECT_EQ(readBoundedBody(empty, 0, kLimit), std::string());

  const std::string exact(kLimit, 'x');
  std::istringstream at_limit(exact);
  EXPECT_EQ(readBoundedBody(at_limit, -1, kLimit), exact);
}

TEST(BoundedBody, RefusesLargerBodiesAndReadsOnSoTheClientGetsTheReply) {
  std::istringstream over(std::string(kLimit + 1, 'x') + "tail");
  EXPECT_FALSE(readBoundedBody(over, -1, kLimit).has_value());
  EXPECT_EQ(over.peek(), std::char_traits<char>::eof());  // drained within discard_limit

  std::istringstream declared("short");
  EXPECT_FALSE(readBoundedBody(declared, kLimit + 1, kLimit).has_value());

  // Beyond discard_limit the rest is left to the connection close.
  std::istringstream huge(std::string(3 * kLimit, 'x'));
  EXPECT_FALSE(readBoundedBody(huge, -1, kLimit, kLimit).has_value());
  EXPECT_NE(huge.peek(), std::char_traits<char>::eof());
}

}  // namespace
}  // namespace punchlink
