// The REST rate limit counts in memory and shares counts through the store once per flush, so a
// request never waits for a database write and every node still sees the others' requests.
#include "api/rate_limiter.hpp"

#include "store/store.hpp"

#include <punchlink/testing/manual_clock.hpp>
#include <punchlink/testing/postgres_server.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>

namespace punchlink::relay::api {
namespace {

// Counts what reaches the store, and can fail like a database that went away.
class CountingGuardStore final : public ApiGuardStore {
 public:
  Result<std::vector<std::int64_t>> addRateLimitHits(std::span<const RateLimitHits> hits) override {
    ++flushes;
    if (down) {
      return makeError(ErrorCode::Unavailable, "database unreachable", "");
    }
    std::vector<std::int64_t> totals;
    for (const auto& entry : hits) {
      totals.push_back(stored[entry.key_id] += entry.hits);
    }
    return totals;
  }

  Result<IdempotencyClaim> claimIdempotencyKey(
      const std::string&, const std::string&, const std::string&, UtcMillis, UtcMillis) override {
    return makeError(ErrorCode::Internal, "not used", "");
  }

  Status finishIdempotencyKey(const std::string&,
                              const std::string&,
                              int,
                              const std::string&) override {
    return {};
  }

  int flushes = 0;
  bool down = false;
  std::map<std::string, std::int64_t> stored;
};

class RateLimiterTest : public ::testing::Test {
 protected:
  RateLimiterTest() {
    clock_.setWall(std::chrono::system_clock::time_point{std::chrono::seconds{1'800'000'010}});
  }

  testing::ManualClock clock_;
};

TEST_F(RateLimiterTest, RequestsAreCountedWithoutTouchingTheStore) {
  CountingGuardStore store;
  RateLimiter limiter(store, clock_, 1'000);
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(limiter.hit(i % 2 == 0 ? "key_a" : "key_b").allowed);
  }
  EXPECT_EQ(store.flushes, 0);
  ASSERT_TRUE(limiter.flush().ok());
  EXPECT_EQ(store.flushes, 1);  // one write for every key
  EXPECT_EQ(store.stored["key_a"], 250);
  EXPECT_EQ(store.stored["key_b"], 250);
  // Counted once: a second flush adds nothing.
  ASSERT_TRUE(limiter.flush().ok());
  EXPECT_EQ(store.stored["key_a"], 250);
}

TEST_F(RateLimiterTest, TheLimitHoldsAndTheWindowResets) {
  CountingGuardStore store;
  RateLimiter limiter(store, clock_, 3);
  for (int i = 1; i <= 3; ++i) {
    const auto decision = limiter.hit("key_a");
    EXPECT_TRUE(decision.allowed);
    EXPECT_EQ(decision.remaining, 3 - i);
    EXPECT_EQ(decision.reset_seconds, 50);
  }
  EXPECT_FALSE(limiter.hit("key_a").allowed);
  ASSERT_TRUE(limiter.flush().ok());
  EXPECT_FALSE(limiter.hit("key_a").allowed);  // still over after the flush
  clock_.advance(std::chrono::seconds{50});
  EXPECT_TRUE(limiter.hit("key_a").allowed);
}

TEST_F(RateLimiterTest, CountsSurviveAStoreOutage) {
  CountingGuardStore store;
  RateLimiter limiter(store, clock_, 100);
  for (int i = 0; i < 7; ++i) {
    limiter.hit("key_a");
  }
  store.down = true;
  EXPECT_FALSE(limiter.flush().ok());
  EXPECT_TRUE(limiter.hit("key_a").allowed);  // requests are still judged meanwhile
  store.down = false;
  ASSERT_TRUE(limiter.flush().ok());
  EXPECT_EQ(store.stored["key_a"], 8);
}

// Two relay nodes on one database: each sees the other's requests after a flush.
TEST_F(RateLimiterTest, NodesShareTheirCountsThroughTheStore) {
  testing::TempDir dir;
  testing::RelayStorage storage(dir);
  auto store = openStore(storage.location(), clock_).value();
  ASSERT_TRUE(store->migrate().ok());
  auto other_connection = openStore(storage.location(), clock_).value();
  RateLimiter node_a(store->apiGuard(), clock_, 10);
  RateLimiter node_b(other_connection->apiGuard(), clock_, 10);
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(node_a.hit("key_a").allowed);
    ASSERT_TRUE(node_b.hit("key_a").allowed);
  }
  ASSERT_TRUE(node_a.flush().ok());
  ASSERT_TRUE(node_b.flush().ok());
  EXPECT_FALSE(node_b.hit("key_a").allowed);  // 12 + 1 of 10, counted by both nodes
  ASSERT_TRUE(node_a.flush().ok());
  EXPECT_FALSE(node_a.hit("key_a").allowed);
  EXPECT_TRUE(node_a.hit("key_b").allowed);
}

}  // namespace
}  // namespace punchlink::relay::api
