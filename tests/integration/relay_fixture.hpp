// The relay as operators run it, for integration tests: a TLS Mosquitto with per-site accounts,
// the admin CLI, `punchlink-relay serve`, REST calls and MQTT clients logged in as sites.
#pragma once

#include "store/sql_database.hpp"

#include <punchlink/common/mqtt_client.hpp>
#include <punchlink/testing/child_process.hpp>
#include <punchlink/testing/http_client.hpp>
#include <punchlink/testing/mosquitto_fixture.hpp>
#include <punchlink/testing/ports.hpp>
#include <punchlink/testing/postgres_server.hpp>
#include <punchlink/testing/test_ca.hpp>
#include <punchlink/testing/zk_sim_process.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <thread>

#ifndef PUNCHLINK_AGENT
#error "PUNCHLINK_AGENT must name the agent binary"
#endif
#ifndef PUNCHLINK_RELAY
#error "PUNCHLINK_RELAY must name the relay binary"
#endif

namespace punchlink::relay {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ChildProcess;
using testing::MosquittoFixture;
using testing::TempDir;
using testing::ZkSimProcess;

class RelayFixture : public ::testing::Test {
 protected:
  RelayFixture() : broker_(brokerOptions()) {
    http_port_ = testing::freeLoopbackPort();
    dir_.write("relay-password", "relay-secret\n");
    relay_config_ = dir_.write(
        "relay.yaml",
        "storage: " + storage_.location() + "\nlog_level: debug\nhttp:\n  listen: 127.0.0.1:" +
            std::to_string(http_port_) + "\nbroker:\n  url: " + broker_.url() +
            "\n  username: relay\n  password_file: " + dir_.file("relay-password").string() +
            "\n  ca_file: " + broker_.ca().ca_cert.string() + "\n");
  }

  static testing::MosquittoOptions brokerOptions() {
    testing::MosquittoOptions options;
    options.tls = true;
    // The broker makes usernames the client ids, so each relay node has an account of its own.
    options.users = {{"plant-1", "site-secret"},
                     {"plant-2", "site2-secret"},
                     {"relay", "relay-secret"},
                     {"relay-a", "relay-secret"},
                     {"relay-b", "relay-secret"}};
    for (const char* account : {"relay", "relay-a", "relay-b"}) {
      options.acl += std::string("user ") + account + "\ntopic readwrite punchlink/#\n\n";
    }
    options.acl += "pattern readwrite punchlink/v1/sites/%u/#\n";
    return options;
  }

  // Runs `punchlink-relay --config relay.yaml ARGS…` to completion; returns exit code and output.
  std::pair<int, std::string> admin(std::vector<std::string> args) {
    std::vector<std::string> argv{PUNCHLINK_RELAY, "--config", relay_config_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto log = dir_.file("admin-" + std::to_string(++admin_runs_) + ".log");
    ChildProcess process(argv, log);
    const int code = process.waitForExit(30s).value_or(-1);
    return {code, process.log()};
  }

  std::string createTenantAndSite(const std::string& site) {
    const auto [code, out] = admin({"tenants", "create", "Acme Ltd"});
    EXPECT_EQ(code, 0) << out;
    const std::string tenant = out.substr(0, out.find('\t'));
    const auto [site_code, site_out] = admin({"sites", "create", "--tenant", tenant, site});
    EXPECT_EQ(site_code, 0) << site_out;
    return tenant;
  }

  std::unique_ptr<ChildProcess> startRelay() {
    auto relay = std::make_unique<ChildProcess>(
        std::vector<std::string>{PUNCHLINK_RELAY, "serve", "--config", relay_config_.string()},
        dir_.file("relay.log"));
    EXPECT_TRUE(testing::waitForPort(http_port_, 10s)) << testing::readFile(dir_.file("relay.log"));
    // Ready for ingest once subscribed: the HTTP listener opens before the broker connection.
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline && health()["broker_connected"] != true) {
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(health()["broker_connected"], true) << testing::readFile(dir_.file("relay.log"));
    return relay;
  }

  // `uplink_extra`: more `uplink:` keys, each line indented by two spaces.
  std::unique_ptr<ChildProcess> startAgent(const ZkSimProcess& sim,
                                           const std::string& uplink_extra = "") {
    dir_.write("agent-password", "site-secret\n");
    const auto config = dir_.write(
        "agent.yaml", "site_id: plant-1\nuplink:\n  broker: " + broker_.url() +
                          "\n  password_file: " + dir_.file("agent-password").string() +
                          "\n  ca_file: " + broker_.ca().ca_cert.string() +
                          "\n  batch_delay: 50ms\n  ack_timeout: 2s\n" + uplink_extra +
                          "outbox:\n  path: " + dir_.file("outbox.db").string() +
                          "\nstatus:\n  listen: \"\"\n  interval: 1s\n" +
                          "devices:\n  - name: door\n    host: 127.0.0.1\n    port: " +
                          std::to_string(sim.port()) + "\n    time_zone: America/New_York\n");
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{PUNCHLINK_AGENT, "--config", config.string()},
        dir_.file("agent.log"));
  }

  json health() { return api("GET", "/healthz").json(); }

  // A request to the relay's REST API (over HTTPS once useHttps() was called).
  testing::HttpReply api(const std::string& method,
                         const std::string& path,
                         const std::string& key = "",
                         const std::string& body = "") {
    std::map<std::string, std::string> headers;
    if (!key.empty()) {
      headers["Authorization"] = "Bearer " + key;
    }
    return testing::httpRequest({http_port_, https_ca_}, method, path, body, headers);
  }

  // Appends top-level sections (e.g. "webhooks:\n  allow_http: true\n") to relay.yaml.
  void appendRelayConfig(const std::string& yaml) {
    dir_.write("relay.yaml", testing::readFile(relay_config_) + yaml);
  }

  // Creates an API key of `tenant` with the admin CLI and returns its secret.
  std::string createApiKey(const std::string& tenant) {
    const auto [code, out] = admin({"keys", "create", "--tenant", tenant});
    EXPECT_EQ(code, 0) << out;
    return out.substr(out.find("sk_live_"), 8 + 48);
  }

  // Serves the REST API over HTTPS with a certificate from a throwaway CA.
  void useHttps() {
    const auto ca = testing::makeTestCa(dir_.path(), "https");
    https_ca_ = ca.ca_cert;
    std::string config = testing::readFile(relay_config_);
    config.replace(config.find("http:\n"), 6,
                   "http:\n  tls_cert_file: " + ca.server_cert.string() +
                       "\n  tls_key_file: " + ca.server_key.string() + "\n");
    dir_.write("relay.yaml", config);
  }

  std::int64_t storedPunches() {
    // One connection for all the polls of a test (a PostgreSQL connection costs a handshake).
    if (!stored_db_) {
      auto db = sql::open(storage_.location());
      if (!db) {
        return -1;
      }
      stored_db_ = std::move(*db);
    }
    // event_id is UNIQUE, so counting distinct ids proves nothing; the same punch stored under a
    // second id would show as two rows with the same terminal, user and time.
    auto statement = stored_db_->prepare(
        "SELECT COUNT(*), COUNT(DISTINCT device_serial || '|' || user_id || '|' || timestamp) "
        "FROM punches");
    if (!statement || !statement->step().valueOr(false)) {
      return -1;  // not migrated yet, or the server unreachable (the next poll reconnects)
    }
    EXPECT_EQ(statement->integer(0), statement->integer(1)) << "a punch stored twice";
    return statement->integer(0);
  }

  bool waitForStored(std::int64_t count, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (storedPunches() >= count) {
        return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  // An MQTT client logged in as a site, as that site's agent would be.
  std::unique_ptr<mqtt_client::MqttClient> siteClient(const std::string& site,
                                                      const std::string& password) {
    mqtt_client::MqttClientOptions options;
    options.server_uri = broker_.url();
    options.client_id = site;
    options.username = site;
    options.password = password;
    options.ca_file = broker_.ca().ca_cert.string();
    return mqtt_client::MqttClient::create(options, logger_).value();
  }

  std::string logs() {
    return "relay log:\n" + testing::readFile(dir_.file("relay.log")) + "\nagent log:\n" +
           testing::readFile(dir_.file("agent.log"));
  }

  SystemClock clock_;
  Logger logger_{"test", LogLevel::Warning, StderrSink::detect(), clock_};
  MosquittoFixture broker_;
  TempDir dir_{"punchlink-relay-test"};
  testing::RelayStorage storage_{dir_};
  sql::DatabasePtr stored_db_;  // storedPunches()' connection, opened on first use
  std::filesystem::path relay_config_;
  std::uint16_t http_port_ = 0;
  std::filesystem::path https_ca_;
  int admin_runs_ = 0;
};

}  // namespace punchlink::relay
