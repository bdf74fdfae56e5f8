// The uplink without a broker: batches of the outbox published through a recording Publisher,
// the relay's acks releasing rows, refusals and lost acks leading to resends, hostile acks
// changing nothing.
#include "uplink/uplink.hpp"

#include <punchlink/contract/ack.hpp>
#include <punchlink/contract/punch_batch.hpp>
#include <punchlink/contract/topics.hpp>
#include <punchlink/testing/eventually.hpp>
#include <punchlink/testing/manual_clock.hpp>
#include <punchlink/testing/punch_ids.hpp>
#include <punchlink/testing/recording_publisher.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>

namespace punchlink::agent {
namespace {

using namespace std::chrono_literals;

class UplinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    outbox_ = std::move(Outbox::open(dir_.file("outbox.db").string(), 1 << 30, 80).value());
    config_.batch_size = 2;
    config_.batch_delay = 0ms;
    config_.ack_timeout = 30s;
    config_.drain_rate = 1e6;
    config_.drain_burst = 1000;
  }

  // Punches in the outbox, as a terminal session would leave them.
  std::vector<std::string> add(int count) {
    std::vector<OutboxPunch> punches;
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      contract::Punch punch;
      punch.device_serial = "SN1";
      punch.user_id = std::to_string(++next_);
      punch.local_time = "2026-03-27 08:30:12";
      punch.event_id = testing::punchEventId("SN1", punch.user_id, punch.local_time);
      punch.timestamp = "2026-03-27T08:30:12Z";
      punches.push_back({punch.event_id, "SN1", contract::encodePunch(punch)});
      ids.push_back(punch.event_id);
    }
    EXPECT_TRUE(outbox_->insert(punches, epochMillis(clock_.now())).ok());
    return ids;
  }

  std::int64_t pending() { return outbox_->stats().value().pending; }

  // The punches of every batch published so far, in order.
  std::vector<std::vector<std::string>> batches() {
    std::vector<std::vector<std::string>> out;
    for (const auto& message : broker_.messages()) {
      EXPECT_EQ(message.topic, contract::SiteTopics("plant-7").punches());
      const auto batch = contract::decodePunchBatch(message.payload, "plant-7");
      EXPECT_TRUE(batch.ok()) << message.payload;
      EXPECT_EQ(message.correlation_data, batch->batch_id);
      std::vector<std::string> ids;
      for (const auto& punch : batch->punches) {
        ids.push_back(punch.punch.event_id);
      }
      out.push_back(ids);
    }
    return out;
  }

  testing::TempDir dir_;
  testing::ManualClock clock_;
  testing::RecordingPublisher broker_;
  std::unique_ptr<Outbox> outbox_;
  UplinkConfig config_;
  Logger logger_{"uplink", LogLevel::Error, StderrSink::detect(), clock_};
  int next_ = 0;
};

TEST_F(UplinkTest, PublishesTheOutboxInBatchesAndReleasesWhatTheRelayAcks) {
  const auto ids = add(3);
  Uplink uplink(config_, "plant-7", *outbox_, broker_, logger_, clock_);
  uplink.start();
  uplink.wake();
  ASSERT_TRUE(broker_.waitFor(2, 5s));
  EXPECT_EQ(batches(), (std::vector<std::vector<std::string>>{{ids[0], ids[1]}, {ids[2]}}));
  EXPECT_EQ(pending(), 3);  // published is not committed: only the relay's ack releases them
  const auto first = contract::decodePunchBatch(broker_.messages()[0].payload, "plant-7").value();
  uplink.onAck(contract::encodeAck({first.batch_id, {ids[0], ids[1]}, {}}));
  EXPECT_EQ(pending(), 1);
  // A rejection is final too: the relay has looked at the punch and will never take it.
  uplink.onAck(contract::encodeAck(
      {"b", {}, {{ids[2], "event_id does not match device_serial, user_id and local_time"}}}));
  EXPECT_EQ(pending(), 0);
  uplink.stop(0ms);  // its thread counts a batch just after publishing it
  const auto stats = uplink.stats();
  EXPECT_EQ(stats.batches_sent, 2U);
  EXPECT_EQ(stats.punches_acked, 3U);
  EXPECT_EQ(stats.punches_rejected, 1U);
}

TEST_F(UplinkTest, HostileOrMalformedAcksReleaseNothing) {
  const auto ids = add(2);
  Uplink uplink(config_, "plant-7", *outbox_, broker_, logger_, clock_);
  for (const std::string& payload : std::vector<std::string>{
           "garbage", "[]", R"({"acked":"evt_1"})", R"({"acked":[{"event_id":1}]})",
           R"({"acked":[")" + std::string(100, 'x') + R"("]})", std::string(1 << 20, '[')}) {
    uplink.onAck(payload);
  }
  EXPECT_EQ(pending(), 2);
  EXPECT_EQ(uplink.stats().punches_acked, 0U);
}

TEST_F(UplinkTest, NothingIsMarkedSentWhileTheBrokerRefusesAndItGoesOutAfterwards) {
  const auto ids = add(1);
  broker_.setRefusing(true);
  Uplink uplink(config_, "plant-7", *outbox_, broker_, logger_, clock_);
  uplink.start();
  uplink.wake();
  ASSERT_TRUE(broker_.waitForAttempts(1, 5s));
  EXPECT_TRUE(broker_.messages().empty());
  // Still never sent: the next batch offers it again at once, without waiting for ack_timeout.
  EXPECT_EQ(outbox_->nextBatch(10, 0).value().size(), 1U);
  broker_.setRefusing(false);
  uplink.wake();
  ASSERT_TRUE(broker_.waitFor(1, 5s));
  EXPECT_EQ(batches().front(), std::vector<std::string>{ids[0]});
  uplink.stop(0ms);
}

TEST_F(UplinkTest, ABatchWhoseAckNeverCameIsSentAgainAfterTheAckTimeout) {
  const auto ids = add(1);
  Uplink uplink(config_, "plant-7", *outbox_, broker_, logger_, clock_);
  uplink.start();
  uplink.wake();
  ASSERT_TRUE(broker_.waitFor(1, 5s));
  // Marked sent (right after the publish returned) before the clock moves on.
  ASSERT_TRUE(testing::eventually([&] { return outbox_->nextBatch(10, 0).value().empty(); }, 5s,
                                  std::chrono::milliseconds{1}));
  clock_.advance(config_.ack_timeout + 1s);  // the ack was lost with a broker's queue
  uplink.wake();
  ASSERT_TRUE(broker_.waitFor(2, 5s));
  const auto sent = batches();
  EXPECT_EQ(sent[1], sent[0]);  // the same event ids: the relay stores it once
  uplink.stop(0ms);
}

}  // namespace
}  // namespace punchlink::agent
