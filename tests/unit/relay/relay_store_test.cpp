// The store's parts and the services above them (ingest, statuses, commands, tenancy) on a
// temporary database: SQLite, or PostgreSQL when PUNCHLINK_TEST_STORAGE=postgres.
#include "admin/admin_cli.hpp"
#include "commands/command_tracker.hpp"
#include "ingest/punch_ingest.hpp"
#include "ingest/status_ingest.hpp"
#include "store/migrations.hpp"
#include "store/sql_database.hpp"
#include "store/sql_dialect.hpp"
#include "store/sql_endpoint_rows.hpp"
#include "store/store.hpp"
#include "tenancy/tenancy.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/testing/manual_clock.hpp>
#include <punchlink/testing/postgres_server.hpp>
#include <punchlink/testing/punch_ids.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

namespace punchlink::relay {
namespace {

using nlohmann::json;

// The n-th punch of EMP_001 on `serial`, with the id the relay derives for it.
json punchJson(int n, const std::string& serial = "SN1") {
  const std::string local_time = testing::nthLocalTime(n);
  return {{"event_id", testing::punchEventId(serial, "EMP_001", local_time)},
          {"device_serial", serial},
          {"device_name", "door-1"},
          {"user_id", "EMP_001"},
          {"timestamp", "2026-03-27T08:30:12Z"},
          {"local_time", local_time},
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

const std::string kHexA = "aaaaaaaaaaaaaaaaaaaaaaaa";  // an id stored by hand, not by ingest

class SqlStoreTest : public ::testing::Test {
 protected:
  static constexpr std::size_t kConnections = 4;

  void SetUp() override {
    clock_.setWall(parseRfc3339("2026-03-27T08:31:00Z").value());
    // Every test runs with a pool (PostgreSQL), as the relay does; SQLite keeps one connection.
    auto store = openStore(storage_.location(), clock_, kConnections);
    ASSERT_TRUE(store.ok());
    store_ = std::move(store.value());
    ASSERT_TRUE(store_->migrate().ok());
    ASSERT_TRUE(store_->migrate().ok());  // idempotent
    Store& s = *store_;
    punches_ = std::make_unique<PunchIngest>(PunchIngestParts{
        s.unitOfWork(), s.sightings(), s.punches(), s.deviceEvents(), s.users(), s.outbox()});
    statuses_ = std::make_unique<StatusIngest>(StatusIngestParts{
        s.unitOfWork(), s.tenants(), s.sightings(), s.punches(), s.deviceEvents(), s.outbox()});
    tracker_ =
        std::make_unique<CommandTracker>(s.unitOfWork(), s.commands(), s.users(), s.outbox());
  }

  Tenant tenant(const std::string& name) {
    return tenancy::createTenant(store_->tenants(), name).value();
  }

  Site site(const std::string& tenant_id, const std::string& id) {
    return tenancy::createSite(store_->tenants(), tenant_id, id).value();
  }

  contract::PunchBatch batch(const std::string& site, const json& punches) {
    return contract::decodePunchBatch(batchJson(site, punches), site).value();
  }

  Result<IngestOutcome> ingest(const Site& at, const json& punches) {
    return punches_->ingest(at, batch(at.id, punches), now());
  }

  Status deviceStatus(const Site& at, const std::string& serial, bool online) {
    contract::DeviceStatus status;
    status.serial = serial;
    status.online = online;
    return statuses_->recordDeviceStatus(at, status, now());
  }

  // A webhook endpoint of `tenant` subscribed to `events` (a JSON array; empty: all).
  bool addEndpoint(const std::string& tenant_id, const std::string& id, const std::string& events) {
    WebhookEndpoint endpoint;
    endpoint.id = id;
    endpoint.tenant_id = tenant_id;
    endpoint.url = "https://example.invalid/hook";
    endpoint.secret = "whsec_x";
    endpoint.events = events;
    endpoint.created_at = endpoint.updated_at = now();
    return store_->endpoints().createEndpoint(endpoint).ok();
  }

  UtcMillis now() const {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now());
  }

  testing::TempDir dir_;
  testing::RelayStorage storage_{dir_};
  testing::ManualClock clock_;
  StorePtr store_;
  std::unique_ptr<PunchIngest> punches_;
  std::unique_ptr<StatusIngest> statuses_;
  std::unique_ptr<CommandTracker> tracker_;
};

// A database as a relay of migration `last` left it: the first `last` migrations applied, as
// the store applies them, and recorded.
void applyMigrationsUpTo(sql::Database& db, std::size_t last) {
  ASSERT_TRUE(db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                      "applied_at TEXT NOT NULL)")
                  .ok());
  const auto all = sql::migrations();
  for (std::size_t i = 0; i < last; ++i) {
    const std::string ddl = db.dialect() != sql::Dialect::Postgres ? std::string(all[i].sql)
                            : all[i].postgres_sql.empty()          ? sql::postgresSchema(all[i].sql)
                                                          : std::string(all[i].postgres_sql);
    ASSERT_TRUE(db.exec(ddl).ok()) << all[i].file;
    ASSERT_TRUE(db.run("INSERT INTO schema_migrations VALUES (?, '2026-01-01T00:00:00Z')",
                       static_cast<std::int64_t>(i + 1))
                    .ok());
  }
}

TEST(Migrations, AreNumberedFromOneWithoutGaps) {
  const auto all = sql::migrations();
  ASSERT_FALSE(all.empty());
  for (std::size_t i = 0; i < all.size(); ++i) {
    std::string prefix = std::to_string(i + 1) + "_";
    prefix.insert(0, 5 - prefix.size(), '0');
    EXPECT_EQ(all[i].file.substr(0, 5), prefix) << all[i].file;
    EXPECT_FALSE(all[i].sql.empty()) << all[i].file;
  }
}

// A database made by the relay before migration 7 (keys across tenants): its rows survive the
// change of keys, on both engines.
TEST(Migrations, PerTenantKeysKeepEveryRowOfAnOlderDatabase) {
  testing::TempDir dir;
  testing::RelayStorage storage{dir};
  {
    auto db = sql::open(storage.location()).value();
    applyMigrationsUpTo(*db, 6);
    for (const char* sql :
         {"INSERT INTO tenants VALUES ('ten_a', 'Acme', '2026-01-01T00:00:00Z')",
          "INSERT INTO devices(serial, tenant_id, site_id, name, registration, created_at) "
          "VALUES ('SN1', 'ten_a', 'plant-1', 'door', 'registered', '2026-01-01T00:00:00Z')",
          "INSERT INTO punches(event_id, tenant_id, site_id, device_serial, user_id, timestamp, "
          "payload, received_at) VALUES ('evt_1', 'ten_a', 'plant-1', 'SN1', 'E1', "
          "'2026-01-01T08:00:00Z', '{}', '2026-01-01T08:00:01Z')",
          "INSERT INTO events VALUES ('evt_2', 'ten_a', 'device.online', '{}', "
          "'2026-01-01T08:00:00Z')"}) {
      ASSERT_TRUE(db->exec(sql).ok()) << sql;
    }
  }
  testing::ManualClock clock;
  auto store = openStore(storage.location(), clock).value();
  ASSERT_TRUE(store->migrate().ok());
  EXPECT_EQ(store->punches().countPunches("ten_a").value(), 1);
  const auto device = store->devices().findDevice("ten_a", "SN1").value();
  ASSERT_TRUE(device.has_value());
  EXPECT_EQ(device->name, "door");
  // The same serial and punch id in another tenant are that tenant's own now.
  auto db = sql::open(storage.location()).value();
  ASSERT_TRUE(
      db->exec("INSERT INTO tenants VALUES ('ten_b', 'Globex', '2026-01-02T00:00:00Z')").ok());
  EXPECT_TRUE(db->exec("INSERT INTO devices(serial, tenant_id, registration, created_at) VALUES "
                       "('SN1', 'ten_b', 'pending', '2026-01-02T00:00:00Z')")
                  .ok());
  EXPECT_TRUE(db->exec("INSERT INTO punches(event_id, tenant_id, site_id, device_serial, user_id, "
                       "timestamp, payload, received_at) VALUES ('evt_1', 'ten_b', 'b', 'SN1', "
                       "'E1', 't', '{}', 't')")
                  .ok());
  EXPECT_FALSE(db->exec("INSERT INTO punches(event_id, tenant_id, site_id, device_serial, "
                        "user_id, timestamp, payload, received_at) VALUES ('evt_1', 'ten_a', 'a', "
                        "'SN1', 'E1', 't', '{}', 't')")
                   .ok());
  // New punches still number after the old ones (keyset cursors stay ordered).
  auto seqs = db->prepare("SELECT seq FROM punches ORDER BY seq")
                  .value()
                  .all([](sql::Statement& row) { return row.integer(0); })
                  .value();
  ASSERT_EQ(seqs.size(), 2U);
  EXPECT_LT(seqs[0], seqs[1]);
}

// Punches stored before migration 9 had no local_time column: they count towards their
// terminal's records by the local time their payload carries, or a clear would stay refused.
TEST(Migrations, PunchesStoredBeforeLocalTimesCountByTheTerminalsClock) {
  testing::TempDir dir;
  testing::RelayStorage storage{dir};
  {
    auto db = sql::open(storage.location()).value();
    applyMigrationsUpTo(*db, 8);
    ASSERT_TRUE(
        db->exec("INSERT INTO tenants VALUES ('ten_a', 'Acme', '2026-01-01T00:00:00Z')").ok());
    for (const char* sql :
         {"INSERT INTO punches(event_id, tenant_id, site_id, device_serial, user_id, timestamp, "
          "payload, received_at) VALUES ('evt_1', 'ten_a', 'plant-1', 'SN1', 'E1', "
          "'2026-01-01T08:00:00Z', '{\"event_id\":\"evt_1\",\"local_time\":\"2026-01-01 "
          "09:00:00\"}', '2026-01-01T08:00:01Z')",
          "INSERT INTO punches(event_id, tenant_id, site_id, device_serial, user_id, timestamp, "
          "payload, received_at) VALUES ('evt_2', 'ten_a', 'plant-1', 'SN1', 'E1', "
          "'2026-01-01T08:00:00Z', 'not json', '2026-01-01T08:00:01Z')"}) {
      ASSERT_TRUE(db->exec(sql).ok()) << sql;
    }
  }
  testing::ManualClock clock;
  auto store = openStore(storage.location(), clock).value();
  ASSERT_TRUE(store->migrate().ok());
  EXPECT_EQ(store->punches()
                .countDevicePunches("ten_a", "SN1", "2026-01-01 00:00:00", "2026-01-01 23:59:59")
                .value(),
            1);
  EXPECT_EQ(store->punches().countPunches("ten_a").value(), 2);  // the other one is still kept
}

// A claim reads each endpoint's due deliveries straight from an index in (due_ms, id) order:
// no sort of the whole backlog, so it costs the same with millions pending as with none.
TEST(DeliveryClaims, ReadTheDueIndexInOrderWithoutSorting) {
  testing::TempDir dir;
  testing::RelayStorage storage{dir};
  testing::ManualClock clock;
  ASSERT_TRUE(openStore(storage.location(), clock).value()->migrate().ok());
  auto db = sql::open(storage.location()).value();
  const bool postgres = db->dialect() == sql::Dialect::Postgres;
  if (postgres) {
    // Its tables are empty here; without this the planner scans them whole, as it should.
    ASSERT_TRUE(db->exec("SET enable_seqscan = off").ok());
  }
  for (const auto where : {sql_rows::kClaimLapsed, sql_rows::kClaimQueued}) {
    const std::string sql = (postgres ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") +
                            std::string(sql_rows::kSelectDeliveries) + std::string(where);
    auto plan = db->query(sql, std::string("whk_1"), std::int64_t{0}, std::int64_t{8})
                    .value()
                    .all([&](sql::Statement& row) { return row.text(postgres ? 0 : 3); })
                    .value();
    std::string text;
    for (const auto& line : plan) {
      text += line + "\n";
    }
    EXPECT_NE(text.find("deliveries_by_endpoint_due"), std::string::npos) << where << "\n" << text;
    EXPECT_EQ(text.find(postgres ? "Sort" : "TEMP B-TREE"), std::string::npos) << where << "\n"
                                                                               << text;
  }
}

TEST_F(SqlStoreTest, KeysAreStoredAsHashesAndCanBeRevoked) {
  const auto acme = tenant("Acme");
  ApiKeys& keys = store_->apiKeys();
  const auto key =
      tenancy::createApiKey(store_->tenants(), keys, acme.id, true, "erp", now(), 10).value();
  EXPECT_EQ(key.secret.rfind("sk_live_", 0), 0U);
  EXPECT_EQ(tenancy::createApiKey(store_->tenants(), keys, acme.id, false, "", now(), 10)
                .value()
                .secret.rfind("sk_test_", 0),
            0U);
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
  auto found = tenancy::authenticate(keys, key.secret).value();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->tenant_id, acme.id);
  EXPECT_FALSE(tenancy::authenticate(keys, key.secret + "x").value().has_value());
  ASSERT_TRUE(keys.revokeApiKey(key.info.id, now()).ok());
  EXPECT_FALSE(tenancy::authenticate(keys, key.secret).value().has_value());
  EXPECT_FALSE(keys.revokeApiKey(key.info.id, now()).ok());
  EXPECT_EQ(
      tenancy::createApiKey(store_->tenants(), keys, "ten_nope", true, "", now(), 10).error().code,
      ErrorCode::NotFound);
}

TEST_F(SqlStoreTest, CarriesOnAfterTheDatabaseRestarts) {
  if (!storage_.postgres()) {
    GTEST_SKIP() << "a SQLite file has no server to restart";
  }
  const auto acme = tenant("Acme");
  storage_.server()->restart();
  // The first call may find the connection gone (and says so); the store reconnects for the
  // next one, and nothing stored before is lost.
  auto found = store_->tenants().findTenant(acme.id);
  if (!found) {
    EXPECT_EQ(found.error().code, ErrorCode::Unavailable) << found.error().toString();
    found = store_->tenants().findTenant(acme.id);
  }
  ASSERT_TRUE(found.ok()) << found.error().toString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name, "Acme");
  EXPECT_TRUE(tenancy::createTenant(store_->tenants(), "Globex").ok());
}

TEST_F(SqlStoreTest, APageWaitsForPunchesWhoseSeqWasTakenBeforeItsOwn) {
  if (!storage_.postgres()) {
    GTEST_SKIP() << "one SQLite writer commits in seq order";
  }
  const auto acme = tenant("Acme");
  const auto plant = site(acme.id, "plant-7");
  // Another node's ingest takes seq 1 and has not committed yet...
  auto other = sql::open(storage_.location()).value();
  std::future<Result<std::vector<StoredPunch>>> page;
  ASSERT_TRUE(other
                  ->transaction([&]() -> Status {
                    if (auto appending = other->appendingRows(); !appending) {
                      return appending;
                    }
                    auto insert = other->prepare(
                        "INSERT INTO punches(event_id, tenant_id, site_id, device_serial, user_id, "
                        "timestamp, payload, received_at) VALUES (?, ?, 'plant-7', 'SN1', 'EMP_1', "
                        "'2026-03-27T08:30:12Z', '{}', '2026-03-27T08:30:12Z')");
                    insert->bind(1, "evt_" + kHexA).bind(2, acme.id);
                    if (auto done = insert->run(); !done) {
                      return done;
                    }
                    // ...while this node stores seq 2 and a client reads a page.
                    EXPECT_TRUE(ingest(plant, json::array({punchJson(2)})).ok());
                    page = std::async(std::launch::async, [&] {
                      return store_->punches().listPunches(acme.id, PunchFilter{});
                    });
                    // Returning now would show seq 2 without seq 1: a cursor past 2 would skip 1
                    // for good. The page waits for the other transaction instead.
                    EXPECT_EQ(page.wait_for(std::chrono::milliseconds{500}),
                              std::future_status::timeout);
                    return {};
                  })
                  .ok());
  const auto rows = page.get().value();
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_LT(rows[0].seq, rows[1].seq);
}

TEST_F(SqlStoreTest, DeliveriesAreLeasedToOneNodeAndOnlyItRecordsTheOutcome) {
  using std::chrono::milliseconds;
  const auto acme = tenant("Acme");
  const auto plant = site(acme.id, "plant-7");
  ASSERT_TRUE(addEndpoint(acme.id, "whk_1", "[]"));
  ASSERT_TRUE(ingest(plant, json::array({punchJson(1)})).ok());
  DeliveryQueue& queue = store_->deliveryQueue();
  const UtcMillis t0 = now() + milliseconds{1000};
  const milliseconds lease{60'000};
  const auto claimed = queue.claimDue("node-a", t0, lease, 10, {}, 2).value();
  ASSERT_EQ(claimed.size(), 1U);
  const std::int64_t id = claimed[0].delivery.id;
  // Leased: no other node gets it until the lease lapses.
  EXPECT_TRUE(
      queue.claimDue("node-b", t0 + milliseconds{59'000}, lease, 10, {}, 2).value().empty());
  const auto taken_over = queue.claimDue("node-b", t0 + lease, lease, 10, {}, 2);
  ASSERT_EQ(taken_over.value().size(), 1U);
  // Node a stalled past its lease: its late record must not override node b's attempt.
  DeliveryAttempt attempt{1, t0 + milliseconds{1000}, 500, 3, "HTTP 500", ""};
  const AttemptOutcome retry{AttemptOutcome::Kind::Retry, t0 + milliseconds{70'000}, ""};
  const auto late =
      queue.recordAttempt("node-a", id, "whk_1", attempt, retry, t0 + milliseconds{61'000});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::Conflict);
  attempt.status_code = 200;
  attempt.error.clear();
  ASSERT_TRUE(queue
                  .recordAttempt("node-b", id, "whk_1", attempt,
                                 {AttemptOutcome::Kind::Delivered, {}, ""},
                                 t0 + milliseconds{61'000})
                  .ok());
  const auto delivery = store_->deliveryLog().findDelivery(acme.id, "whk_1", id).value();
  ASSERT_TRUE(delivery.has_value());
  EXPECT_EQ(delivery->state, "delivered");
  ASSERT_EQ(delivery->attempts.size(), 1U);
  EXPECT_EQ(delivery->attempts[0].status_code, 200);
  EXPECT_EQ(delivery->attempts[0].at, attempt.at);
  EXPECT_EQ(delivery->delivered_at, attempt.at);
}

TEST_F(SqlStoreTest, OutcomesRecordedInOneBatchAreEachAppliedOrRefusedOnTheirOwn) {
  using std::chrono::milliseconds;
  const auto acme = tenant("Acme");
  const auto plant = site(acme.id, "plant-7");
  ASSERT_TRUE(addEndpoint(acme.id, "whk_1", "[]"));
  ASSERT_TRUE(ingest(plant, json::array({punchJson(1), punchJson(2), punchJson(3)})).ok());
  DeliveryQueue& queue = store_->deliveryQueue();
  const UtcMillis t0 = now() + milliseconds{1000};
  const auto claimed = queue.claimDue("node-a", t0, milliseconds{60'000}, 10, {}, 3).value();
  ASSERT_EQ(claimed.size(), 3U);
  const auto at = t0 + milliseconds{10};
  const DeliveryAttempt failed{1, at, 500, 3, "HTTP 500", "busy"};
  const DeliveryAttempt ok{1, at, 200, 2, "", ""};
  const AttemptOutcome retry{AttemptOutcome::Kind::Retry, t0 + milliseconds{5000}, ""};
  const AttemptOutcome delivered{AttemptOutcome::Kind::Delivered, {}, ""};
  const std::vector<AttemptRecord> batch{
      {claimed[0].delivery.id, "whk_1", failed, retry},
      // The same delivery again: no longer leased once the first record is applied.
      {claimed[0].delivery.id, "whk_1", ok, delivered},
      {claimed[1].delivery.id, "whk_1", ok, delivered},
      // Leased by nobody: refused, and the rest of the batch stays.
      {999'999, "whk_1", ok, delivered},
  };
  const auto statuses = queue.recordAttempts("node-a", batch, at).value();
  ASSERT_EQ(statuses.size(), 4U);
  EXPECT_TRUE(statuses[0].ok());
  ASSERT_FALSE(statuses[1].ok());
  EXPECT_EQ(statuses[1].error().code, ErrorCode::Conflict);
  EXPECT_TRUE(statuses[2].ok());
  ASSERT_FALSE(statuses[3].ok());
  EXPECT_EQ(statuses[3].error().code, ErrorCode::Conflict);
  auto& log = store_->deliveryLog();
  const auto first = log.findDelivery(acme.id, "whk_1", claimed[0].delivery.id).value();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->state, "queued");
  ASSERT_EQ(first->attempts.size(), 1U);
  EXPECT_EQ(first->attempts[0].status_code, 500);
  EXPECT_EQ(log.findDelivery(acme.id, "whk_1", claimed[1].delivery.id).value()->state, "delivered");
  EXPECT_EQ(log.findDelivery(acme.id, "whk_1", claimed[2].delivery.id).value()->state,
            "delivering");

  // A failure after a delivery in the same batch starts a streak at the batch's time; a
  // delivery after a failure ends it.
  const auto failing = [&] {
    const auto again = queue.claimDue("probe", t0 + milliseconds{6000}, milliseconds{1}, 1, {}, 1);
    EXPECT_EQ(again.value().size(), 1U);
    (void)queue.releaseLeases("probe");
    return again.value().at(0).endpoint.failing_since;
  };
  EXPECT_FALSE(failing().has_value());
  const DeliveryAttempt failed_again{1, at, 503, 1, "HTTP 503", ""};
  ASSERT_TRUE(queue
                  .recordAttempts("node-a",
                                  {{claimed[2].delivery.id, "whk_1", failed_again, retry}},
                                  at + milliseconds{20})
                  .value()
                  .front()
                  .ok());
  EXPECT_EQ(failing(), at + milliseconds{20});
}

TEST_F(SqlStoreTest, ThreadsOverlapTheirTransactionsOverThePool) {
  if (!storage_.postgres()) {
    EXPECT_EQ(store_->connections(), 1U);  // one writer at a time anyway
    GTEST_SKIP() << "SQLite has one connection";
  }
  ASSERT_EQ(store_->connections(), kConnections);
  const auto acme = tenant("Acme");
  const auto plant = site(acme.id, "plant-7");
  std::mutex mutex;
  std::condition_variable changed;
  bool open = false;
  bool other_done = false;
  std::thread other([&] {
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return open; });
    }
    // Another thread's commit while the first transaction is still open: its own connection.
    (void)tenant("Globex");
    const std::lock_guard lock(mutex);
    other_done = true;
    changed.notify_all();
  });
  const Status done = store_->unitOfWork().transaction(
      [&]() -> Status {
        // A part called inside the transaction joins it on this thread's connection.
        EXPECT_TRUE(ingest(plant, json::array({punchJson(1)})).ok());
        std::unique_lock lock(mutex);
        open = true;
        changed.notify_all();
        EXPECT_TRUE(changed.wait_for(lock, std::chrono::seconds{10}, [&] { return other_done; }))
            << "the other thread waited for this transaction to end";
        return {};
      },
      Durability::Full);
  other.join();
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(store_->punches().countPunches(acme.id).value(), 1);
  EXPECT_EQ(store_->tenants().listTenants().value().size(), 2U);
}

TEST_F(SqlStoreTest, IngestIsIdempotentAndQueuesDeliveriesInTheSameTransaction) {
  const auto acme = tenant("Acme");
  const auto plant = site(acme.id, "plant-7");
  ASSERT_TRUE(addEndpoint(acme.id, "we_1", R"(["attendance.punch"])"));
  const auto first = ingest(plant, json::array({punchJson(1), punchJson(2)})).value();
  EXPECT_EQ(first.stored_new, 2U);
  EXPECT_EQ(first.acked.size(), 2U);
  EXPECT_EQ(first.deliveries_queued, 2U);
  const auto replay = ingest(plant, json::array({punchJson(1)})).value();
  EXPECT_EQ(replay.stored_new, 0U);
  EXPECT_EQ(replay.acked.size(), 1U);  // acked again: the agent must stop sending it
  EXPECT_EQ(replay.deliveries_queued, 0U);
  EXPECT_EQ(store_->punches().countPunches(acme.id).value(), 2);
  EXPECT_EQ(store_->deliveryLog().countDeliveries(acme.id).value(), 2);
}

TEST_F(SqlStoreTest, AFailedIngestStoresNothingOfTheBatch) {
  const auto acme = tenant("Acme");
  const auto plant = site(acme.id, "plant-7");
  ASSERT_TRUE(addEndpoint(acme.id, "we_1", "[]"));
  // The second punch cannot be stored (PostgreSQL refuses NUL in text, SQLite a NULL user):
  // the first, already inserted in the same transaction, must go with it.
  auto good = batch("plant-7", json::array({punchJson(1), punchJson(2)}));
  good.punches[1].payload = std::string("{\0}", 3);
  good.punches[1].punch.user_id = std::string("EMP\0", 4);
  const auto outcome = punches_->ingest(plant, good, now());
  if (outcome) {
    GTEST_SKIP() << "this database stores the bytes as they are";
  }
  EXPECT_EQ(store_->punches().countPunches(acme.id).value(), 0);
  EXPECT_EQ(store_->deliveryLog().countDeliveries(acme.id).value(), 0);
}

TEST_F(SqlStoreTest, CommandOutcomesAndDeviceStatusChangesBecomeEvents) {
  const auto acme = tenant("Acme");
  const auto plant = site(acme.id, "plant-7");
  ASSERT_TRUE(addEndpoint(acme.id, "whk_1", "[]"));
  ASSERT_TRUE(store_->users().upsertUser({acme.id, "EMP_9", "Nina", "", 0, 0, 1}, now()).ok());
  for (const auto& [id, type] : {std::pair{"cmd_ok", "enroll_user"}, {"cmd_bad", "delete_user"}}) {
    CommandRecord command;
    command.id = id;
    command.tenant_id = acme.id;
    command.site_id = "plant-7";
    command.device_serial = "SN1";
    command.type = type;
    command.user_id = "EMP_9";
    command.payload = "{}";
    command.state = "sent";
    command.created_at = command.updated_at = now();
    ASSERT_TRUE(store_->commands().createCommand(command).ok());
  }
  ASSERT_TRUE(tracker_->transition("plant-7", "cmd_ok", "succeeded", "", "", now()).ok());
  ASSERT_TRUE(
      tracker_->transition("plant-7", "cmd_bad", "failed", "user not on terminal", "", now()).ok());
  ASSERT_TRUE(tracker_->transition("plant-7", "cmd_ok", "succeeded", "", "", now()).ok());  // again
  ASSERT_TRUE(deviceStatus(plant, "SN1", true).ok());
  ASSERT_TRUE(deviceStatus(plant, "SN1", true).ok());  // no change
  ASSERT_TRUE(deviceStatus(plant, "SN1", false).ok());

  DeliveryFilter all;
  all.limit = 100;
  std::map<std::string, json> bodies;
  const auto deliveries = store_->deliveryLog().listDeliveries(acme.id, "whk_1", all).value();
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

TEST_F(SqlStoreTest, AnAgentThatGoesAwayTakesItsOnlineTerminalsOfflineOnce) {
  const auto acme = tenant("Acme");
  const auto plant = site(acme.id, "plant-7");
  ASSERT_TRUE(addEndpoint(acme.id, "whk_1", R"(["device.offline"])"));
  ASSERT_TRUE(deviceStatus(plant, "SN1", true).ok());
  ASSERT_TRUE(deviceStatus(plant, "SN2", false).ok());
  contract::AgentStatus gone;
  gone.site_id = "plant-7";
  gone.reason = "connection lost";
  ASSERT_TRUE(statuses_->recordAgentStatus(plant, gone, now()).ok());
  ASSERT_TRUE(statuses_->recordAgentStatus(plant, gone, now()).ok());  // the will, retained
  const auto deliveries =
      store_->deliveryLog().listDeliveries(acme.id, "whk_1", DeliveryFilter{}).value();
  ASSERT_EQ(deliveries.size(), 1U);
  EXPECT_EQ(json::parse(deliveries[0].body)["device"]["id"], "SN1");
  EXPECT_FALSE(store_->devices().findDevice(acme.id, "SN1").value()->online);
}

TEST_F(SqlStoreTest, SerialsAndPunchIdsArePerTenant) {
  const auto acme = tenant("Acme");
  const auto globex = tenant("Globex");
  const auto acme_site = site(acme.id, "acme-1");
  const auto globex_site = site(globex.id, "globex-1");
  ASSERT_TRUE(addEndpoint(acme.id, "whk_acme", "[]"));
  // Globex squats Acme's serial and replays Acme's punch ids (they are predictable) before
  // Acme's terminal sends them.
  ASSERT_TRUE(store_->devices().registerDevice(globex.id, "SN-ACME", "squatted", "").ok());
  ASSERT_TRUE(
      ingest(globex_site, json::array({punchJson(1, "SN-ACME"), punchJson(2, "SN-ACME")})).ok());
  ASSERT_TRUE(deviceStatus(globex_site, "SN-ACME", true).ok());
  // Acme's punches are still new to Acme: stored, acked, delivered.
  const auto outcome =
      ingest(acme_site, json::array({punchJson(1, "SN-ACME"), punchJson(2, "SN-ACME")})).value();
  EXPECT_EQ(outcome.stored_new, 2U);
  EXPECT_TRUE(outcome.rejected.empty());
  EXPECT_EQ(outcome.deliveries_queued, 2U);
  EXPECT_EQ(store_->punches().countPunches(acme.id).value(), 2);
  // Acme's device is its own: pending, offline, at its site; registering it is no conflict.
  const auto device = store_->devices().findDevice(acme.id, "SN-ACME").value();
  ASSERT_TRUE(device.has_value());
  EXPECT_FALSE(device->online);
  EXPECT_EQ(device->site_id, "acme-1");
  EXPECT_EQ(device->registration, "pending");
  EXPECT_TRUE(store_->devices().registerDevice(acme.id, "SN-ACME", "door", "").ok());
  EXPECT_EQ(store_->devices().registerDevice(acme.id, "SN-ACME", "door", "").error().code,
            ErrorCode::Conflict);  // only its own registration counts
  EXPECT_EQ(store_->devices().findDevice(globex.id, "SN-ACME").value()->name, "squatted");
}

TEST_F(SqlStoreTest, ATerminalStaysWithItsSiteUntilReleased) {
  const Tenant acme = tenant("Acme");
  const Site plant = site(acme.id, "plant-1");
  const Site office = site(acme.id, "office");
  ASSERT_TRUE(deviceStatus(plant, "SN-1", true).ok());
  // Another site of the same tenant reporting that serial would take its commands.
  const Status hijack = deviceStatus(office, "SN-1", false);
  ASSERT_FALSE(hijack.ok());
  EXPECT_EQ(hijack.error().code, ErrorCode::Conflict);
  EXPECT_NE(hijack.error().toString().find("belongs to site plant-1"), std::string::npos);
  auto device = store_->sightings().find(acme.id, "SN-1").value();
  ASSERT_TRUE(device.has_value());
  EXPECT_EQ(device->site_id, "plant-1");
  EXPECT_TRUE(device->online);  // the refused report changed nothing
  // Released by the operator, it joins the next site that reports it.
  ASSERT_TRUE(
      store_->devices().updateDevice(acme.id, "SN-1", {std::nullopt, std::nullopt, ""}).ok());
  ASSERT_TRUE(deviceStatus(office, "SN-1", true).ok());
  EXPECT_EQ(store_->sightings().find(acme.id, "SN-1").value()->site_id, "office");
  EXPECT_FALSE(deviceStatus(plant, "SN-1", true).ok());
}

// Nor may it put punches under the other site's terminal: they are neither stored nor acked
// (the agent keeps them), and are taken once the terminal is released to that site.
TEST_F(SqlStoreTest, PunchesForAnotherSitesTerminalWaitUntilItIsReleased) {
  const Tenant acme = tenant("Acme");
  const Site plant = site(acme.id, "plant-1");
  const Site office = site(acme.id, "office");
  ASSERT_TRUE(ingest(plant, json::array({punchJson(1, "SN-1")})).ok());
  const auto foreign = ingest(office, json::array({punchJson(2, "SN-1"), punchJson(3, "SN-2")}));
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(foreign->stored_new, 1U);  // SN-2 is new: the office's own
  EXPECT_EQ(foreign->acked.size(), 1U);
  EXPECT_TRUE(foreign->rejected.empty());
  ASSERT_EQ(foreign->withheld.size(), 1U);
  EXPECT_EQ(foreign->withheld.at("SN-1"), "plant-1");
  EXPECT_EQ(store_->punches().countPunches(acme.id).value(), 2);
  ASSERT_TRUE(
      store_->devices().updateDevice(acme.id, "SN-1", {std::nullopt, std::nullopt, ""}).ok());
  const auto moved = ingest(office, json::array({punchJson(2, "SN-1")}));
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->stored_new, 1U);
  EXPECT_TRUE(moved->withheld.empty());
}

TEST_F(SqlStoreTest, CommandsFinishedByAnOlderRelayAreRedactedBySweeps) {
  const Tenant acme = tenant("Acme");
  const Site plant = site(acme.id, "plant-1");
  const std::string whole =
      R"({"command_id":"cmd_old","device":"SN1","type":"enroll_user","params":{"user_id":"7",)"
      R"("password":"4711","card":987654,"templates":[{"index":0,"data":"U0VDUkVU"}]}})";
  // As an older relay left them: one finished with its payload whole, one still on its way.
  for (const auto& [id, state] : {std::pair{"cmd_old", "succeeded"}, {"cmd_live", "sent"}}) {
    CommandRecord command{id,    acme.id, plant.id, "SN1", "enroll_user", "7",
                          whole, state,   "",       "",    now(),         now()};
    ASSERT_TRUE(store_->commands().createCommand(command).ok());
  }
  EXPECT_EQ(tracker_->redactOlderPayloads(100).value(), 1U);
  const auto old = store_->commands().findCommand(acme.id, "cmd_old").value().value();
  for (const char* secret : {"4711", "987654", "U0VDUkVU"}) {
    EXPECT_EQ(old.payload.find(secret), std::string::npos) << old.payload;
  }
  // The one still running may be sent again, so it keeps everything; a second sweep has
  // nothing left to do.
  EXPECT_EQ(store_->commands().findCommand(acme.id, "cmd_live").value().value().payload, whole);
  EXPECT_EQ(tracker_->redactOlderPayloads(100).value(), 0U);
}

TEST_F(SqlStoreTest, SitesAreUniqueAndValidated) {
  const auto acme = tenant("Acme");
  Tenants& tenants = store_->tenants();
  ASSERT_TRUE(tenancy::createSite(tenants, acme.id, "plant-7").ok());
  EXPECT_EQ(tenancy::createSite(tenants, acme.id, "plant-7").error().code, ErrorCode::Conflict);
  EXPECT_EQ(tenancy::createSite(tenants, acme.id, "bad/site").error().code,
            ErrorCode::InvalidInput);
  EXPECT_EQ(tenancy::createSite(tenants, "ten_nope", "plant-8").error().code, ErrorCode::NotFound);
  // The relay's broker accounts (and so client ids) are not site names.
  for (const char* reserved : {"relay", "relay-2", "relay-a"}) {
    const auto refused = tenancy::createSite(tenants, acme.id, reserved);
    ASSERT_FALSE(refused.ok()) << reserved;
    EXPECT_EQ(refused.error().code, ErrorCode::InvalidInput);
    EXPECT_NE(refused.error().message.find("reserved"), std::string::npos);
  }
  EXPECT_TRUE(tenancy::createSite(tenants, acme.id, "relaystation").ok());
  EXPECT_EQ(tenants.findSite("plant-7").value()->tenant_id, acme.id);
  EXPECT_FALSE(tenants.findSite("nope").value().has_value());
}

// Two nodes (two stores on one database), eight requests at once: the cap holds exactly.
TEST_F(SqlStoreTest, AnEndpointCapHoldsUnderSimultaneousCreates) {
  const auto acme = tenant("Acme");
  auto second = std::move(openStore(storage_.location(), clock_).value());
  std::vector<std::future<bool>> creates;
  for (int i = 0; i < 8; ++i) {
    WebhookEndpoint endpoint;
    endpoint.id = "whk_" + std::to_string(i);
    endpoint.tenant_id = acme.id;
    endpoint.url = "https://example.invalid/hook";
    endpoint.secret = "whsec_x";
    endpoint.events = "[]";
    endpoint.created_at = endpoint.updated_at = now();
    Store& node = i % 2 == 0 ? *store_ : *second;
    creates.push_back(std::async(std::launch::async, [&node, endpoint] {
      return node.endpoints().createEndpointWithin(endpoint, 3).value();
    }));
  }
  int created = 0;
  for (auto& create : creates) {
    created += create.get() ? 1 : 0;
  }
  EXPECT_EQ(created, 3);
  EXPECT_EQ(store_->endpoints().listEndpoints(acme.id).value().size(), 3U);
}

TEST_F(SqlStoreTest, AdminCommands) {
  std::ostringstream out;
  std::ostringstream err;
  const auto run = [&](const std::vector<std::string>& args) {
    return runAdminCommand(*store_, {}, clock_, args, out, err);
  };
  ASSERT_EQ(run({"tenants", "create", "Acme"}), 0) << err.str();
  const std::string tenant_id = out.str().substr(0, out.str().find('\t'));
  out.str("");
  ASSERT_EQ(run({"keys", "create", "--tenant", tenant_id, "--label", "erp"}), 0);
  EXPECT_NE(out.str().find("sk_live_"), std::string::npos);
  EXPECT_NE(out.str().find("shown only once"), std::string::npos);
  out.str("");
  ASSERT_EQ(run({"sites", "create", "--tenant", tenant_id, "plant-7"}), 0);
  EXPECT_NE(out.str().find("mosquitto_passwd -b"), std::string::npos);
  EXPECT_NE(out.str().find("pattern readwrite punchlink/v1/sites/%u/#"), std::string::npos);
  out.str("");
  ASSERT_EQ(run({"tenants", "list"}), 0);
  EXPECT_NE(out.str().find("Acme\t2026-03-27T08:31:00Z"), std::string::npos) << out.str();
  EXPECT_EQ(run({"keys", "create"}), 2);  // usage
  EXPECT_EQ(run({"keys", "create", "--tenant", "ten_nope"}), 1);
  EXPECT_NE(err.str().find("no tenant ten_nope"), std::string::npos);
}

}  // namespace
}  // namespace punchlink::relay
