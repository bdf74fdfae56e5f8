// The auto-punch plan: who punches, in which state, at what pace.
#include "auto_punch.hpp"

#include <gtest/gtest.h>

#include <set>

namespace punchlink::zksim {
namespace {

LocalSeconds at(int second) { return makeLocalTime(2026, 3, 27, 8, 30, second).value(); }

TEST(AutoPunchPlan, IntervalsFollowTheRate) {
  EXPECT_EQ(AutoPunchPlan::interval(60), std::chrono::milliseconds{1000});
  EXPECT_EQ(AutoPunchPlan::interval(30), std::chrono::milliseconds{2000});
  EXPECT_EQ(AutoPunchPlan::interval(6000), std::chrono::milliseconds{10});
}

TEST(AutoPunchPlan, UsersCheckInFirstThenAlternate) {
  AutoPunchPlan plan(7);
  const std::vector<std::string> users{"1001"};
  std::vector<int> states;
  for (int second = 0; second < 4; ++second) {
    const auto punch = plan.next(users, at(second));
    ASSERT_TRUE(punch.has_value());
    EXPECT_EQ(punch->user_id, "1001");
    EXPECT_EQ(punch->time, at(second));
    states.push_back(punch->state);
  }
  EXPECT_EQ(states, (std::vector<int>{0, 1, 0, 1}));
}

TEST(AutoPunchPlan, NobodyPunchesTwiceInOneSecond) {
  AutoPunchPlan plan(7);
  const std::vector<std::string> users{"1001", "1002"};
  std::set<std::string> punched;
  for (int i = 0; i < 2; ++i) {
    const auto punch = plan.next(users, at(0));
    ASSERT_TRUE(punch.has_value());
    EXPECT_TRUE(punched.insert(punch->user_id).second);
  }
  EXPECT_FALSE(plan.next(users, at(0)).has_value());  // everyone punched this second
  EXPECT_FALSE(plan.next({}, at(1)).has_value());     // no users, no punches
}

TEST(AutoPunchPlan, TheSameSeedGivesTheSameSequence) {
  AutoPunchPlan a(42);
  AutoPunchPlan b(42);
  const std::vector<std::string> users{"1001", "1002", "1003", "1004"};
  for (int second = 0; second < 20; ++second) {
    EXPECT_EQ(a.next(users, at(second % 60)), b.next(users, at(second % 60)));
  }
}

}  // namespace
}  // namespace punchlink::zksim
