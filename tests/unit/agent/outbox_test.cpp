// The outbox policy of agent/src/outbox/outbox.hpp, on a temporary SQLite file.
#include "outbox/outbox.hpp"

#include <punchlink/common/sqlite_db.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace punchlink::agent {
namespace {

OutboxPunch punch(int n) {
  return {"evt_" + std::to_string(n), "SN1", R"({"n":)" + std::to_string(n) + "}"};
}

std::vector<std::string> ids(const std::vector<OutboxRow>& rows) {
  std::vector<std::string> out;
  for (const auto& row : rows) {
    out.push_back(row.event_id);
  }
  return out;
}

class OutboxTest : public ::testing::Test {
 protected:
  std::unique_ptr<Outbox> open(std::uint64_t max_size = 1ULL << 30U, int alarm = 80) {
    auto outbox = Outbox::open(dir_.file("outbox.db").string(), max_size, alarm);
    EXPECT_TRUE(outbox.ok()) << outbox.error();
    return std::move(outbox.value());
  }

  testing::TempDir dir_;
};

TEST_F(OutboxTest, InsertIsIdempotentByEventId) {
  auto outbox = open();
  EXPECT_EQ(outbox->insert({punch(1), punch(2)}, 1000).value(), 2U);
  EXPECT_EQ(outbox->insert({punch(2), punch(3)}, 2000).value(), 1U);
  EXPECT_EQ(outbox->stats()->pending, 3);
}

TEST_F(OutboxTest, RowsStayUntilAckedAndAreResentAfterTheTimeout) {
  auto outbox = open();
  ASSERT_TRUE(outbox->insert({punch(1), punch(2), punch(3)}, 1000).ok());
  auto batch = outbox->nextBatch(2, 0).value();
  EXPECT_EQ(ids(batch), (std::vector<std::string>{"evt_1", "evt_2"}));
  ASSERT_TRUE(outbox->markSent(ids(batch), 5000).ok());
  // Sent at 5000: not offered again to a resend cutoff before that...
  EXPECT_EQ(ids(outbox->nextBatch(10, 4000).value()), (std::vector<std::string>{"evt_3"}));
  // ...but offered again, flagged as a resend, once the cutoff passes the send time.
  auto resend = outbox->nextBatch(10, 6000).value();
  ASSERT_EQ(resend.size(), 3U);
  EXPECT_TRUE(resend[0].resend);
  EXPECT_FALSE(resend[2].resend);
  EXPECT_EQ(outbox->acknowledge({"evt_1", "evt_2", "evt_unknown"}, 7000).value(), 2U);
  EXPECT_EQ(outbox->acknowledge({"evt_1"}, 7000).value(), 0U);  // already acked
  EXPECT_EQ(ids(outbox->nextBatch(10, 99999).value()), (std::vector<std::string>{"evt_3"}));
  EXPECT_EQ(outbox->stats()->pending, 1);
}

TEST_F(OutboxTest, SurvivesReopening) {
  {
    auto outbox = open();
    ASSERT_TRUE(outbox->insert({punch(1), punch(2)}, 1000).ok());
    ASSERT_TRUE(outbox->acknowledge({"evt_1"}, 2000).ok());
  }
  auto outbox = open();
  EXPECT_EQ(ids(outbox->nextBatch(10, 0).value()), (std::vector<std::string>{"evt_2"}));
  EXPECT_EQ(outbox->stats()->total, 2);
}

TEST_F(OutboxTest, PruneDeletesOnlyOldAcknowledgedRows) {
  auto outbox = open();
  ASSERT_TRUE(outbox->insert({punch(1), punch(2), punch(3)}, 1000).ok());
  ASSERT_TRUE(outbox->acknowledge({"evt_1"}, 2000).ok());
  ASSERT_TRUE(outbox->acknowledge({"evt_2"}, 9000).ok());
  EXPECT_EQ(outbox->prune(5000).value(), 1U);  // evt_1 only: evt_2 is too recent, evt_3 pending
  const auto stats = outbox->stats().value();
  EXPECT_EQ(stats.total, 2);
  EXPECT_EQ(stats.pending, 1);
}

TEST_F(OutboxTest, StatsCountEveryChangeWithoutReadingTheTable) {
  auto outbox = open();
  ASSERT_TRUE(outbox->insert({punch(1), punch(2), punch(3), punch(4)}, 1000).ok());
  ASSERT_TRUE(outbox->insert({punch(4), punch(5)}, 1500).ok());  // punch 4 again: ignored
  ASSERT_TRUE(outbox->acknowledge({"evt_1", "evt_2"}, 2000).ok());
  ASSERT_TRUE(outbox->acknowledge({"evt_2"}, 2100).ok());  // twice: counted once
  // A re-read makes acked evt_1 pending again, and evt_3 (pending) stays pending.
  ASSERT_TRUE(outbox->republish({punch(1), punch(3), punch(6)}, 3000).ok());
  ASSERT_TRUE(outbox->prune(2500).ok());  // evt_2, acked at 2000
  auto stats = outbox->stats().value();
  EXPECT_EQ(stats.total, 5);    // 1, 3, 4, 5, 6
  EXPECT_EQ(stats.pending, 5);  // all of them
  EXPECT_EQ(stats.oldest_pending_ms, 1000);
  ASSERT_TRUE(outbox->acknowledge({"evt_1", "evt_3", "evt_4", "evt_5", "evt_6"}, 4000).ok());
  stats = outbox->stats().value();
  EXPECT_EQ(stats.pending, 0);
  EXPECT_EQ(stats.oldest_pending_ms, std::nullopt);
}

TEST_F(OutboxTest, AnOutboxOfAnEarlierVersionGetsItsCountsOnOpening) {
  {
    auto outbox = open();
    ASSERT_TRUE(outbox->insert({punch(1), punch(2), punch(3)}, 1000).ok());
    ASSERT_TRUE(outbox->acknowledge({"evt_2"}, 2000).ok());
  }
  {
    // As an agent before schema version 3 left it.
    auto db = sqlite::Database::open(dir_.file("outbox.db").string()).value();
    ASSERT_TRUE(db.exec("DROP TRIGGER punch_counts_insert; DROP TRIGGER punch_counts_delete; "
                        "DROP TRIGGER punch_counts_ack; DROP TABLE punch_counts; "
                        "DROP INDEX punches_unsent; DROP INDEX punches_in_flight; "
                        "UPDATE meta SET value = '2' WHERE key = 'schema_version'")
                    .ok());
  }
  auto outbox = open();
  const auto stats = outbox->stats().value();
  EXPECT_EQ(stats.total, 3);
  EXPECT_EQ(stats.pending, 2);
  ASSERT_TRUE(outbox->insert({punch(4)}, 3000).ok());
  EXPECT_EQ(outbox->stats()->pending, 3);
  // The version 4 indexes serve the batches: evt_1 sent, then offered again after the cutoff.
  ASSERT_TRUE(outbox->markSent({"evt_1"}, 4000).ok());
  EXPECT_EQ(ids(outbox->nextBatch(10, 4000).value()), (std::vector<std::string>{"evt_3", "evt_4"}));
  EXPECT_EQ(ids(outbox->nextBatch(10, 4001).value()),
            (std::vector<std::string>{"evt_1", "evt_3", "evt_4"}));
}

TEST_F(OutboxTest, InsertsFromManyThreadsShareCommitsAndEachGetsItsOwnCount) {
  auto outbox = open();
  constexpr int kThreads = 16;
  constexpr int kEach = 20;
  std::atomic<int> ready{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ++ready;
      while (ready < kThreads) {
        std::this_thread::yield();
      }
      for (int i = 0; i < kEach; ++i) {
        const int n = t * 1000 + i;
        // Each call inserts its own punch and one already kept: its count is 1, not what the
        // other requests of its group inserted.
        const auto inserted = outbox->insert({punch(n), punch(i == 0 ? t * 1000 + 999 : n - 1)}, n);
        if (!inserted.ok() || *inserted != (i == 0 ? 2U : 1U)) {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(outbox->stats()->pending, kThreads * (kEach + 1));
  // One fsync per commit: 320 calls must not have taken 320 commits.
  EXPECT_LT(outbox->insertTransactions(), static_cast<std::uint64_t>(kThreads * kEach));
}

TEST_F(OutboxTest, AtTheSizeLimitAckedRowsGoEarlyButPendingNeverDo) {
  auto outbox = open(64 * 1024, 50);  // tiny limit
  std::vector<OutboxPunch> many;
  for (int i = 0; i < 2000; ++i) {
    many.push_back({"evt_" + std::to_string(i), "SN1", std::string(200, 'x')});
  }
  ASSERT_TRUE(outbox->insert(many, 1000).ok());
  std::vector<std::string> first_half;
  for (int i = 0; i < 1000; ++i) {
    first_half.push_back("evt_" + std::to_string(i));
  }
  ASSERT_TRUE(outbox->acknowledge(first_half, 2000).ok());
  auto stats = outbox->stats().value();
  EXPECT_TRUE(stats.full);
  EXPECT_TRUE(stats.alarm);
  ASSERT_TRUE(outbox->prune(0).ok());  // retention not reached, but the limit is
  stats = outbox->stats().value();
  EXPECT_EQ(stats.pending, 1000);  // every unforwarded punch is still there
  EXPECT_EQ(stats.total, 1000);
  EXPECT_TRUE(stats.alarm);  // still over: pending rows alone exceed the limit
}

TEST_F(OutboxTest, WatermarksAndCommandResults) {
  auto outbox = open();
  EXPECT_EQ(outbox->watermark("SN1")->log_count, 0);
  ASSERT_TRUE(outbox->setWatermark("SN1", {42, "evt_42"}).ok());
  ASSERT_TRUE(outbox->setWatermark("SN1", {43, "evt_43"}).ok());
  EXPECT_EQ(outbox->watermark("SN1")->last_event_id, "evt_43");
  EXPECT_FALSE(outbox->commandResult("c1")->has_value());
  ASSERT_TRUE(outbox->saveCommandResult("c1", R"({"status":"succeeded"})", 1).ok());
  EXPECT_EQ(outbox->commandResult("c1")->value(), R"({"status":"succeeded"})");
}

TEST_F(OutboxTest, AddressPinsKeepTheFirstAddressAcrossReopeningUntilReleased) {
  {
    auto outbox = open();
    EXPECT_EQ(outbox->addressPin("SN1").value(), std::nullopt);
    EXPECT_EQ(outbox->pinAddress("SN1", "10.0.0.7", 1000).value(), "10.0.0.7");
    EXPECT_EQ(outbox->pinAddress("SN1", "10.0.0.8", 2000).value(), "10.0.0.7") << "first wins";
    EXPECT_EQ(outbox->pinAddress("SN2", "10.0.0.8", 2000).value(), "10.0.0.8");
  }
  auto outbox = open();
  EXPECT_EQ(outbox->addressPin("SN1").value(), std::optional<std::string>("10.0.0.7"));
  EXPECT_EQ(outbox->releaseAddressPin("SN1").value(), std::optional<std::string>("10.0.0.7"));
  EXPECT_EQ(outbox->releaseAddressPin("SN1").value(), std::nullopt);
  EXPECT_EQ(outbox->addressPin("SN1").value(), std::nullopt);
  EXPECT_EQ(outbox->addressPin("SN2").value(), std::optional<std::string>("10.0.0.8"));
}

TEST_F(OutboxTest, UnwritableLocationIsAClearError) {
  auto outbox = Outbox::open("/nonexistent/folder/outbox.db", 1 << 20, 80);
  ASSERT_FALSE(outbox.ok());
  EXPECT_NE(outbox.error().message.find("/nonexistent/folder/outbox.db"), std::string::npos);
  EXPECT_FALSE(outbox.error().hint.empty());
}

}  // namespace
}  // namespace punchlink::agent
