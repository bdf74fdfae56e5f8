#include <punchlink/common/backoff.hpp>

#include <gtest/gtest.h>

namespace punchlink {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesUpToTheCapWithoutJitter) {
  Backoff backoff({milliseconds{100}, milliseconds{1000}, 2.0, 0.0}, 1);
  const long expected[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (long value : expected) {
    EXPECT_EQ(backoff.next().count(), value);
  }
}

TEST(Backoff, JitterStaysWithinTheBand) {
  Backoff backoff({milliseconds{1000}, milliseconds{8000}, 2.0, 0.5}, 42);
  double base = 1000;
  for (int i = 0; i < 50; ++i) {
    const auto delay = backoff.next().count();
    EXPECT_GE(delay, static_cast<long>(base * 0.5) - 1);
    EXPECT_LE(delay, static_cast<long>(base) + 1);
    base = std::min(base * 2, 8000.0);
  }
}

TEST(Backoff, JitterSpreadsClientsApart) {
  Backoff a({milliseconds{1000}, milliseconds{30'000}, 2.0, 0.5}, 1);
  Backoff b({milliseconds{1000}, milliseconds{30'000}, 2.0, 0.5}, 2);
  int different = 0;
  for (int i = 0; i < 10; ++i) {
    different += a.next() != b.next() ? 1 : 0;
  }
  EXPECT_GE(different, 8);
}

TEST(Backoff, ResetStartsOver) {
  Backoff backoff({milliseconds{10}, milliseconds{1000}, 2.0, 0.0}, 1);
  backoff.next();
  backoff.next();
  EXPECT_EQ(backoff.attempts(), 2);
  backoff.reset();
  EXPECT_EQ(backoff.next().count(), 10);
}

TEST(Backoff, SanitisesNonsensePolicies) {
  Backoff backoff({milliseconds{0}, milliseconds{-5}, 0.1, 7.0}, 1);
  for (int i = 0; i < 100; ++i) {
    EXPECT_GE(backoff.next().count(), 1);  // never zero, never negative, never overflows
  }
}

}  // namespace
}  // namespace punchlink
