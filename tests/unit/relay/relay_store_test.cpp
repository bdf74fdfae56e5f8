#include "admin/admin_cli.hpp"
#include "store/sql_store.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/testing/postgres_server.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <future>

namespace punchlink::relay {
namespace {

using nlohmann::json;

json punchJson(const std::string& hex24, const std::string& serial = "SN1") {
  return {{"event_id", "evt_" + hex24},
          {"device_serial", serial},
          {"device_name", "door-1"},
          {"user_id", "EMP_001"},
          {"timestamp", "2026-03-27T08:30:12Z"},
          {"local_time", "2026-03-27 09:30:12"},
          {"time_zone", "Europe/Berlin"},
          {"state", 0},
          {"verify", 1},
          {"method", "Fingerprint"},
          {"punch_type", "CheckIn"},
          {"source", "realtime"}};
}

std::string batchJson(const std::string& site, const json& punches) {
  return json{{"site_id", site},
              {"batch_id", "b1"},
              {"sent_at", "2026-03-27T08:30:13Z"},
              {"punches", punches}}
      .dump();
}

const std::string kHexA = "aaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kHexB = "bbbbbbbbbbbbbbbbbbbbbbbb";

class SqlStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = SqlStore::open(storage_.location());
    ASSERT_TRUE(store.ok());
    store_ = std::move(store.value());
    ASSERT_TRUE(store_->migrate().ok());
    ASSERT_TRUE(store_->migrate().ok());  // idempotent
  }

  contract::PunchBatch batch(const std::string& site, const json& punches) {
    return contract::decodePunchBatch(batchJson(site, punches), site).value();
  }

  // A webhook endpoint of `tenant` subscribed to `events` (a JSON array; empty: all).
  bool addEndpoint(const std::string& tenant, const std::string& id, const std::string& events) {
    WebhookEndpoint endpoint;
    endpoint.id = id;
    endpoint.tenant_id = tenant;
    endpoint.url = "https://example.invalid/hook";
    endpoint.secret = "whsec_x";
    endpoint.events = events;
    endpoint.created_at = endpoint.updated_at = "2026-01-01T00:00:00Z";
    return store_->createWebhookEndpoint(endpoint).ok();
  }

  UtcSeconds now() const {
    return std::chrono::floor<std::chrono::seconds>(parseRfc3339("2026-03-27T08:31:00Z").value());
  }

  testing::TempDir dir_;
  testing::RelayStorage storage_{dir_};
  std::unique_ptr<SqlStore> store_;
};

TEST_F(SqlStoreTest, KeysAreStoredAsHashesAndCanBeRevoked) {
  const auto tenant = store_->createTenant("Acme").value();
  const auto key = store_->createApiKey(tenant.id, true, "erp").value();
  EXPECT_EQ(key.secret.rfind("sk_live_", 0), 0U);
  EXPECT_EQ(store_->createApiKey(tenant.id, false, "").value().secret.rfind("sk_test_", 0), 0U);
  // The secret is nowhere in the database.
  if (!storage_.postgres()) {
    EXPECT_EQ(testing::readFile(dir_.file("relay.db")).find(key.secret), std::string::npos);
  }
  auto db = sql::open(storage_.location()).value();
  auto rows = db->prepare("SELECT id || prefix || key_hash || mode || label FROM api_keys")
                  .value()
                  .all([](sql::Statement& row) { return row.text(0); })
                  .value();
  ASSERT_EQ(rows.size(), 2U);
  for (const auto& row : rows) {
    EXPECT_EQ(row.find(key.secret.substr(12)), std::string::npos) << row;
  }
  auto found = store_->authenticate(key.secret).value();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->tenant_id, tenant.id);
  EXPECT_FALSE(store_->authenticate(key.secret + "x").value().has_value());
  ASSERT_TRUE(store_->revokeApiKey(key.info.id).ok());
  EXPECT_FALSE(store_->authenticate(key.secret).value().has_value());
  EXPECT_FALSE(store_->revokeApiKey(key.info.id).ok());
  EXPECT_EQ(store_->createApiKey("ten_nope", true, "").error().code, ErrorCode::NotFound);
}

TEST_F(SqlStoreTest, CarriesOnAfterTheDatabaseRestarts) {
  if (!storage_.postgres()) {
    GTEST_SKIP() << "a SQLite file has no server to restart";
  }
  const auto tenant = store_->createTenant("Acme").value();
  storage_.server()->restart();
  // The first call may find the connection gone (and says so); the store reconnects for the
  // next one, and nothing stored before is lost.
  auto found = store_->findTenant(tenant.id);
  if (!found) {
    EXPECT_EQ(found.error().code, ErrorCode::Unavailable) << found.error().toString();
    found = store_->findTenant(tenant.id);
  }
  ASSERT_TRUE(found.ok()) << found.error().toString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name, "Acme");
  EXPECT_TRUE(store_->createTenant("Globex").ok());
}

TEST_F(SqlStoreTest, APageWaitsForPunchesWhoseSeqWasTakenBeforeItsOwn) {
  if (!storage_.postgres()) {
    GTEST_SKIP() << "one SQLite writer commits in seq order";
  }
  const auto tenant = store_->createTenant("Acme").value();
  const auto site = store_->createSite(tenant.id, "plant-7").value();
  // Another node's ingest takes seq 1 and has not committed yet...
  auto other = sql::open(storage_.location()).value();
  std::future<Result<std::vector<StoredPunch>>> page;
  ASSERT_TRUE(
      other
          ->transaction([&]() -> Status {
            if (auto appending = other->appendingRows(); !appending) {
              return appending;
            }
            auto insert = other->prepare(
                "INSERT INTO punches(event_id, tenant_id, site_id, device_serial, user_id, "
                "timestamp, payload, received_at) VALUES (?, ?, 'plant-7', 'SN1', 'EMP_1', "
                "'2026-03-27T08:30:12Z', '{}', '2026-03-27T08:30:12Z')");
            insert->bind(1, "evt_" + kHexA).bind(2, tenant.id);
            if (auto done = insert->run(); !done) {
              return done;
            }
            // ...while this node stores seq 2 and a client reads a page.
            EXPECT_TRUE(
                store_->ingest(site, batch("plant-7", json::array({punchJson(kHexB)})), now())
                    .ok());
            page = std::async(std::launch::async,
                              [&] { return store_->listPunches(tenant.id, PunchFilter{}); });
            // Returning now would show seq 2 without seq 1: a cursor past 2 would skip 1
            // for good. The page waits for the other transaction instead.
            EXPECT_EQ(page.wait_for(std::chrono::milliseconds{500}), std::future_status::timeout);
            return {};
          })
          .ok());
  const auto rows = page.get().value();
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_LT(rows[0].seq, rows[1].seq);
}

TEST_F(SqlStoreTest, DeliveriesAreLeasedToOneNodeAndOnlyItRecordsTheOutcome) {
  const auto tenant = store_->createTenant("Acme").value();
  const auto site = store_->createSite(tenant.id, "plant-7").value();
  ASSERT_TRUE(addEndpoint(tenant.id, "whk_1", "[]"));
  ASSERT_TRUE(store_->ingest(site, batch("plant-7", json::array({punchJson(kHexA)})), now()).ok());
  const std::int64_t t0 = epochMillis(now()) + 1000;
  const auto claimed = store_->claimDueDeliveries("node-a", t0, 60'000, 10, {}, 2).value();
  ASSERT_EQ(claimed.size(), 1U);
  const std::int64_t id = claimed[0].delivery.id;
  // Leased: no other node gets it until the lease lapses.
  EXPECT_TRUE(store_->claimDueDeliveries("node-b", t0 + 59'000, 60'000, 10, {}, 2).value().empty());
  const auto taken_over = store_->claimDueDeliveries("node-b", t0 + 60'000, 60'000, 10, {}, 2);
  ASSERT_EQ(taken_over.value().size(), 1U);
  // Node a stalled past its lease: its late record must not override node b's attempt.
  DeliveryAttempt attempt{1, "2026-03-27T08:31:01.000Z", 500, 3, "HTTP 500", ""};
  const AttemptOutcome retry{AttemptOutcome::Kind::Retry, t0 + 70'000, ""};
  const auto late = store_->recordAttempt("node-a", id, attempt, retry, t0 + 61'000);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::Conflict);
  attempt.status_code = 200;
  attempt.error.clear();
  ASSERT_TRUE(store_
                  ->recordAttempt("node-b", id, attempt, {AttemptOutcome::Kind::Delivered, 0, ""},
                                  t0 + 61'000)
                  .ok());
  const auto delivery = store_->findDelivery(tenant.id, "whk_1", id).value();
  ASSERT_TRUE(delivery.has_value());
  EXPECT_EQ(delivery->state, "delivered");
  ASSERT_EQ(delivery->attempts.size(), 1U);
  EXPECT_EQ(delivery->attempts[0].status_code, 200);
}

TEST_F(SqlStoreTest, IngestIsIdempotentAndQueuesDeliveriesInTheSameTransaction) {
  const auto tenant = store_->createTenant("Acme").value();
  const auto site = store_->createSite(tenant.id, "plant-7").value();
  ASSERT_TRUE(addEndpoint(tenant.id, "we_1", R"(["attendance.punch"])"));
  const auto first =
      store_
          ->ingest(site, batch("plant-7", json::array({punchJson(kHexA), punchJson(kHexB)})), now())
          .value();
  EXPECT_EQ(first.stored_new, 2U);
  EXPECT_EQ(first.acked.size(), 2U);
  EXPECT_EQ(first.deliveries_queued, 2U);
  const auto replay =
      store_->ingest(site, batch("plant-7", json::array({punchJson(kHexA)})), now()).value();
  EXPECT_EQ(replay.stored_new, 0U);
  EXPECT_EQ(replay.acked.size(), 1U);  // acked again: the agent must stop sending it
  EXPECT_EQ(replay.deliveries_queued, 0U);
  EXPECT_EQ(store_->countPunches(tenant.id).value(), 2);
  EXPECT_EQ(store_->countQueuedDeliveries(tenant.id).value(), 2);
}

TEST_F(SqlStoreTest, CommandOutcomesAndDeviceStatusChangesBecomeEvents) {
  const auto tenant = store_->createTenant("Acme").value();
  const auto site = store_->createSite(tenant.id, "plant-7").value();
  ASSERT_TRUE(addEndpoint(tenant.id, "whk_1", "[]"));
  ASSERT_TRUE(store_->upsertUser({tenant.id, "EMP_9", "Nina", "", 0, 0, 1, "", ""}).ok());
  for (const auto& [id, type] : {std::pair{"cmd_ok", "enroll_user"}, {"cmd_bad", "delete_user"}}) {
    CommandRecord command;
    command.id = id;
    command.tenant_id = tenant.id;
    command.site_id = "plant-7";
    command.device_serial = "SN1";
    command.type = type;
    command.user_id = "EMP_9";
    command.payload = "{}";
    command.state = "sent";
    ASSERT_TRUE(store_->createCommand(command).ok());
  }
  ASSERT_TRUE(store_->updateCommand("plant-7", "cmd_ok", "succeeded", "", "").ok());
  ASSERT_TRUE(
      store_->updateCommand("plant-7", "cmd_bad", "failed", "user not on terminal", "").ok());
  ASSERT_TRUE(store_->updateCommand("plant-7", "cmd_ok", "succeeded", "", "").ok());  // again
  ASSERT_TRUE(store_->recordDeviceStatus(site, "SN1", "{}", true, now()).ok());
  ASSERT_TRUE(store_->recordDeviceStatus(site, "SN1", "{}", true, now()).ok());  // no change
  ASSERT_TRUE(store_->recordDeviceStatus(site, "SN1", "{}", false, now()).ok());

  DeliveryFilter all;
  all.limit = 100;
  std::map<std::string, json> bodies;
  const auto deliveries = store_->listDeliveries(tenant.id, "whk_1", all).value();
  for (const auto& delivery : deliveries) {
    EXPECT_EQ(bodies.count(delivery.event_type), 0U) << "one event each: " << delivery.event_type;
    bodies[delivery.event_type] = json::parse(delivery.body);
    EXPECT_EQ(bodies[delivery.event_type]["event_id"], delivery.event_id);
  }
  ASSERT_EQ(bodies.size(), 5U);
  EXPECT_EQ(bodies["command.succeeded"]["command"]["id"], "cmd_ok");
  EXPECT_EQ(bodies["command.succeeded"]["command"]["status"], "succeeded");
  EXPECT_EQ(bodies["command.failed"]["command"]["error"], "user not on terminal");
  EXPECT_EQ(bodies["user.enrolled"]["user"], (json{{"id", "EMP_9"}, {"name", "Nina"}}));
  EXPECT_EQ(bodies["user.enrolled"]["device"]["id"], "SN1");
  EXPECT_EQ(bodies["device.online"]["device"]["id"], "SN1");
  EXPECT_EQ(bodies["device.offline"]["event"], "device.offline");
  // Keys in the documented order: event, event_id, timestamp, then the details.
  const std::string raw = deliveries.front().body;
  EXPECT_EQ(raw.rfind(R"({"event":")", 0), 0U) << raw;
  EXPECT_LT(raw.find("\"event_id\""), raw.find("\"timestamp\"")) << raw;
}

TEST_F(SqlStoreTest, DevicesOfAnotherTenantAreRejected) {
  const auto acme = store_->createTenant("Acme").value();
  const auto globex = store_->createTenant("Globex").value();
  const auto acme_site = store_->createSite(acme.id, "acme-1").value();
  const auto globex_site = store_->createSite(globex.id, "globex-1").value();
  ASSERT_TRUE(
      store_->ingest(acme_site, batch("acme-1", json::array({punchJson(kHexA, "SN-ACME")})), now())
          .ok());
  const auto outcome =
      store_
          ->ingest(globex_site, batch("globex-1", json::array({punchJson(kHexB, "SN-ACME")})),
                   now())
          .value();
  EXPECT_EQ(outcome.stored_new, 0U);
  ASSERT_EQ(outcome.rejected.size(), 1U);
  EXPECT_NE(outcome.rejected[0].reason.find("another tenant"), std::string::npos);
  EXPECT_EQ(store_->countPunches(globex.id).value(), 0);
}

TEST_F(SqlStoreTest, SitesAreUniqueAndValidated) {
  const auto tenant = store_->createTenant("Acme").value();
  ASSERT_TRUE(store_->createSite(tenant.id, "plant-7").ok());
  EXPECT_EQ(store_->createSite(tenant.id, "plant-7").error().code, ErrorCode::Conflict);
  EXPECT_EQ(store_->createSite(tenant.id, "bad/site").error().code, ErrorCode::InvalidInput);
  EXPECT_EQ(store_->findSite("plant-7").value()->tenant_id, tenant.id);
  EXPECT_FALSE(store_->findSite("nope").value().has_value());
}

TEST_F(SqlStoreTest, AdminCommands) {
  std::ostringstream out;
  std::ostringstream err;
  ASSERT_EQ(runAdminCommand(*store_, {}, {"tenants", "create", "Acme"}, out, err), 0) << err.str();
  const std::string tenant_id = out.str().substr(0, out.str().find('\t'));
  out.str("");
  ASSERT_EQ(runAdminCommand(*store_, {},
                            {"keys", "create", "--tenant", tenant_id, "--label", "erp"}, out, err),
            0);
  EXPECT_NE(out.str().find("sk_live_"), std::string::npos);
  EXPECT_NE(out.str().find("shown only once"), std::string::npos);
  out.str("");
  ASSERT_EQ(
      runAdminCommand(*store_, {}, {"sites", "create", "--tenant", tenant_id, "plant-7"}, out, err),
      0);
  EXPECT_NE(out.str().find("mosquitto_passwd -b"), std::string::npos);
  EXPECT_NE(out.str().find("pattern readwrite punchlink/v1/sites/%u/#"), std::string::npos);
  out.str("");
  ASSERT_EQ(runAdminCommand(*store_, {}, {"tenants", "list"}, out, err), 0);
  EXPECT_NE(out.str().find("Acme"), std::string::npos);
  EXPECT_EQ(runAdminCommand(*store_, {}, {"keys", "create"}, out, err), 2);  // usage
  EXPECT_EQ(runAdminCommand(*store_, {}, {"keys", "create", "--tenant", "ten_nope"}, out, err), 1);
  EXPECT_NE(err.str().find("no tenant ten_nope"), std::string::npos);
}

}  // namespace
}  // namespace punchlink::relay
