// The relay's ingest without a broker: MQTT messages handed to IngestConsumer as the client
// would, a real store underneath, acks caught by a recording Publisher. Covers what each topic
// leads to and what hostile sites cannot do.
#include "ingest/ingest_consumer.hpp"

#include "store/store.hpp"
#include "tenancy/tenancy.hpp"

#include <punchlink/contract/ack.hpp>
#include <punchlink/contract/topics.hpp>
#include <punchlink/testing/manual_clock.hpp>
#include <punchlink/testing/postgres_server.hpp>
#include <punchlink/testing/punch_ids.hpp>
#include <punchlink/testing/recording_publisher.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace punchlink::relay {
namespace {

using nlohmann::json;

class IngestConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(openStore(storage_.location(), clock_).value());
    ASSERT_TRUE(store_->migrate().ok());
    Store& s = *store_;
    acme_ = tenancy::createTenant(s.tenants(), "Acme").value().id;
    globex_ = tenancy::createTenant(s.tenants(), "Globex").value().id;
    ASSERT_TRUE(tenancy::createSite(s.tenants(), acme_, "plant-1").ok());
    ASSERT_TRUE(tenancy::createSite(s.tenants(), globex_, "globex-1").ok());
    tracker_ =
        std::make_unique<CommandTracker>(s.unitOfWork(), s.commands(), s.users(), s.outbox());
    punches_ = std::make_unique<PunchIngest>(PunchIngestParts{
        s.unitOfWork(), s.sightings(), s.punches(), s.deviceEvents(), s.users(), s.outbox()});
    statuses_ = std::make_unique<StatusIngest>(StatusIngestParts{
        s.unitOfWork(), s.tenants(), s.sightings(), s.punches(), s.deviceEvents(), s.outbox()});
    ingest_ = std::make_unique<IngestConsumer>(
        IngestTargets{s.tenants(), *punches_, *statuses_, *tracker_}, acks_, logger_, clock_);
  }

  void deliver(const std::string& topic, const std::string& payload) {
    ingest_->onMessage({topic, payload, 1, false, "", ""});
  }

  static json punch(int n, const std::string& serial = "SN1") {
    const std::string user = "EMP_" + std::to_string(n);
    const std::string local_time = testing::nthLocalTime(n);
    return {{"event_id", testing::punchEventId(serial, user, local_time)},
            {"device_serial", serial},
            {"user_id", user},
            {"timestamp", "2026-03-27T08:30:12Z"},
            {"local_time", local_time}};
  }

  static std::string batch(const std::string& site, const json& punches) {
    return json{{"site_id", site}, {"batch_id", site + "-1"}, {"punches", punches}}.dump();
  }

  std::int64_t stored(const std::string& tenant) {
    return store_->punches().countPunches(tenant).value();
  }

  testing::TempDir dir_;
  testing::RelayStorage storage_{dir_};
  testing::ManualClock clock_;
  testing::RecordingPublisher acks_;
  Logger logger_{"ingest", LogLevel::Error, StderrSink::detect(), clock_};
  StorePtr store_;
  std::unique_ptr<CommandTracker> tracker_;
  std::unique_ptr<PunchIngest> punches_;
  std::unique_ptr<StatusIngest> statuses_;
  std::unique_ptr<IngestConsumer> ingest_;
  std::string acme_;
  std::string globex_;
};

TEST_F(IngestConsumerTest, PunchesAreStoredThenAckedOnTheSitesTopic) {
  deliver(contract::SiteTopics("plant-1").punches(),
          batch("plant-1", json::array({punch(1), punch(2)})));
  EXPECT_EQ(stored(acme_), 2);
  const auto sent = acks_.messages();
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(sent[0].topic, contract::SiteTopics("plant-1").acks());
  EXPECT_EQ(sent[0].correlation_data, "plant-1-1");
  const auto ack = contract::decodeAck(sent[0].payload).value();
  EXPECT_EQ(ack.acked.size(), 2U);
  EXPECT_TRUE(ack.rejected.empty());
  EXPECT_EQ(ingest_->stats().punches_stored, 2U);
}

// What waited on an ingest lane comes in one call: runs of punch batches share one commit, and
// each batch is still judged and acked on its own, in order.
TEST_F(IngestConsumerTest, BatchesThatArriveTogetherAreStoredTogetherAndEachAckedOrRefused) {
  const auto message = [](const std::string& topic_site, const std::string& site,
                          const std::string& batch_id, const json& punches) {
    return mqtt_client::MqttMessage{
        contract::SiteTopics(topic_site).punches(),
        json{{"site_id", site}, {"batch_id", batch_id}, {"punches", punches}}.dump(),
        1,
        false,
        "",
        ""};
  };
  const std::vector<mqtt_client::MqttMessage> waiting{
      message("plant-1", "plant-1", "p-1", json::array({punch(1), punch(2)})),
      message("globex-1", "globex-1", "g-1", json::array({punch(3, "SN9")})),
      message("plant-1", "plant-1", "p-2", json::array({punch(2), punch(4)})),  // 2 again
      message("plant-1", "globex-1", "x-1", json::array({punch(5)})),  // names another site
      message("nowhere", "nowhere", "n-1", json::array({punch(6)})),   // not registered
      {contract::SiteTopics("plant-1").status(), "{not json", 1, false, "", ""},
      message("plant-1", "plant-1", "p-3", json::array({punch(7)})),
  };
  ingest_->onMessages(waiting);
  EXPECT_EQ(stored(acme_), 4);  // 1, 2, 4 and 7
  EXPECT_EQ(stored(globex_), 1);
  std::vector<std::string> acked;
  for (const auto& sent : acks_.messages()) {
    acked.push_back(sent.correlation_data);
  }
  EXPECT_EQ(acked, (std::vector<std::string>{"p-1", "g-1", "p-2", "p-3"}));
  const auto second = contract::decodeAck(acks_.messages()[2].payload).value();
  EXPECT_EQ(second.acked.size(), 2U);  // the repeat is acked as stored before
  const auto stats = ingest_->stats();
  EXPECT_EQ(stats.punches_stored, 5U);
  EXPECT_EQ(stats.punches_duplicate, 1U);
  EXPECT_EQ(stats.batches_refused, 2U);
}

TEST_F(IngestConsumerTest, ABatchNamingAnotherSiteOrFromAnUnknownSiteIsNeitherStoredNorAcked) {
  // A site's credentials let it publish only on its own topics; the batch claims the other.
  deliver(contract::SiteTopics("plant-1").punches(), batch("globex-1", json::array({punch(1)})));
  deliver(contract::SiteTopics("nowhere").punches(), batch("nowhere", json::array({punch(2)})));
  EXPECT_EQ(stored(acme_), 0);
  EXPECT_EQ(stored(globex_), 0);
  EXPECT_TRUE(acks_.messages().empty());
  EXPECT_EQ(ingest_->stats().batches_refused, 2U);
}

TEST_F(IngestConsumerTest, ASiteCannotShadowAnotherTenantsPunches) {
  // Globex's site publishes the ids Acme's terminal will send (they are predictable), on a
  // terminal of the same serial: they are Globex's own, and Acme's still arrive.
  deliver(contract::SiteTopics("globex-1").punches(),
          batch("globex-1", json::array({punch(1), punch(2)})));
  EXPECT_EQ(stored(globex_), 2);
  deliver(contract::SiteTopics("plant-1").punches(),
          batch("plant-1", json::array({punch(1), punch(2)})));
  EXPECT_EQ(stored(acme_), 2);
  // Ids it invents to match nothing are rejected by reason.
  json forged = punch(3);
  forged["event_id"] = "evt_" + std::string(24, '0');
  deliver(contract::SiteTopics("globex-1").punches(), batch("globex-1", json::array({forged})));
  const auto ack = contract::decodeAck(acks_.messages().back().payload).value();
  ASSERT_EQ(ack.rejected.size(), 1U);
  EXPECT_EQ(ack.rejected[0].reason,
            "event_id does not match device_serial, user_id and local_time");
}

TEST_F(IngestConsumerTest, StatusesOfTheWrongShapeAreIgnoredAndGoodOnesRecorded) {
  const contract::SiteTopics site("plant-1");
  deliver(site.deviceStatus("SN-A"), R"({"serial":"SN-A","online":true,"users":"many"})");
  deliver(site.deviceStatus("SN-B"), R"({"serial":"SN-B","online":true,"users":12})");
  deliver(site.deviceStatus("door-1"), R"({"name":"door-1","online":false})");  // no serial yet
  deliver(site.status(), R"({"site_id":"plant-1","online":"yes"})");
  EXPECT_FALSE(store_->devices().findDevice(acme_, "SN-A").value().has_value());
  const auto device = store_->devices().findDevice(acme_, "SN-B").value();
  ASSERT_TRUE(device.has_value());
  EXPECT_TRUE(device->online);
  EXPECT_EQ(store_->devices().listDevices(acme_).value().size(), 1U);
}

TEST_F(IngestConsumerTest, ASiteCanOnlyFinishItsOwnSitesCommands) {
  CommandRecord command;
  command.id = "cmd_1";
  command.tenant_id = acme_;
  command.site_id = "plant-1";
  command.device_serial = "SN1";
  command.type = "unlock";
  command.payload = "{}";
  command.state = "sent";
  ASSERT_TRUE(store_->commands().createCommand(command).ok());
  deliver(contract::SiteTopics("globex-1").commandResults(),
          R"({"command_id":"cmd_1","status":"failed","error":"spoofed"})");
  EXPECT_EQ(store_->commands().findCommand(acme_, "cmd_1").value()->state, "sent");
  deliver(contract::SiteTopics("plant-1").commandResults(),
          R"({"command_id":"cmd_1","status":"succeeded"})");
  EXPECT_EQ(store_->commands().findCommand(acme_, "cmd_1").value()->state, "succeeded");
}

TEST_F(IngestConsumerTest, DeeplyNestedPayloadsAreRefusedWithoutHarm) {
  const std::string deep = std::string(60'000, '[') + std::string(60'000, ']');
  const contract::SiteTopics site("plant-1");
  json extra = punch(1);
  const std::string with_extra = batch("plant-1", json::array({extra}));
  deliver(site.punches(), with_extra.substr(0, with_extra.size() - 3) + R"(,"x":)" + deep + "}]}");
  deliver(site.commandResults(),
          R"({"command_id":"cmd_1","status":"failed","result":)" + deep + "}");
  deliver(site.deviceStatus("SN1"), R"({"serial":"SN1","online":true,"users":)" + deep + "}");
  deliver(site.status(), R"({"site_id":"plant-1","online":true,"devices":)" + deep + "}");
  EXPECT_EQ(stored(acme_), 0);
  EXPECT_TRUE(acks_.messages().empty());  // a batch that is not one cannot be acked
  EXPECT_FALSE(store_->devices().findDevice(acme_, "SN1").value().has_value());
  // Still working: the next good batch goes through.
  deliver(site.punches(), batch("plant-1", json::array({punch(2)})));
  EXPECT_EQ(stored(acme_), 1);
}

TEST_F(IngestConsumerTest, TopicsOutsideTheTreeAndHostilePayloadsChangeNothing) {
  for (const auto& [topic, payload] : std::vector<std::pair<std::string, std::string>>{
           {"punchlink/v1/sites/plant-1/punches/extra", batch("plant-1", json::array({punch(1)}))},
           {"other/topic", "{}"},
           {contract::SiteTopics("plant-1").punches(), "not json"},
           {contract::SiteTopics("plant-1").punches(), std::string(1 << 20, '[')},
           {contract::SiteTopics("plant-1").commandResults(), "[]"},
           {contract::SiteTopics("plant-1").acks(), "{}"}}) {
    deliver(topic, payload);
  }
  EXPECT_EQ(stored(acme_), 0);
  EXPECT_TRUE(acks_.messages().empty());
}

}  // namespace
}  // namespace punchlink::relay
