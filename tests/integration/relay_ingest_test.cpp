// punchlink-relay's ingest as operators run it: the admin CLI registers a tenant and a site, then
// `serve` takes the real agent's batches from a TLS Mosquitto, stores them once and acks them.
#include "relay_fixture.hpp"

#include <punchlink/common/mqtt_client.hpp>
#include <punchlink/common/sqlite_db.hpp>
#include <punchlink/testing/child_process.hpp>
#include <punchlink/testing/drip_client.hpp>
#include <punchlink/testing/eventually.hpp>
#include <punchlink/testing/http_client.hpp>
#include <punchlink/testing/mosquitto_fixture.hpp>
#include <punchlink/testing/ports.hpp>
#include <punchlink/testing/punch_ids.hpp>
#include <punchlink/testing/test_ca.hpp>
#include <punchlink/testing/zk_sim_process.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>
#include <thread>

#ifndef PUNCHLINK_AGENT
#error "PUNCHLINK_AGENT must name the agent binary"
#endif
#ifndef PUNCHLINK_RELAY
#error "PUNCHLINK_RELAY must name the relay binary"
#endif
#ifndef PUNCHLINK_ZK_SIM
#error "PUNCHLINK_ZK_SIM must name the zk-sim binary"
#endif
#ifndef PUNCHLINK_SEED_DIR
#error "PUNCHLINK_SEED_DIR must name tests/seed"
#endif

namespace punchlink::relay {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ChildProcess;
using testing::MosquittoFixture;
using testing::TempDir;
using testing::ZkSimProcess;

class RelayIngestTest : public RelayFixture {};

TEST_F(RelayIngestTest, AgentPunchesAreStoredOnceAndAcked) {
  createTenantAndSite("plant-1");
  auto relay = startRelay();
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "5", "--logs", "30", "--tz", "America/New_York"});
  auto agent = startAgent(sim);
  ASSERT_TRUE(waitForStored(30, 30s)) << logs();
  sim.punch("1002", 1);
  ASSERT_TRUE(waitForStored(31, 15s)) << logs();

  // The relay goes away (kill -9): punches wait at the agent, and arrive once it is back.
  relay->kill();
  for (int i = 0; i < 4; ++i) {
    sim.punch("1003", 0, 1, "2026-07-02 08:00:0" + std::to_string(i));
  }
  relay = startRelay();
  ASSERT_TRUE(waitForStored(35, 30s)) << logs();
  std::this_thread::sleep_for(3s);  // resends after ack_timeout must not add rows
  EXPECT_EQ(storedPunches(), 35);
  const json stats = health();
  EXPECT_EQ(stats["status"], "ok");
  EXPECT_EQ(stats["broker_connected"], true);
}

TEST_F(RelayIngestTest, UnregisteredSitesAreNotAckedUntilRegistered) {
  const std::string tenant = createTenantAndSite("plant-1");
  auto relay = startRelay();
  auto client = siteClient("plant-2", "site2-secret");
  std::mutex mutex;
  std::vector<json> acks;
  client->setMessageHandler([&](const mqtt_client::MqttMessage& message) {
    const std::lock_guard lock(mutex);
    acks.push_back(json::parse(message.payload));
  });
  ASSERT_TRUE(client->connect(10s).ok());
  ASSERT_TRUE(client->subscribe("punchlink/v1/sites/plant-2/acks", 1, 5s).ok());
  const std::string good_id = testing::punchEventId("SN-P2", "7", "2026-03-27 08:30:12");
  const json batch = {{"site_id", "plant-2"},
                      {"batch_id", "b-1"},
                      {"punches", json::array({{{"event_id", good_id},
                                                {"device_serial", "SN-P2"},
                                                {"user_id", "7"},
                                                {"timestamp", "2026-03-27T08:30:12Z"},
                                                {"local_time", "2026-03-27 08:30:12"}},
                                               {{"event_id", "evt_0123456789abcdef0123456X"},
                                                {"device_serial", "SN-P2"},
                                                {"user_id", "7"},
                                                {"timestamp", "2026-03-27T08:30:13Z"},
                                                {"local_time", "2026-03-27 08:30:13"}}})}};
  const auto publish = [&](const std::string& payload) {
    ASSERT_TRUE(
        client->publish({"punchlink/v1/sites/plant-2/punches", payload, 1, false, "", ""}, 5s)
            .ok());
  };
  publish(batch.dump());
  // Refused (counted) before anything could have been acked for it.
  ASSERT_TRUE(testing::eventually(
      [&] { return health()["ingest"]["batches_refused"].get<int>() >= 1; }, 10s))
      << logs();
  {
    const std::lock_guard lock(mutex);
    EXPECT_TRUE(acks.empty()) << "an unregistered site's punches must not be acked";
  }
  EXPECT_NE(testing::readFile(dir_.file("relay.log")).find("not registered"), std::string::npos);

  // Garbage on the topic is refused without harm.
  publish("{not json");
  publish(json{{"site_id", "plant-1"}, {"batch_id", "x"}, {"punches", json::array()}}.dump());

  const auto [code, out] = admin({"sites", "create", "--tenant", tenant, "plant-2"});
  ASSERT_EQ(code, 0) << out;
  // Acks received so far, once there are `count` of them or 10 s passed.
  const auto acks_when = [&](std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
      {
        const std::lock_guard lock(mutex);
        if (acks.size() >= count || std::chrono::steady_clock::now() > deadline) {
          return acks;
        }
      }
      std::this_thread::sleep_for(50ms);
    }
  };
  publish(batch.dump());
  auto received = acks_when(1);
  ASSERT_EQ(received.size(), 1U) << logs();
  EXPECT_EQ(received[0]["batch_id"], "b-1");
  EXPECT_EQ(received[0]["acked"], json::array({good_id}));
  ASSERT_EQ(received[0]["rejected"].size(), 1U);
  EXPECT_EQ(received[0]["rejected"][0]["event_id"], "evt_0123456789abcdef0123456X");
  EXPECT_EQ(storedPunches(), 1);
  EXPECT_EQ(health()["ingest"]["batches_refused"], 3);

  // The agent replays the same batch (say its ack was lost): acked again, nothing new stored.
  publish(batch.dump());
  received = acks_when(2);
  ASSERT_EQ(received.size(), 2U) << logs();
  EXPECT_EQ(received[1]["acked"], json::array({good_id}));
  EXPECT_EQ(storedPunches(), 1);
  EXPECT_EQ(health()["ingest"]["punches_duplicate"], 1);
}

// The seed guide's samples (tests/seed), unchanged but for base URL and key, against `serve`.
TEST_F(RelayIngestTest, SeedGuideExamplesWork) {
  const std::string tenant = createTenantAndSite("plant-1");
  const std::string api_key = createApiKey(tenant);
  auto relay = startRelay();

  // Punches arrive as an agent sends them.
  auto client = siteClient("plant-1", "site-secret");
  ASSERT_TRUE(client->connect(10s).ok());
  json punches = json::array();
  const std::pair<const char*, const char*> rows[] = {{"EMP_001", "2026-03-05T08:00:00Z"},
                                                      {"EMP_002", "2026-03-05T08:01:00Z"},
                                                      {"EMP_001", "2026-03-05T17:00:00Z"},
                                                      {"EMP_001", "2026-04-01T08:00:00Z"}};
  int n = 0;
  for (const auto& [user, time] : rows) {
    ++n;
    // The terminal's zone is UTC here: its local time is the timestamp's.
    std::string local_time = std::string(time).substr(0, 19);
    local_time[10] = ' ';
    punches.push_back({{"event_id", testing::punchEventId("AKJD193840129", user, local_time)},
                       {"device_serial", "AKJD193840129"},
                       {"user_id", user},
                       {"timestamp", time},
                       {"local_time", local_time},
                       {"punch_type", n == 3 ? "CheckOut" : "CheckIn"},
                       {"method", "Fingerprint"}});
  }
  ASSERT_TRUE(
      client
          ->publish(
              {"punchlink/v1/sites/plant-1/punches",
               json{{"site_id", "plant-1"}, {"batch_id", "seed"}, {"punches", punches}}.dump(), 1,
               false, "", ""},
              5s)
          .ok());
  ASSERT_TRUE(waitForStored(4, 10s)) << logs();

  const std::vector<std::string> env{
      "PUNCHLINK_API_URL=http://127.0.0.1:" + std::to_string(http_port_),
      "PUNCHLINK_API_KEY=" + api_key};
  const auto run = [&](std::vector<std::string> argv) {
    const auto log = dir_.file("seed-" + std::to_string(++admin_runs_) + ".log");
    ChildProcess process(std::move(argv), log, env);
    const int code = process.waitForExit(60s).value_or(-1);
    return std::make_pair(code, process.log());
  };
  const std::string seed = PUNCHLINK_SEED_DIR;

  auto [py_code, py_out] = run({"/usr/bin/python3", seed + "/fetch_logs.py"});
  EXPECT_EQ(py_code, 0) << py_out;
  EXPECT_EQ(py_out,
            "EMP_001 — CheckIn at 2026-03-05T08:00:00Z\n"
            "EMP_001 — CheckOut at 2026-03-05T17:00:00Z\n");

  auto [js_code, js_out] = run({"node", seed + "/fetch_logs.mjs"});
  EXPECT_EQ(js_code, 0) << js_out;
  EXPECT_EQ(js_out,
            "EMP_001 — CheckIn at 2026-03-05T08:00:00Z\n"
            "EMP_002 — CheckIn at 2026-03-05T08:01:00Z\n"
            "EMP_001 — CheckOut at 2026-03-05T17:00:00Z\n");

  auto [curl_code, curl_out] = run({"bash", seed + "/fetch_logs.sh"});
  EXPECT_EQ(curl_code, 0) << curl_out;
  const auto logs_json = json::parse(curl_out.substr(curl_out.find('{')), nullptr, false);
  ASSERT_TRUE(logs_json.is_object()) << curl_out;
  EXPECT_EQ(logs_json["data"].size(), 3U);
  EXPECT_EQ(logs_json["has_more"], false);

  auto [dev_code, dev_out] = run({"bash", seed + "/devices.sh"});
  ASSERT_EQ(dev_code, 0) << dev_out;
  std::istringstream lines(dev_out);
  std::string created;
  std::string status;
  std::string deleted;
  std::getline(lines, created);
  std::getline(lines, status);
  std::getline(lines, deleted);
  EXPECT_EQ(json::parse(created)["name"], "Main Office Entrance");
  // The punches above made it a pending device of this tenant; registering adopts it.
  EXPECT_EQ(json::parse(status)["registration"], "registered");
  EXPECT_EQ(json::parse(deleted)["deleted"], true);
}

// POST /v1/users (the guide's Python enrollment sample) → relay command → MQTT → agent → the
// terminal; the result comes back and shows on the command and the user.
TEST_F(RelayIngestTest, EnrollmentReachesTheTerminalAndReportsBack) {
  const std::string tenant = createTenantAndSite("plant-1");
  const std::string api_key = createApiKey(tenant);
  auto relay = startRelay();
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "2", "--logs", "3", "--serial", "DEVICE_12345"});
  auto agent = startAgent(sim);
  // The terminal becomes known to the tenant once the agent has sent its punches.
  ASSERT_TRUE(waitForStored(3, 30s)) << logs();

  const std::vector<std::string> env{
      "PUNCHLINK_API_URL=http://127.0.0.1:" + std::to_string(http_port_),
      "PUNCHLINK_API_KEY=" + api_key};
  ChildProcess enroll({"/usr/bin/python3", std::string(PUNCHLINK_SEED_DIR) + "/enroll_user.py"},
                      dir_.file("enroll.log"), env);
  ASSERT_EQ(enroll.waitForExit(60s), 0) << enroll.log();
  EXPECT_EQ(enroll.log(), "✓ User EMP_001 enrolled\n");

  json user;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    user = testing::httpGetJson(http_port_, "/v1/users/EMP_001", api_key);
    if (user["commands"].size() == 1 && user["commands"][0]["status"] == "succeeded") {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(user["commands"][0]["status"], "succeeded") << user.dump() << logs();
  const std::string command_id = user["commands"][0]["id"];
  EXPECT_EQ(testing::httpGetJson(http_port_, "/v1/commands/" + command_id, api_key)["status"],
            "succeeded");
  const auto on_terminal = sim.get("/users/EMP_001");
  ASSERT_EQ(on_terminal.status, 200);
  EXPECT_EQ(on_terminal.body["name"], "John Doe");
  ASSERT_EQ(on_terminal.body["fingers"].size(), 2U);
  EXPECT_EQ(on_terminal.body["fingers"][0]["size"], 1024);
  EXPECT_EQ(on_terminal.body["fingers"][1]["size"], 504);

  // A batch of 50 reaches the terminal; deleting one removes it there.
  nlohmann::json users = nlohmann::json::array();
  for (int i = 0; i < 50; ++i) {
    users.push_back(
        {{"user_id", "BATCH_" + std::to_string(i)}, {"name", "Batch " + std::to_string(i)}});
  }
  const std::string batch_body =
      nlohmann::json{{"device_id", "DEVICE_12345"}, {"users", users}}.dump();
  ChildProcess batch({"curl", "-sf", "-X", "POST",
                      "http://127.0.0.1:" + std::to_string(http_port_) + "/v1/users/batch", "-H",
                      "Authorization: Bearer " + api_key, "-H", "Content-Type: application/json",
                      "-d", batch_body},
                     dir_.file("batch.log"));
  ASSERT_EQ(batch.waitForExit(60s), 0) << batch.log();
  EXPECT_EQ(json::parse(batch.log())["created"], 50);
  const auto batch_deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < batch_deadline &&
         sim.state()["user_count"].get<int>() < 53) {
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(sim.state()["user_count"], 53);  // 2 generated + EMP_001 + 50
  ChildProcess remove({"curl", "-sf", "-X", "DELETE",
                       "http://127.0.0.1:" + std::to_string(http_port_) + "/v1/users/BATCH_7", "-H",
                       "Authorization: Bearer " + api_key},
                      dir_.file("delete.log"));
  ASSERT_EQ(remove.waitForExit(30s), 0) << remove.log();
  const auto delete_deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < delete_deadline &&
         sim.get("/users/BATCH_7").status != 404) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(sim.get("/users/BATCH_7").status, 404);
}

// A REST call made while the broker is down leaves its command queued; it reaches the site once
// the broker is back, with no further call. Here the API is served over HTTPS.
TEST_F(RelayIngestTest, QueuedCommandsGoOutAfterABrokerOutageOverHttps) {
  const std::string tenant = createTenantAndSite("plant-1");
  const std::string key = createApiKey(tenant);
  useHttps();
  auto relay = startRelay();

  // The site's agent stand-in: a persistent session, so commands wait for it at the broker.
  auto site = siteClient("plant-1", "site-secret");
  std::mutex mutex;
  std::vector<json> commands;
  site->setMessageHandler([&](const mqtt_client::MqttMessage& message) {
    const std::lock_guard lock(mutex);
    commands.push_back(json::parse(message.payload, nullptr, false));
  });
  ASSERT_TRUE(site->connect(10s).ok());
  site->start();
  ASSERT_TRUE(site->subscribe("punchlink/v1/sites/plant-1/commands", 1, 5s).ok());
  ASSERT_TRUE(site->publish({"punchlink/v1/sites/plant-1/devices/SN-Q1/status",
                             json{{"serial", "SN-Q1"}, {"online", true}}.dump(), 1, true, "", ""},
                            5s)
                  .ok());
  const auto seen_deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < seen_deadline &&
         api("GET", "/v1/devices/SN-Q1", key).status != 200) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(api("GET", "/v1/devices/SN-Q1", key).status, 200) << logs();

  broker_.stopBroker();
  const auto created =
      api("POST", "/v1/users", key, R"({"device_id":"SN-Q1","user_id":"Q7","name":"Quinn"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["status"], "queued");
  const std::string command_id = created.json()["command_id"];

  broker_.startBroker();
  const auto sent_deadline = std::chrono::steady_clock::now() + 60s;
  json command;
  while (std::chrono::steady_clock::now() < sent_deadline) {
    command = api("GET", "/v1/commands/" + command_id, key).json();
    const std::lock_guard lock(mutex);
    if (command["status"] == "sent" && !commands.empty()) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(command["status"], "sent") << logs();
  const std::lock_guard lock(mutex);
  ASSERT_EQ(commands.size(), 1U) << logs();
  EXPECT_EQ(commands[0]["command_id"], command_id);
  EXPECT_EQ(commands[0]["type"], "enroll_user");
}

// A site that publishes a status of the wrong shape (a string where the contract has a number)
// gets it ignored and logged; the relay keeps answering for every device.
TEST_F(RelayIngestTest, MalformedDeviceStatusesAreRefusedAtIngest) {
  const std::string tenant = createTenantAndSite("plant-1");
  const std::string key = createApiKey(tenant);
  auto relay = startRelay();
  auto site = siteClient("plant-1", "site-secret");
  ASSERT_TRUE(site->connect(10s).ok());
  site->start();
  for (const auto& [serial, status] :
       {std::pair{"SN-M1", json{{"serial", "SN-M1"}, {"online", true}, {"storage_percent", "31"}}},
        std::pair{"SN-M2", json{{"serial", "SN-M2"}, {"online", true}, {"storage_percent", 31}}}}) {
    ASSERT_TRUE(
        site->publish({"punchlink/v1/sites/plant-1/devices/" + std::string(serial) + "/status",
                       status.dump(), 1, true, "", ""},
                      5s)
            .ok());
  }
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline &&
         api("GET", "/v1/devices/SN-M2", key).status != 200) {
    std::this_thread::sleep_for(50ms);
  }
  const auto good = api("GET", "/v1/devices/SN-M2", key);
  ASSERT_EQ(good.status, 200) << logs();
  EXPECT_EQ(good.json()["storage"], "31%");
  EXPECT_EQ(api("GET", "/v1/devices/SN-M1", key).status, 404);
  const auto list = api("GET", "/v1/devices", key);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.json()["data"].size(), 1U);
  EXPECT_NE(logs().find("storage_percent must be an integer"), std::string::npos) << logs();
}

// A site's credentials with the relay's client id: the broker keeps the relay's session, since
// ids are usernames; the relay stays connected and keeps taking punches.
TEST_F(RelayIngestTest, ASiteCannotTakeTheRelaysClientId) {
  createTenantAndSite("plant-1");
  auto relay = startRelay();
  mqtt_client::MqttClientOptions hijack;
  hijack.server_uri = broker_.url();
  hijack.client_id = "punchlink-relay";  // the relay's default
  hijack.username = "plant-1";
  hijack.password = "site-secret";
  hijack.ca_file = broker_.ca().ca_cert.string();
  for (int round = 0; round < 3; ++round) {
    auto client = mqtt_client::MqttClient::create(hijack, logger_).value();
    ASSERT_TRUE(client->connect(10s).ok());
    std::this_thread::sleep_for(300ms);
    client->stop();
  }
  EXPECT_EQ(health()["broker_connected"], true) << logs();
  auto site = siteClient("plant-1", "site-secret");
  ASSERT_TRUE(site->connect(10s).ok());
  site->start();
  const json batch = {
      {"site_id", "plant-1"},
      {"batch_id", "b1"},
      {"punches",
       json::array({{{"event_id", testing::punchEventId("SN-H1", "1", "2026-03-27 08:30:12")},
                     {"device_serial", "SN-H1"},
                     {"user_id", "1"},
                     {"timestamp", "2026-03-27T08:30:12Z"},
                     {"local_time", "2026-03-27 08:30:12"}}})}};
  ASSERT_TRUE(
      site->publish({"punchlink/v1/sites/plant-1/punches", batch.dump(), 1, false, "", ""}, 5s)
          .ok());
  EXPECT_TRUE(waitForStored(1, 10s)) << logs();
  // The relay never lost its connection to the broker.
  EXPECT_EQ(testing::readFile(dir_.file("relay.log")).find("MQTT connection lost"),
            std::string::npos)
      << logs();
}

TEST_F(RelayIngestTest, DripFedConnectionsDoNotStarveTheApi) {
  const std::string tenant = createTenantAndSite("plant-1");
  const std::string key = createApiKey(tenant);
  std::string config = testing::readFile(relay_config_);
  config.replace(config.find("http:\n"), 6, "http:\n  connection_deadline: 6s\n");
  dir_.write("relay.yaml", config);
  auto relay = startRelay();
  // 40 connections that never finish their request: 20 from one host (held to its share of
  // connections) and one each from 20 others (held until the deadline).
  std::vector<std::string> sources(20, "127.0.0.2");
  for (const auto& source : testing::loopbackSources(3, 20)) {
    sources.push_back(source);
  }
  testing::DripClients drippers(http_port_, sources, 200ms);
  std::this_thread::sleep_for(1s);  // every connection accepted and waiting for its request
  EXPECT_LE(drippers.open(), 8 + 20);
  const auto started = std::chrono::steady_clock::now();
  const auto reply = api("GET", "/v1/devices", key);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_LT(took, 2s);
  // The deadline closes every dripper, however slowly it keeps sending.
  EXPECT_TRUE(testing::eventually([&] { return drippers.open() == 0; }, 10s))
      << drippers.open() << " connections still open";
}

// Many hosts, each within its share, can together hold more connections than the relay has
// threads: while every thread is taken, a connection that has not delivered its request
// (headers or body) within the grace is cut, well before the connection deadline.
TEST_F(RelayIngestTest, DripFedConnectionsFromManyHostsDoNotStarveTheApi) {
  const std::string tenant = createTenantAndSite("plant-1");
  const std::string key = createApiKey(tenant);
  auto relay = startRelay();  // 64 threads, 8 connections per address, 30 s deadline
  std::vector<std::string> sources;
  for (int round = 0; round < 4; ++round) {
    for (const auto& source : testing::loopbackSources(2, 18)) {
      sources.push_back(source);
    }
  }
  // 144 connections from 18 hosts (4 + 4 each, their full share): endless headers, and
  // endless bodies.
  testing::DripClients headers(http_port_, sources, 200ms);
  testing::DripClients bodies(http_port_, sources, 200ms,
                              std::string(testing::DripClients::kSlowBodyOpening));
  std::this_thread::sleep_for(1500ms);
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto started = std::chrono::steady_clock::now();
    const auto reply = api("GET", "/v1/devices", key);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "attempt " << attempt;
    EXPECT_EQ(reply.status, 200) << reply.body;
  }
  // Cut to make room, long before the 30 s deadline (those left once the threads suffice
  // wait for it).
  EXPECT_GE(headers.closed() + bodies.closed(), 144 - 64);
}

// Over HTTPS the slow part can be the TLS handshake itself: a ClientHello that never ends.
TEST_F(RelayIngestTest, DrippedTlsHandshakesAreCutAtTheDeadlineToo) {
  const std::string tenant = createTenantAndSite("plant-1");
  const std::string key = createApiKey(tenant);
  useHttps();
  std::string config = testing::readFile(relay_config_);
  config.replace(config.find("http:\n"), 6, "http:\n  connection_deadline: 4s\n");
  dir_.write("relay.yaml", config);
  auto relay = startRelay();
  std::vector<std::string> sources(20, "127.0.0.2");
  for (const auto& source : testing::loopbackSources(3, 20)) {
    sources.push_back(source);
  }
  testing::DripClients drippers(http_port_, sources, 200ms,
                                std::string(testing::DripClients::kTlsOpening));
  std::this_thread::sleep_for(1s);
  const auto started = std::chrono::steady_clock::now();
  const auto reply = api("GET", "/v1/devices", key);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(testing::eventually([&] { return drippers.open() == 0; }, 10s))
      << drippers.open() << " handshakes still open";
  EXPECT_EQ(api("GET", "/healthz").status, 200);  // and the relay is fine after cutting them
}

TEST_F(RelayIngestTest, AnAdminListenerTakesHealthAndMetricsOffThePublicOne) {
  createTenantAndSite("plant-1");
  const std::uint16_t admin_port = testing::freeLoopbackPort();
  std::string config = testing::readFile(relay_config_);
  config.replace(config.find("http:\n"), 6,
                 "http:\n  admin_listen: 127.0.0.1:" + std::to_string(admin_port) + "\n");
  dir_.write("relay.yaml", config);
  auto relay = std::make_unique<ChildProcess>(
      std::vector<std::string>{PUNCHLINK_RELAY, "serve", "--config", relay_config_.string()},
      dir_.file("relay.log"));
  ASSERT_TRUE(testing::waitForPort(http_port_, 10s)) << logs();
  ASSERT_TRUE(testing::waitForPort(admin_port, 10s)) << logs();
  EXPECT_EQ(api("GET", "/metrics").status, 404);
  EXPECT_EQ(api("GET", "/healthz").status, 404);
  EXPECT_EQ(api("GET", "/v1/devices").status, 401);  // the API itself is still there
  const auto admin = [&](const std::string& path) {
    return testing::httpRequest({admin_port, {}}, "GET", path, "", {});
  };
  const auto metrics = admin("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("punchlink_relay_broker_connected"), std::string::npos);
  EXPECT_TRUE(testing::eventually(
      [&] { return admin("/healthz").json()["broker_connected"] == true; }, 15s))
      << logs();
  EXPECT_EQ(admin("/v1/devices").status, 404);  // and only they are on the admin listener
}

TEST(RelayCli, ConfigErrorsAndVersion) {
  TempDir dir;
  const auto bad = dir.write("relay.yaml", "storage: /tmp/x.db\nbroker:\n  url: http://nope\n");
  ChildProcess check({PUNCHLINK_RELAY, "--check-config", bad.string()}, dir.file("check.log"));
  EXPECT_EQ(check.waitForExit(10s), 2);
  EXPECT_NE(check.log().find("relay.yaml:3:8: broker.url: must start with mqtts://"),
            std::string::npos)
      << check.log();
  const auto half_tls = dir.write(
      "tls.yaml",
      "storage: /tmp/x.db\nhttp:\n  tls_cert_file: /etc/hostname\nbroker:\n  url: mqtt://h:1\n");
  ChildProcess tls({PUNCHLINK_RELAY, "--check-config", half_tls.string()}, dir.file("tls.log"));
  EXPECT_EQ(tls.waitForExit(10s), 2);
  EXPECT_NE(tls.log().find("http.tls_key_file: HTTPS needs both tls_cert_file and tls_key_file"),
            std::string::npos)
      << tls.log();
  const auto clear = dir.write(
      "clear.yaml",
      "storage: /tmp/x.db\nbroker:\n  url: mqtt://broker.example.com:1883\n  password: pw\n");
  ChildProcess in_clear({PUNCHLINK_RELAY, "--check-config", clear.string()}, dir.file("clear.log"));
  EXPECT_EQ(in_clear.waitForExit(10s), 2);
  EXPECT_NE(in_clear.log().find("broker.url: mqtt:// would send the password in clear"),
            std::string::npos)
      << in_clear.log();
  // The annotated example is a valid configuration (given its password file and CA exist).
  std::string example =
      testing::readFile(std::string(PUNCHLINK_SEED_DIR) + "/../../packaging/relay.example.yaml");
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{"/etc/punchlink/relay-broker-password",
                                            dir.write("password", "x\n").string()},
        {"/etc/punchlink/ca.crt", dir.write("ca.crt", "").string()}}) {
    example.replace(example.find(from), from.size(), to);
  }
  ChildProcess checked({PUNCHLINK_RELAY, "--check-config", dir.write("example.yaml", example)},
                       dir.file("example.log"));
  EXPECT_EQ(checked.waitForExit(10s), 0) << checked.log();
  ChildProcess version({PUNCHLINK_RELAY, "--version"}, dir.file("version.log"));
  EXPECT_EQ(version.waitForExit(10s), 0);
  EXPECT_NE(version.log().find("punchlink-relay 0.1.0"), std::string::npos);
}

}  // namespace
}  // namespace punchlink::relay
