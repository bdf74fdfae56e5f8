#include "webhooks/concurrency_limit.hpp"

#include <gtest/gtest.h>

namespace punchlink::relay::webhooks {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

HttpAttemptResult answer(int status, milliseconds latency) {
  HttpAttemptResult result;
  result.status = status;
  result.latency = latency;
  return result;
}

void succeed(ConcurrencyLimit& limit, std::size_t times, milliseconds latency) {
  for (std::size_t i = 0; i < times; ++i) {
    limit.onAttempt(answer(200, latency), true);
  }
}

TEST(ConcurrencyLimit, GrowsByOneForEachWindowOfFastAnswersUpToTheMaximum) {
  ConcurrencyLimit limit({2, 5});
  EXPECT_EQ(limit.current(), 2U);
  succeed(limit, 1, milliseconds{3});
  EXPECT_EQ(limit.current(), 2U);  // a window is as many answers as the limit
  succeed(limit, 1, milliseconds{3});
  EXPECT_EQ(limit.current(), 3U);
  succeed(limit, 3, milliseconds{4});
  EXPECT_EQ(limit.current(), 4U);
  succeed(limit, 100, milliseconds{3});
  EXPECT_EQ(limit.current(), 5U);
  EXPECT_EQ(limit.baseline(), milliseconds{3});
}

TEST(ConcurrencyLimit, HalvesOnFailuresAndDropsToTheMinimumWhenThrottled) {
  ConcurrencyLimit limit({2, 16});
  succeed(limit, 500, milliseconds{1});
  ASSERT_EQ(limit.current(), 16U);
  limit.onAttempt(answer(500, milliseconds{1}), false);
  EXPECT_EQ(limit.current(), 8U);
  limit.onAttempt(answer(0, milliseconds{15'000}), false);  // a timeout
  EXPECT_EQ(limit.current(), 4U);
  limit.onAttempt(answer(0, milliseconds{1}), false);
  limit.onAttempt(answer(0, milliseconds{1}), false);
  EXPECT_EQ(limit.current(), 2U);  // never below the minimum
  succeed(limit, 100, milliseconds{1});
  ASSERT_GT(limit.current(), 4U);
  limit.onAttempt(answer(429, milliseconds{1}), false);
  EXPECT_EQ(limit.current(), 2U);
  succeed(limit, 100, milliseconds{1});
  auto slow_down = answer(503, milliseconds{1});
  slow_down.retry_after = seconds{30};
  limit.onAttempt(slow_down, false);
  EXPECT_EQ(limit.current(), 2U);
  // Retry-After on any other answer is not a throttle: a 2xx still counts, a 500 halves.
  succeed(limit, 100, milliseconds{1});
  const auto grown = limit.current();
  auto ok_with_header = answer(200, milliseconds{1});
  ok_with_header.retry_after = seconds{3600};
  limit.onAttempt(ok_with_header, true);
  EXPECT_GE(limit.current(), grown);
  const auto before_error = limit.current();
  auto error_with_header = answer(500, milliseconds{1});
  error_with_header.retry_after = seconds{3600};
  limit.onAttempt(error_with_header, false);
  EXPECT_EQ(limit.current(), std::max<std::size_t>(2, before_error / 2));
}

TEST(ConcurrencyLimit, SlowAnswersDoNotGrowIt) {
  // Queueing at the receiver: answers four times slower than usual.
  ConcurrencyLimit queueing({2, 16});
  succeed(queueing, 2, milliseconds{40});
  ASSERT_EQ(queueing.current(), 3U);
  succeed(queueing, 10, milliseconds{200});
  EXPECT_EQ(queueing.current(), 3U);
  // Slower for good: after a while that is its usual time, and it grows again.
  succeed(queueing, 100, milliseconds{200});
  EXPECT_GT(queueing.current(), 3U);
  // A receiver that always takes seconds gains little from more at once and would hold workers
  // other endpoints need.
  ConcurrencyLimit slow({2, 16});
  succeed(slow, 100, milliseconds{2'000});
  EXPECT_EQ(slow.current(), 2U);
}

TEST(ConcurrencyLimit, BoundsAreMadeSane) {
  ConcurrencyLimit zero({0, 0});
  EXPECT_EQ(zero.current(), 1U);
  succeed(zero, 10, milliseconds{1});
  EXPECT_EQ(zero.current(), 1U);
  ConcurrencyLimit inverted({4, 2});
  EXPECT_EQ(inverted.current(), 4U);
  succeed(inverted, 10, milliseconds{1});
  EXPECT_EQ(inverted.current(), 4U);
}

}  // namespace
}  // namespace punchlink::relay::webhooks
