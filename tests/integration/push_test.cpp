// Push terminals as users run them: the real agent binary with its push listener, a real
// Mosquitto, and zk-sim in push mode calling the agent over HTTP (shared/reference/adms-push.md).
#include "relay_stand_in.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/common/sqlite_db.hpp>
#include <punchlink/testing/child_process.hpp>
#include <punchlink/testing/drip_client.hpp>
#include <punchlink/testing/eventually.hpp>
#include <punchlink/testing/http_client.hpp>
#include <punchlink/testing/mosquitto_fixture.hpp>
#include <punchlink/testing/ports.hpp>
#include <punchlink/testing/zk_sim_process.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <thread>

#ifndef PUNCHLINK_AGENT
#error "PUNCHLINK_AGENT must name the agent binary"
#endif
#ifndef PUNCHLINK_ZK_SIM
#error "PUNCHLINK_ZK_SIM must name the zk-sim binary"
#endif

namespace punchlink::agent {
namespace {

using nlohmann::json;
using testing::ChildProcess;
using testing::MosquittoFixture;
using testing::TempDir;
using testing::ZkSimProcess;

constexpr const char* kSerial = "PUSH0000000042";

class PushTest : public ::testing::Test {
 protected:
  PushTest() : push_port_(testing::freeLoopbackPort()), status_port_(testing::freeLoopbackPort()) {}

  // `devices` is the YAML list; empty: a push terminal with another serial, so the listener
  // runs but kSerial is not served.
  void writeConfig(const MosquittoFixture& broker, const std::string& devices) {
    dir_.write("broker-password", "site-secret\n");
    config_ = dir_.write(
        "agent.yaml",
        "site_id: " + std::string(kSite) + "\nlog_level: debug\nuplink:\n  broker: " +
            broker.url() + "\n  password_file: " + dir_.file("broker-password").string() +
            "\n  ca_file: " + broker.ca().ca_cert.string() +
            "\n  batch_delay: 50ms\n  ack_timeout: 3s\noutbox:\n  path: " +
            dir_.file("outbox.db").string() +
            "\nstatus:\n  listen: 127.0.0.1:" + std::to_string(status_port_) +
            "\n  interval: 1s\npush:\n  listen: 127.0.0.1:" + std::to_string(push_port_) +
            "\n  delay: 1s\n  error_delay: 1s\n  offline_after: 3s\n  command_timeout: 5s\n"
            "  max_body: 64KiB\ndevices:\n" +
            devices);
  }

  // `extra`: more keys of the device, as YAML lines indented by four spaces.
  static std::string pushDevice(const std::string& serial,
                                const std::string& zone,
                                const std::string& extra = "") {
    return "  - name: gate\n    protocol: push\n    serial: " + serial +
           "\n    time_zone: " + zone + "\n" + extra;
  }

  std::unique_ptr<ChildProcess> startAgent() {
    auto agent = std::make_unique<ChildProcess>(
        std::vector<std::string>{PUNCHLINK_AGENT, "--config", config_.string()},
        dir_.file("agent.log"));
    // Ready once the push listener accepts connections (it is bound before the agent goes on).
    EXPECT_TRUE(testing::waitForPort(push_port_, 10s)) << agentLog();
    return agent;
  }

  std::unique_ptr<ZkSimProcess> startSim(std::vector<std::string> args) {
    args.insert(args.end(), {"--serial", kSerial, "--push-url",
                             "http://127.0.0.1:" + std::to_string(push_port_), "--push-retry", "1",
                             "--push-batch", "25"});
    return std::make_unique<ZkSimProcess>(PUNCHLINK_ZK_SIM, args);
  }

  json localStatus() { return testing::httpGetJson(status_port_, "/status"); }

  json pushStatus() {
    const json status = localStatus();
    for (const auto& device : status["devices"]) {
      if (device.value("serial", "") == kSerial) {
        return device;
      }
    }
    return json{};
  }

  testing::HttpReply push(const std::string& method,
                          const std::string& path,
                          const std::string& body = "",
                          const std::map<std::string, std::string>& headers = {}) {
    return testing::httpRequest({push_port_, {}}, method, path, body, headers);
  }

  // A request from another host on loopback: 127.0.0.2.
  testing::HttpReply forged(const std::string& method,
                            const std::string& path,
                            const std::string& body = "") {
    return testing::httpRequestFrom("127.0.0.2", push_port_, method, path, body);
  }

  // Punches in the outbox whose payload contains `text`; read while the agent runs (WAL).
  std::int64_t outboxRowsWith(const std::string& text) {
    auto outbox = sqlite::Database::open(dir_.file("outbox.db").string());
    EXPECT_TRUE(outbox.ok());
    auto statement = outbox->prepare("SELECT COUNT(*) FROM punches WHERE payload LIKE ?");
    EXPECT_TRUE(statement.ok());
    statement->bind(1, "%" + text + "%");
    return statement->first([](sqlite::Statement& row) { return row.integer(0); })
        .valueOr(std::nullopt)
        .value_or(-1);
  }

  std::string agentLog() { return testing::readFile(dir_.file("agent.log")); }

  TempDir dir_{"punchlink-push-test"};
  std::filesystem::path config_;
  std::uint16_t push_port_;
  std::uint16_t status_port_;
};

TEST_F(PushTest, PunchesArriveOnceAcrossAgentRestartsAndReuploads) {
  MosquittoFixture broker(brokerOptions());
  RelayStandIn relay(broker);
  writeConfig(broker, pushDevice(kSerial, "Asia/Kolkata"));
  auto agent = startAgent();
  auto sim = startSim({"--users", "5", "--logs", "60", "--tz", "Asia/Kolkata"});
  // The backlog, in batches of 25, from the handshake's ATTLOGStamp=None.
  ASSERT_TRUE(relay.waitForDistinct(60, 30s)) << agentLog() << sim->log();

  // Real time: a punch goes out within a poll tick, converted from the terminal's zone (+05:30).
  sim->punch("1003", 1, 15, "2026-07-01 09:15:00");
  ASSERT_TRUE(relay.waitForDistinct(61, 10s)) << agentLog();
  json realtime;
  for (const auto& [id, punch] : relay.punches()) {
    if (punch["local_time"] == "2026-07-01 09:15:00") {
      realtime = punch;
    }
  }
  ASSERT_TRUE(realtime.is_object());
  EXPECT_EQ(realtime["timestamp"], "2026-07-01T03:45:00Z");
  EXPECT_EQ(realtime["device_serial"], kSerial);
  EXPECT_EQ(realtime["device_name"], "gate");
  EXPECT_EQ(realtime["punch_type"], "CheckOut");
  EXPECT_EQ(realtime["method"], "Face");
  EXPECT_EQ(realtime["source"], "push");

  // Agent down: the terminal's uploads fail, it keeps the punches and retries after ErrorDelay.
  agent->stop();
  for (int i = 0; i < 4; ++i) {
    sim->punch("1001", i % 2, 1, "2026-07-02 08:0" + std::to_string(i) + ":00");
  }
  ASSERT_TRUE(
      testing::eventually([&] { return sim->state()["push"]["refused"].get<int>() > 0; }, 10s));
  agent = startAgent();
  ASSERT_TRUE(relay.waitForDistinct(65, 20s)) << agentLog() << sim->log();

  // A re-upload of everything (the terminal answering read_log) adds nothing new to the outbox,
  // and publishes every record of the range once more: the relay keeps each once.
  relay.sendCommand(
      {{"command_id", "push-requery-1"},
       {"device", kSerial},
       {"type", "read_log"},
       {"params", {{"from", "2000-01-01T00:00:00Z"}, {"to", "2030-01-01T00:00:00Z"}}}});
  const auto requery = relay.resultFor("push-requery-1", 30s);
  ASSERT_TRUE(requery.has_value()) << agentLog();
  EXPECT_EQ((*requery)["status"], "succeeded") << requery->dump();
  EXPECT_EQ((*requery)["result"]["records"], 65) << requery->dump();
  EXPECT_EQ((*requery)["result"]["new"], 0) << requery->dump();

  // So does a terminal whose server lost its stamps: after a reboot its handshake gets
  // ATTLOGStamp=None and it sends its whole log again.
  agent->stop();
  {
    // Drop the stamps only: the punches stay, as after restoring an older backup.
    auto outbox = sqlite::Database::open(dir_.file("outbox.db").string());
    ASSERT_TRUE(outbox.ok());
    ASSERT_TRUE(outbox->exec("DELETE FROM upload_stamps").ok());
  }
  const auto uploads_before = sim->state()["push"]["uploads"].get<int>();
  agent = startAgent();
  relay.sendCommand({{"command_id", "push-reboot-1"}, {"device", kSerial}, {"type", "restart"}});
  ASSERT_TRUE(relay.resultFor("push-reboot-1", 20s).has_value()) << agentLog();
  ASSERT_TRUE(testing::eventually(
      [&] { return sim->state()["push"]["uploads"].get<int>() >= uploads_before + 3; }, 20s))
      << sim->state().dump();
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(relay.distinct(), 65U);
  // Once, and once more for read_log; the reboot's re-upload of the whole log sends nothing.
  for (const auto& [id, count] : relay.deliveries()) {
    EXPECT_LE(count, 2) << id << " delivered more than once besides read_log";
  }
  const json status = pushStatus();
  EXPECT_EQ(status["online"], true) << status.dump();
  EXPECT_EQ(status["protocol"], "push");
  EXPECT_EQ(status["logs"], 65) << status.dump();
  EXPECT_EQ(status["users"], 5) << status.dump();
  EXPECT_EQ(localStatus()["outbox"]["pending"], 0);
}

TEST_F(PushTest, AnUnconfiguredSerialKeepsItsPunchesUntilItIsServed) {
  MosquittoFixture broker(brokerOptions());
  RelayStandIn relay(broker);
  writeConfig(broker, pushDevice("SOMEOTHERSERIAL", "UTC"));
  auto agent = startAgent();
  auto sim = startSim({"--users", "3", "--logs", "10"});
  ASSERT_TRUE(
      testing::eventually([&] { return sim->state()["push"]["refused"].get<int>() >= 2; }, 10s));
  const json refused = sim->state()["push"];
  EXPECT_NE(refused["last_error"].get<std::string>().find("HTTP 403"), std::string::npos)
      << refused.dump();
  EXPECT_EQ(refused["handshakes"], 0);
  EXPECT_EQ(relay.distinct(), 0U);
  EXPECT_NE(agentLog().find("not configured"), std::string::npos);

  agent->stop();
  writeConfig(broker, pushDevice(kSerial, "UTC"));
  agent = startAgent();
  ASSERT_TRUE(relay.waitForDistinct(10, 20s)) << agentLog() << sim->log();
}

TEST_F(PushTest, CommandsChangeTheTerminalAndReportItsAnswers) {
  MosquittoFixture broker(brokerOptions());
  RelayStandIn relay(broker);
  writeConfig(broker, pushDevice(kSerial, "Europe/Berlin"));
  auto agent = startAgent();
  auto sim = startSim({"--users", "2", "--logs", "3", "--tz", "Europe/Berlin"});
  ASSERT_TRUE(relay.waitForDistinct(3, 20s)) << agentLog() << sim->log();

  const std::string finger0 = crypto::base64Encode(std::string(512, 'a'));
  const std::string finger6 = crypto::base64Encode(std::string(600, 'b'));
  const auto run = [&](const std::string& id, const std::string& type, const json& params) {
    relay.sendCommand({{"command_id", id}, {"device", "gate"}, {"type", type}, {"params", params}});
    auto result = relay.resultFor(id, 30s);
    EXPECT_TRUE(result.has_value()) << id << "\n" << agentLog();
    return result.value_or(json{});
  };

  const json enrolled =
      run("push-enroll-1", "enroll_user",
          {{"user_id", "EMP_77"},
           {"name", "Ada Lovelace"},
           {"privilege", 14},
           {"card", 123456789},
           {"templates", {{{"index", 0}, {"data", finger0}}, {{"index", 6}, {"data", finger6}}}}});
  EXPECT_EQ(enrolled["status"], "succeeded") << enrolled.dump();
  EXPECT_EQ(enrolled["result"]["templates"], 2);
  const json user = sim->get("/users/EMP_77").body;
  EXPECT_EQ(user["name"], "Ada Lovelace") << user.dump();
  EXPECT_EQ(user["privilege"], 14);
  EXPECT_EQ(user["card"], 123456789);
  ASSERT_EQ(user["fingers"].size(), 2U) << user.dump();
  EXPECT_EQ(user["fingers"][0]["finger"], 0);
  EXPECT_EQ(user["fingers"][0]["data"], finger0);
  EXPECT_EQ(user["fingers"][1]["finger"], 6);
  EXPECT_EQ(user["fingers"][1]["data"], finger6);

  const json listed = run("push-read-1", "read_users", json::object());
  EXPECT_EQ(listed["status"], "succeeded") << listed.dump();
  EXPECT_EQ(listed["result"]["users"].size(), 3U) << listed.dump();

  const json renamed =
      run("push-update-1", "update_user", {{"user_id", "EMP_77"}, {"name", "Ada L."}});
  EXPECT_EQ(renamed["status"], "succeeded") << renamed.dump();
  EXPECT_EQ(sim->get("/users/EMP_77").body["name"], "Ada L.");
  const json absent = run("push-update-2", "update_user", {{"user_id", "NOBODY"}, {"name", "x"}});
  EXPECT_EQ(absent["status"], "failed");
  EXPECT_NE(absent["error"].get<std::string>().find("not on the terminal"), std::string::npos)
      << absent.dump();
  EXPECT_EQ(sim->get("/users/NOBODY").status, 404);

  const json deleted = run("push-delete-1", "delete_user", {{"user_id", "EMP_77"}});
  EXPECT_EQ(deleted["status"], "succeeded") << deleted.dump();
  EXPECT_EQ(deleted["result"]["deleted"], true);
  EXPECT_EQ(sim->get("/users/EMP_77").status, 404);
  const json again = run("push-delete-2", "delete_user", {{"user_id", "EMP_77"}});
  EXPECT_EQ(again["status"], "succeeded") << again.dump();
  EXPECT_EQ(again["result"]["deleted"], false);

  EXPECT_EQ(run("push-unlock-1", "unlock", {{"seconds", 3}})["status"], "succeeded");
  EXPECT_EQ(sim->state()["counters"]["unlocks"], 1);
  EXPECT_EQ(run("push-options-1", "set_options", {{"options", {{"Delay", 5}}}})["status"],
            "succeeded");
  EXPECT_EQ(run("push-time-1", "set_time", json::object())["status"], "succeeded");
  const json wrong_time = run("push-time-2", "set_time", {{"time", "2001-01-01T00:00:00Z"}});
  EXPECT_EQ(wrong_time["status"], "failed");
  EXPECT_NE(wrong_time["error"].get<std::string>().find("agent's replies"), std::string::npos);

  // A range with nothing in it is an empty answer, not a failure.
  const json empty = run("push-query-1", "read_log",
                         {{"from", "2001-01-01T00:00:00Z"}, {"to", "2001-01-02T00:00:00Z"}});
  EXPECT_EQ(empty["status"], "succeeded") << empty.dump();
  EXPECT_EQ(empty["result"]["records"], 0);

  const json cleared = run("push-clear-1", "clear_attendance", {{"confirm", true}});
  EXPECT_EQ(cleared["status"], "succeeded") << cleared.dump();
  EXPECT_EQ(sim->state()["attendance_count"], 0);
  // New punches after the clear still arrive: the stamp started again with the log.
  sim->punch("1001", 0, 1, "2026-08-01 10:00:00");
  ASSERT_TRUE(relay.waitForDistinct(4, 10s)) << agentLog();

  const json restarted = run("push-restart-1", "restart", json::object());
  EXPECT_EQ(restarted["status"], "succeeded") << restarted.dump();
  EXPECT_EQ(sim->state()["counters"]["restarts"], 1);

  // Terminal gone: offline after offline_after, and a command then expires.
  sim->stop();
  ASSERT_TRUE(testing::eventually([&] { return pushStatus()["online"] == false; }, 10s))
      << pushStatus().dump();
  relay.sendCommand({{"command_id", "push-expire-1"},
                     {"device", kSerial},
                     {"type", "unlock"},
                     {"expires_at", "2000-01-01T00:00:00Z"}});
  const auto expired = relay.resultFor("push-expire-1", 10s);
  ASSERT_TRUE(expired.has_value());
  EXPECT_EQ((*expired)["status"], "failed");
  EXPECT_NE((*expired)["error"].get<std::string>().find("expired"), std::string::npos);
}

TEST_F(PushTest, MalformedRequestsGet400AndChangeNothing) {
  MosquittoFixture broker(brokerOptions());
  RelayStandIn relay(broker);
  writeConfig(broker, pushDevice(kSerial, "UTC"));
  auto agent = startAgent();
  const std::string cdata = std::string("/iclock/cdata?SN=") + kSerial;

  // A good upload first: TAB and space variants, CRLF, a BOM.
  auto good = push("POST", cdata + "&table=ATTLOG&Stamp=7",
                   "\xEF\xBB\xBF"
                   "1\t2026-05-01 08:00:00\t0\t1\t\t0\t0\r\n"
                   "2 2026-05-01 08:01:00 1 15\n\n");
  EXPECT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(good.body, "OK:2");
  EXPECT_FALSE(good.header("date").empty());
  ASSERT_TRUE(relay.waitForDistinct(2, 10s)) << agentLog();

  // One bad line refuses the whole batch: the terminal resends it, so nothing is half-stored.
  auto bad = push("POST", cdata + "&table=ATTLOG&Stamp=9",
                  "3\t2026-05-01 08:02:00\t0\t1\n4\t2026-13-45 99:00:00\t0\t1\n");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("line 2"), std::string::npos) << bad.body;
  EXPECT_EQ(push("POST", cdata + "&table=ATTLOG", "\x01\x02garbage").status, 400);
  EXPECT_EQ(push("GET", "/iclock/cdata?SN=bad%20serial&options=all").status, 400);
  EXPECT_EQ(push("GET", "/iclock/cdata?options=all").status, 400);
  EXPECT_EQ(push("POST", "/iclock/devicecmd?SN=" + std::string(kSerial), "not a result\n").status,
            400);
  EXPECT_EQ(push("DELETE", cdata).status, 405);
  EXPECT_EQ(push("GET", "/elsewhere").status, 404);
  EXPECT_EQ(push("GET", "/iclock/getrequest?SN=UNKNOWN1").status, 403);
  // Over push.max_body (64 KiB): 413, and the connection survives to tell the terminal.
  const auto huge = push("POST", cdata + "&table=ATTLOG", std::string(100 * 1024, '1'));
  EXPECT_EQ(huge.status, 413);

  // Expect: 100-continue and a chunked body, as large uploads come.
  auto chunked = push("POST", cdata + "&table=ATTLOG&Stamp=11", "5\t2026-05-01 08:05:00\t0\t1\n",
                      {{"Expect", "100-continue"}, {"Transfer-Encoding", "chunked"}});
  EXPECT_EQ(chunked.status, 200) << chunked.body;
  ASSERT_TRUE(relay.waitForDistinct(3, 10s)) << agentLog();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(relay.distinct(), 3U);

  // The handshake hands back the stamp of the last upload that was stored, not of refused ones.
  auto handshake = push("GET", cdata + "&options=all&pushver=2.4.1");
  EXPECT_EQ(handshake.status, 200);
  EXPECT_NE(handshake.body.find("ATTLOGStamp=11\n"), std::string::npos) << handshake.body;
  EXPECT_NE(handshake.body.find("GET OPTION FROM: " + std::string(kSerial)), std::string::npos);
  EXPECT_NE(handshake.body.find("TimeZone=0\n"), std::string::npos) << handshake.body;
  EXPECT_EQ(push("GET", "/iclock/ping?SN=" + std::string(kSerial)).body, "OK");

  // Nothing of OPERLOG or INFO is kept, so what cannot be read there is skipped, not refused:
  // a refusal would stall the terminal's uploads (its punches wait behind OPERLOG) or its polls.
  EXPECT_EQ(push("POST", cdata + "&table=OPERLOG&Stamp=3",
                 "USER Name=nobody\nOPLOG 4\t0\t2026-05-01 "
                 "08:00:00\t0\t0\t0\t0\n")
                .body,
            "OK:1");
  EXPECT_NE(pushStatus()["last_error"].get<std::string>().find("OPERLOG line 1"), std::string::npos)
      << pushStatus().dump();
  EXPECT_EQ(push("GET", "/iclock/getrequest?SN=" + std::string(kSerial) + "&INFO=x").body, "OK");
  EXPECT_NE(pushStatus()["last_error"].get<std::string>().find("INFO ignored"), std::string::npos)
      << pushStatus().dump();
  EXPECT_EQ(pushStatus()["online"], true);
  EXPECT_EQ(relay.distinct(), 3U);
}

TEST_F(PushTest, AForgedTerminalOnAnotherAddressGetsNeitherPunchesInNorCommandsOut) {
  MosquittoFixture broker(brokerOptions());
  RelayStandIn relay(broker);
  writeConfig(broker, pushDevice(kSerial, "UTC"));
  auto agent = startAgent();
  // The real terminal calls first, from 127.0.0.1, and so pins the serial to that address.
  auto sim = startSim({"--users", "2", "--logs", "3"});
  ASSERT_TRUE(relay.waitForDistinct(3, 20s)) << agentLog() << sim->log();
  EXPECT_NE(agentLog().find("pinned a push terminal to the address it called from"),
            std::string::npos);
  sim->stop();  // so that only the impostor polls while a command waits

  const std::string cdata = "/iclock/cdata?SN=" + std::string(kSerial);
  const std::string punch = "FORGED1\t2026-07-03 08:00:00\t0\t1\n";
  const auto upload = forged("POST", cdata + "&table=ATTLOG&Stamp=99", punch);
  EXPECT_EQ(upload.status, 403) << upload.body;
  EXPECT_EQ(upload.body.find("127.0.0.1"), std::string::npos) << "the reply names the real address";
  EXPECT_EQ(forged("GET", cdata + "&options=all").status, 403);

  // The pin is in the outbox: after a restart the impostor, calling first, is still refused, as
  // is a whole emulated terminal calling from its address.
  agent->stop();
  agent = startAgent();
  EXPECT_EQ(forged("POST", cdata + "&table=ATTLOG&Stamp=99", punch).status, 403);
  auto impostor = startSim({"--users", "1", "--logs", "2", "--push-source", "127.0.0.2"});
  ASSERT_TRUE(testing::eventually(
      [&] { return impostor->state()["push"]["refused"].get<int>() >= 1; }, 10s));
  EXPECT_EQ(impostor->state()["push"]["handshakes"], 0) << impostor->state()["push"].dump();
  impostor->stop();

  // An enrolment with a password waits for the terminal; the impostor's poll does not get it.
  relay.sendCommand(
      {{"command_id", "push-forged-1"},
       {"device", kSerial},
       {"type", "enroll_user"},
       {"params", {{"user_id", "EMP_9"}, {"name", "Eve Target"}, {"password", "4321"}}}});
  ASSERT_TRUE(testing::eventually([&] { return pushStatus()["pending_commands"] == 1; }, 10s))
      << pushStatus().dump() << agentLog();
  const auto poll = forged("GET", "/iclock/getrequest?SN=" + std::string(kSerial));
  EXPECT_EQ(poll.status, 403);
  EXPECT_EQ(poll.body.find("C:"), std::string::npos) << poll.body;
  EXPECT_EQ(poll.body.find("4321"), std::string::npos) << poll.body;
  EXPECT_EQ(
      forged("POST", "/iclock/devicecmd?SN=" + std::string(kSerial), "ID=1&Return=0\n").status,
      403);
  const json status = pushStatus();
  EXPECT_EQ(status["pending_commands"], 1) << status.dump();
  EXPECT_NE(status["last_error"].get<std::string>().find("refused a request from 127.0.0.2"),
            std::string::npos)
      << status.dump();
  EXPECT_NE(agentLog().find("refused a push request from an unexpected address"),
            std::string::npos);
  EXPECT_EQ(outboxRowsWith("FORGED1"), 0);

  // The real terminal gets it on its next poll.
  sim = startSim({"--users", "2", "--logs", "3"});
  const auto result = relay.resultFor("push-forged-1", 30s);
  ASSERT_TRUE(result.has_value()) << agentLog() << sim->log();
  EXPECT_EQ((*result)["status"], "succeeded") << result->dump();
  EXPECT_EQ(sim->get("/users/EMP_9").body["name"], "Eve Target");
  EXPECT_EQ(relay.distinct(), 3U);

  // The terminal moves: the operator releases the pin while the agent runs, and the next
  // caller's address is pinned instead.
  sim->stop();
  const auto release = [&](const std::string& log) {
    ChildProcess cli({PUNCHLINK_AGENT, "--config", config_.string(), "--release-pin", kSerial},
                     dir_.file(log));
    EXPECT_EQ(cli.waitForExit(10s), 0) << cli.log();
    return cli.log();
  };
  EXPECT_NE(
      release("release-1.log").find("released serial " + std::string(kSerial) + " from 127.0.0.1"),
      std::string::npos);
  EXPECT_NE(release("release-2.log").find("has no address pin"), std::string::npos);
  EXPECT_EQ(forged("GET", cdata + "&options=all").status, 200);
  EXPECT_EQ(push("GET", cdata + "&options=all").status, 403);
}

TEST_F(PushTest, DripFedConnectionsDoNotStarveTheTerminals) {
  MosquittoFixture broker(brokerOptions());
  RelayStandIn relay(broker);
  writeConfig(broker, pushDevice(kSerial, "UTC"));
  auto agent = startAgent();
  // 40 connections from LAN hosts that never finish a request: 20 from one, one from each of 20.
  std::vector<std::string> sources(20, "127.0.0.2");
  for (const auto& source : testing::loopbackSources(3, 20)) {
    sources.push_back(source);
  }
  testing::DripClients drippers(push_port_, sources, 200ms);
  std::this_thread::sleep_for(1s);
  EXPECT_LE(drippers.open(), 8 + 20);  // one host gets its share of connections, no more
  const auto started = std::chrono::steady_clock::now();
  const auto handshake = push("GET", "/iclock/cdata?SN=" + std::string(kSerial) + "&options=all");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(handshake.status, 200) << handshake.body << agentLog();
}

TEST_F(PushTest, ACommKeyIsRequiredWhenTheDeviceHasOne) {
  MosquittoFixture broker(brokerOptions());
  RelayStandIn relay(broker);
  writeConfig(broker, pushDevice(kSerial, "UTC", "    comm_key: \"58273914\"\n"));
  auto agent = startAgent();
  const std::string cdata = "/iclock/cdata?SN=" + std::string(kSerial);

  // A terminal without the key is refused and keeps its punches.
  auto keyless = startSim({"--users", "2", "--logs", "4"});
  ASSERT_TRUE(testing::eventually(
      [&] { return keyless->state()["push"]["refused"].get<int>() >= 2; }, 10s));
  const json refused = keyless->state()["push"];
  EXPECT_EQ(refused["handshakes"], 0) << refused.dump();
  EXPECT_NE(refused["last_error"].get<std::string>().find("HTTP 403 ComKey missing or wrong"),
            std::string::npos)
      << refused.dump();
  keyless->stop();
  EXPECT_EQ(push("POST", cdata + "&table=ATTLOG&ComKey=12345678", "1\t2026-05-01 08:00:00\t0\t1\n")
                .status,
            403);
  EXPECT_EQ(relay.distinct(), 0U);
  EXPECT_NE(agentLog().find("refused a push request with a wrong or missing comm key"),
            std::string::npos);
  EXPECT_NE(pushStatus()["last_error"].get<std::string>().find("wrong ComKey"), std::string::npos)
      << pushStatus().dump();
  EXPECT_EQ(agentLog().find("58273914"), std::string::npos) << "the log shows the key";

  // With the right key it is served.
  EXPECT_EQ(push("GET", cdata + "&options=all&ComKey=58273914").status, 200);
  auto sim = startSim({"--users", "2", "--logs", "4", "--push-key", "58273914"});
  ASSERT_TRUE(relay.waitForDistinct(4, 20s)) << agentLog() << sim->log();
  EXPECT_EQ(sim->state()["push"]["refused"], 0) << sim->state()["push"].dump();
}

}  // namespace
}  // namespace punchlink::agent
