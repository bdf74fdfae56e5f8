// punchlink-agent as users run it: the real binary, a real Mosquitto (TLS, per-site ACL), zk-sim,
// and a small relay stand-in that acknowledges punches per docs/mqtt-contract.md.
#include "relay_stand_in.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/common/mqtt_client.hpp>
#include <punchlink/testing/child_process.hpp>
#include <punchlink/testing/eventually.hpp>
#include <punchlink/testing/http_client.hpp>
#include <punchlink/testing/mosquitto_fixture.hpp>
#include <punchlink/testing/ports.hpp>
#include <punchlink/testing/zk_sim_process.hpp>
#include <punchlink/zk/zk_packet.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#ifndef PUNCHLINK_AGENT
#error "PUNCHLINK_AGENT must name the agent binary"
#endif
#ifndef PUNCHLINK_ZK_SIM
#error "PUNCHLINK_ZK_SIM must name the zk-sim binary"
#endif

namespace punchlink::agent {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ChildProcess;
using testing::MosquittoFixture;
using testing::TempDir;
using testing::ZkSimProcess;

class AgentTest : public ::testing::Test {
 protected:
  void writeConfig(const MosquittoFixture& broker,
                   const ZkSimProcess& sim,
                   const std::string& extra_device = "") {
    status_port_ = testing::freeLoopbackPort();
    dir_.write("broker-password", "site-secret\n");
    config_ = dir_.write("agent.yaml", "site_id: " + std::string(kSite) +
                                           "\n"
                                           "log_level: info\n"
                                           "uplink:\n"
                                           "  broker: " +
                                           broker.url() +
                                           "\n"
                                           "  password_file: " +
                                           dir_.file("broker-password").string() +
                                           "\n"
                                           "  ca_file: " +
                                           broker.ca().ca_cert.string() +
                                           "\n"
                                           "  batch_size: 200\n"
                                           "  batch_delay: 50ms\n"
                                           "  ack_timeout: 3s\n"
                                           "  drain_rate: 5000\n"
                                           "  drain_burst: 2000\n"
                                           "outbox:\n"
                                           "  path: " +
                                           dir_.file("outbox.db").string() +
                                           "\n"
                                           "status:\n"
                                           "  listen: 127.0.0.1:" +
                                           std::to_string(status_port_) +
                                           "\n"
                                           "  interval: 1s\n"
                                           "devices:\n"
                                           "  - name: door\n"
                                           "    host: 127.0.0.1\n"
                                           "    port: " +
                                           std::to_string(sim.port()) +
                                           "\n"
                                           "    time_zone: Europe/Berlin\n"
                                           "    resync_interval: 1h\n" +
                                           extra_device);
  }

  std::unique_ptr<ChildProcess> startAgent() {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{PUNCHLINK_AGENT, "--config", config_.string()},
        dir_.file("agent.log"));
  }

  json localStatus() { return testing::httpGetJson(status_port_, "/status"); }

  std::string agentLog() { return testing::readFile(dir_.file("agent.log")); }

  TempDir dir_{"punchlink-agent-test"};
  std::filesystem::path config_;
  std::uint16_t status_port_ = 0;
};

TEST_F(AgentTest, RealtimePunchesAndResyncArriveOnceEach) {
  MosquittoFixture broker(brokerOptions());
  RelayStandIn relay(broker);
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "5", "--logs", "20", "--tz", "Europe/Berlin"});
  writeConfig(broker, sim);
  auto agent = startAgent();
  ASSERT_TRUE(relay.waitForDistinct(20, 20s)) << agentLog();  // the log read at connect

  const json stored =
      sim.post("/punches",
               {{"user_id", "1003"}, {"state", 1}, {"verify", 15}, {"time", "2026-07-01 09:15:00"}})
          .body;
  ASSERT_TRUE(relay.waitForDistinct(21, 10s)) << agentLog();
  json realtime;
  for (const auto& [id, punch] : relay.punches()) {
    if (punch["local_time"] == "2026-07-01 09:15:00") {
      realtime = punch;
    }
  }
  ASSERT_TRUE(realtime.is_object());
  EXPECT_EQ(realtime["timestamp"], "2026-07-01T07:15:00Z");  // Berlin summer time is UTC+2
  EXPECT_EQ(realtime["user_id"], "1003");
  EXPECT_EQ(realtime["punch_type"], "CheckOut");
  EXPECT_EQ(realtime["method"], "Face");
  EXPECT_EQ(realtime["device_serial"], sim.serial());

  // Punches made while the agent is down arrive after it starts again (resync at connect).
  agent->stop();
  for (int i = 0; i < 5; ++i) {
    sim.punch("1001", i % 2, 1, "2026-07-02 08:00:0" + std::to_string(i));
  }
  agent = startAgent();
  ASSERT_TRUE(relay.waitForDistinct(26, 20s)) << agentLog();
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(relay.distinct(), 26U);
  for (const auto& [id, count] : relay.deliveries()) {
    EXPECT_EQ(count, 1) << id << " delivered more than once";
  }
  const json status = localStatus();
  EXPECT_EQ(status["outbox"]["pending"], 0);
  EXPECT_EQ(status["devices"][0]["online"], true);
  EXPECT_EQ(status["devices"][0]["logs"], 26);
  const auto metrics = testing::httpRequest({status_port_, {}}, "GET", "/metrics");
  EXPECT_EQ(metrics.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  for (const char* sample :
       {"punchlink_agent_outbox_pending 0\n", "punchlink_agent_devices_online 1\n",
        "punchlink_agent_broker_connected 1\n",
        "# TYPE punchlink_agent_punches_acked_total counter"}) {
    EXPECT_NE(metrics.body.find(sample), std::string::npos) << sample << "\n" << metrics.body;
  }
}

TEST_F(AgentTest, KillNineDuringABurstLosesNothingAndKeepsIds) {
  MosquittoFixture broker(brokerOptions());
  RelayStandIn relay(broker);
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "50", "--logs", "10000", "--pacing-ms", "0"});
  writeConfig(broker, sim);
  auto agent = startAgent();
  // Kill as soon as the first part of the burst is through.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (relay.distinct() < 1000 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_GE(relay.distinct(), 1000U) << agentLog();
  agent->kill();
  const std::size_t before_restart = relay.distinct();
  agent = startAgent();
  ASSERT_TRUE(relay.waitForDistinct(10000, 60s))
      << "only " << relay.distinct() << " (had " << before_restart << " at the kill)\n"
      << agentLog();
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(relay.distinct(), 10000U);  // the same punch never got a second event id
  // Exactly the terminal's log arrived: each punch once, none missing, none under a second id.
  std::map<std::string, int> per_local_time;
  for (const auto& [id, punch] : relay.punches()) {
    ++per_local_time[punch["user_id"].get<std::string>() + "@" +
                     punch["local_time"].get<std::string>()];
  }
  for (const auto& [key, count] : per_local_time) {
    EXPECT_EQ(count, 1) << key;
  }
  std::set<std::string> on_terminal;
  const auto log = sim.get("/attendance").body;  // kept: the loop must not see a dead temporary
  for (const auto& record : log["records"]) {
    on_terminal.insert(record["user_id"].get<std::string>() + "@" +
                       record["time"].get<std::string>());
  }
  std::set<std::string> received;
  for (const auto& [key, count] : per_local_time) {
    received.insert(key);
  }
  EXPECT_EQ(received, on_terminal);
}

TEST_F(AgentTest, BrokerOutageFillsTheOutboxThenDrainsAndWillMarksOffline) {
  MosquittoFixture broker(brokerOptions());
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "5"});
  writeConfig(broker, sim);
  auto relay = std::make_unique<RelayStandIn>(broker);
  auto agent = startAgent();
  ASSERT_TRUE(relay->waitForStatus(true, 15s)) << agentLog();

  broker.stopBroker();
  relay.reset();
  for (int i = 0; i < 8; ++i) {
    sim.punch("1002", 0, 1, "2026-07-03 08:00:0" + std::to_string(i));
  }
  EXPECT_TRUE(
      testing::eventually([&] { return localStatus()["outbox"]["pending"].get<int>() >= 8; }, 10s))
      << localStatus().dump();
  EXPECT_EQ(localStatus()["broker_connected"], false);

  broker.startBroker();
  relay = std::make_unique<RelayStandIn>(broker);
  ASSERT_TRUE(relay->waitForDistinct(8, 30s)) << agentLog();
  ASSERT_TRUE(relay->waitForStatus(true, 10s));

  // The last will marks the site offline when the agent dies without a goodbye.
  agent->kill();
  EXPECT_TRUE(relay->waitForStatus(false, 90s)) << "no last will";
  agent = startAgent();
  EXPECT_TRUE(relay->waitForStatus(true, 20s));
  agent->signal(SIGTERM);
  // A clean stop publishes the offline status itself.
  EXPECT_TRUE(relay->waitForStatus(false, 20s));
}

TEST_F(AgentTest, CommandsChangeTheTerminalAndReportResults) {
  MosquittoFixture broker(brokerOptions());
  RelayStandIn relay(broker);
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "3", "--tz", "Europe/Berlin"});
  writeConfig(broker, sim);
  auto agent = startAgent();
  ASSERT_TRUE(relay.waitForStatus(true, 15s));
  ASSERT_TRUE(
      testing::eventually([&] { return localStatus()["devices"][0]["online"] == true; }, 15s))
      << agentLog();

  const zk::Bytes finger(900, 0x3C);
  relay.sendCommand({{"command_id", "cmd-enroll-1"},
                     {"device", "door"},
                     {"type", "enroll_user"},
                     {"params",
                      {{"user_id", "EMP_042"},
                       {"name", "Ada L"},
                       {"templates",
                        {{{"index", 0}, {"data", crypto::base64Encode(finger)}},
                         {{"index", 6}, {"data", crypto::base64Encode(zk::Bytes(400, 7))}}}}}}});
  auto result = relay.resultFor("cmd-enroll-1", 20s);
  ASSERT_TRUE(result.has_value()) << agentLog();
  EXPECT_EQ((*result)["status"], "succeeded") << result->dump();
  const auto user = sim.get("/users/EMP_042");
  ASSERT_EQ(user.status, 200);
  EXPECT_EQ(user.body["name"], "Ada L");
  ASSERT_EQ(user.body["fingers"].size(), 2U);
  EXPECT_EQ(user.body["fingers"][0]["data"], crypto::base64Encode(finger));

  // A replay is idempotent: the stored result comes back, nothing runs twice.
  relay.sendCommand({{"command_id", "cmd-enroll-1"},
                     {"device", "door"},
                     {"type", "enroll_user"},
                     {"params", {{"user_id", "EMP_042"}, {"name", "Ada L"}}}});
  EXPECT_TRUE(relay.waitUntil([&] { return relay.countLocked("cmd-enroll-1") >= 2; }, 10s));
  EXPECT_EQ(relay.resultCount("cmd-enroll-1"), 2U);

  relay.sendCommand({{"command_id", "cmd-del-1"},
                     {"device", sim.serial()},
                     {"type", "delete_user"},
                     {"params", {{"user_id", "EMP_042"}}}});
  result = relay.resultFor("cmd-del-1", 20s);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ((*result)["status"], "succeeded");
  EXPECT_EQ(sim.get("/users/EMP_042").status, 404);

  relay.sendCommand({{"command_id", "cmd-time-1"},
                     {"device", "door"},
                     {"type", "set_time"},
                     {"params", {{"time", "2030-01-15T11:00:00Z"}}}});
  result = relay.resultFor("cmd-time-1", 20s);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ((*result)["status"], "succeeded");
  EXPECT_EQ(sim.state()["clock"].get<std::string>().substr(0, 13), "2030-01-15 12");  // CET

  relay.sendCommand({{"command_id", "cmd-bad-1"}, {"device", "door"}, {"type", "self_destruct"}});
  result = relay.resultFor("cmd-bad-1", 10s);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ((*result)["status"], "failed");
  EXPECT_NE((*result)["error"].get<std::string>().find("self_destruct"), std::string::npos);

  relay.sendCommand(
      {{"command_id", "cmd-clear-1"}, {"device", "door"}, {"type", "clear_attendance"}});
  result = relay.resultFor("cmd-clear-1", 10s);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ((*result)["status"], "failed");
  EXPECT_NE((*result)["error"].get<std::string>().find("confirm"), std::string::npos);

  relay.sendCommand({{"command_id", "cmd-nodev-1"}, {"device", "nowhere"}, {"type", "unlock"}});
  result = relay.resultFor("cmd-nodev-1", 10s);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ((*result)["status"], "failed");

  relay.sendRaw("{not json");
  relay.sendRaw(R"({"command_id": 7})");
  // Commands arrive in order: a result for one sent after the garbage shows the agent handled
  // it and still works.
  relay.sendCommand({{"command_id", "cmd-after-garbage"}, {"device", "door"}, {"type", "unlock"}});
  result = relay.resultFor("cmd-after-garbage", 10s);
  ASSERT_TRUE(result.has_value()) << agentLog();
  EXPECT_EQ((*result)["status"], "succeeded") << result->dump();
  EXPECT_EQ(localStatus()["devices"][0]["online"], true);
}

TEST(AgentCli, BadConfigsGiveClearErrors) {
  TempDir dir;
  const auto run = [&](const std::string& yaml) {
    const auto path = dir.write("bad.yaml", yaml);
    ChildProcess check({PUNCHLINK_AGENT, "--check-config", path.string()}, dir.file("out.log"));
    const int code = check.waitForExit(10s).value_or(-1);
    const std::string out = check.log();
    std::filesystem::remove(dir.file("out.log"));
    return std::make_pair(code, out);
  };
  auto [code, out] =
      run("site_id: a\nuplink:\n  broker: mqtts://x:8883\n  brokr: y\ndevices: []\n");
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("bad.yaml:4:3: uplink.brokr: unknown key"), std::string::npos) << out;
  std::tie(code, out) = run("site_id: a\nuplink:\n  broker: http://x\ndevices: []\n");
  EXPECT_NE(out.find("uplink.broker: must start with mqtts://"), std::string::npos) << out;
  std::tie(code, out) =
      run("site_id: a\nuplink:\n  broker: mqtts://x:8883\ndevices:\n  - name: d\n    host: h\n    "
          "port: "
          "99999\n");
  EXPECT_NE(out.find("devices[0].port"), std::string::npos) << out;
  std::tie(code, out) = run("site_id: a\n");
  EXPECT_NE(out.find("uplink: is required but missing"), std::string::npos) << out;
}

TEST(AgentCli, VersionAndUsage) {
  TempDir dir;
  ChildProcess version({PUNCHLINK_AGENT, "--version"}, dir.file("v.log"));
  EXPECT_EQ(version.waitForExit(10s), 0);
  EXPECT_NE(version.log().find("punchlink-agent 0.1.0"), std::string::npos);
  ChildProcess bad({PUNCHLINK_AGENT, "--frobnicate"}, dir.file("b.log"));
  EXPECT_EQ(bad.waitForExit(10s), 2);
  EXPECT_NE(bad.log().find("usage:"), std::string::npos);
}

}  // namespace
}  // namespace punchlink::agent
