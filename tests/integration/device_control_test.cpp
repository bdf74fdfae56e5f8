// Device control and device events through the whole stack: REST → relay → Mosquitto → the real
// agent → zk-sim (ZK binary and push) and back, and what terminals report arriving as signed
// webhooks at a receiver.
#include "relay_fixture.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/testing/webhook_receiver.hpp>

#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>

namespace punchlink::relay {
namespace {

using testing::ReceivedWebhook;
using testing::WebhookReceiver;

class DeviceControlTest : public RelayFixture {
 protected:
  void SetUp() override {
    appendRelayConfig(
        "webhooks:\n  allow_http: true\n  allow_private_networks: true\n  poll_interval: 100ms\n"
        "devices:\n  gap_alert_after: 2s\n");
    tenant_ = createTenantAndSite("plant-1");
    key_ = createApiKey(tenant_);
    relay_ = startRelay();
    const auto created = call("POST", "/v1/webhooks", R"({"url":")" + receiver_.url() + R"("})");
    ASSERT_EQ(created.status, 201) << created.body;
    secret_ = created.json()["secret"];
  }

  testing::HttpReply call(const std::string& method,
                          const std::string& path,
                          const std::string& body = "") {
    return api(method, path, key_, body);
  }

  // The agent of site plant-1 with `devices` (YAML list items) and more top-level YAML.
  std::unique_ptr<ChildProcess> startSiteAgent(const std::string& devices,
                                               const std::string& extra = "") {
    dir_.write("agent-password", "site-secret\n");
    const auto config =
        dir_.write("agent.yaml", "site_id: plant-1\nuplink:\n  broker: " + broker_.url() +
                                     "\n  password_file: " + dir_.file("agent-password").string() +
                                     "\n  ca_file: " + broker_.ca().ca_cert.string() +
                                     "\n  batch_delay: 50ms\n  ack_timeout: 2s\noutbox:\n  path: " +
                                     dir_.file("outbox.db").string() +
                                     "\nstatus:\n  listen: \"\"\n  interval: 1s\n" + extra +
                                     "devices:\n" + devices);
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{PUNCHLINK_AGENT, "--config", config.string()},
        dir_.file("agent.log"));
  }

  // Sends a device command and waits for its final state; the command as the API shows it.
  json command(const std::string& serial, const std::string& body) {
    const auto sent = call("POST", "/v1/devices/" + serial + "/commands", body);
    EXPECT_EQ(sent.status, 202) << body << " " << sent.body;
    if (sent.status != 202) {
      return json{};
    }
    const std::string id = sent.json()["id"];
    json state;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      state = call("GET", "/v1/commands/" + id).json();
      if (state["status"] == "succeeded" || state["status"] == "failed") {
        break;
      }
      std::this_thread::sleep_for(100ms);
    }
    return state;
  }

  // The first delivered webhook of `type` that `match` accepts, its signature checked.
  std::optional<json> webhook(const std::string& type,
                              const std::function<bool(const json&)>& match = {},
                              std::chrono::seconds timeout = 30s) {
    std::optional<json> found;
    receiver_.waitFor(
        [&](const std::vector<ReceivedWebhook>& all) {
          for (const auto& hook : all) {
            const json body = json::parse(hook.body, nullptr, false);
            if (body.value("event", "") != type || (match && !match(body))) {
              continue;
            }
            // Signed with the endpoint's secret over the exact bytes, which re-serialise to
            // themselves (the guide's express handler verifies that way).
            EXPECT_EQ(hook.headers.at("x-signature"),
                      crypto::toHex(crypto::hmacSha256(secret_, hook.body)));
            EXPECT_EQ(nlohmann::ordered_json::parse(hook.body).dump(), hook.body);
            found = body;
            return true;
          }
          return false;
        },
        timeout);
    return found;
  }

  json device(const std::string& serial) { return call("GET", "/v1/devices/" + serial).json(); }

  template <typename Predicate>
  bool eventually(Predicate predicate, std::chrono::seconds timeout = 30s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (predicate()) {
        return true;
      }
      std::this_thread::sleep_for(100ms);
    }
    return predicate();
  }

  // Deletes `count` of the terminal's punches from the relay's database: records lost there.
  void losePunches(int count) {
    auto db = sql::open(storage_.location());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)
                    ->run("DELETE FROM punches WHERE seq IN (SELECT seq FROM punches ORDER BY "
                          "seq LIMIT ?)",
                          static_cast<std::int64_t>(count))
                    .ok());
  }

  WebhookReceiver receiver_;
  std::string tenant_;
  std::string key_;
  std::string secret_;
  std::unique_ptr<ChildProcess> relay_;
};

// Each command type reaches a ZK binary terminal and zk-sim's state proves its effect; a gap in
// the relay's records holds clear_attendance back until read_log closes it.
TEST_F(DeviceControlTest, CommandsReachAZkTerminal) {
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "3", "--logs", "5", "--serial", "ZKCTL0000001"});
  auto agent = startSiteAgent("  - name: door\n    host: 127.0.0.1\n    port: " +
                              std::to_string(sim.port()) + "\n    time_zone: UTC\n");
  ASSERT_TRUE(waitForStored(5, 30s)) << logs();
  const std::string serial = "ZKCTL0000001";

  EXPECT_EQ(command(serial, R"({"type":"unlock","seconds":2})")["status"], "succeeded") << logs();
  EXPECT_EQ(sim.state()["counters"]["unlocks"], 1) << sim.state().dump();

  auto done = command(serial, R"({"type":"set_time","time":"2031-05-04T03:02:01Z"})");
  EXPECT_EQ(done["status"], "succeeded") << done.dump();
  EXPECT_EQ(sim.state()["clock"].get<std::string>().substr(0, 13), "2031-05-04 03")
      << sim.state().dump();
  EXPECT_EQ(command(serial, R"({"type":"set_time"})")["status"], "succeeded");
  EXPECT_LT(std::abs(sim.state()["clock_offset_s"].get<int>()), 5) << sim.state().dump();

  // The relay compares records once the agent has read the log and reported its count.
  ASSERT_TRUE(eventually([&] {
    const json reconciliation = device(serial)["reconciliation"];
    return reconciliation.is_object() && reconciliation["terminal_records"] == 5 &&
           reconciliation["missing"] == 0;
  })) << device(serial).dump();
  // Two records go missing at the relay: device.records_missing, and no clearing.
  losePunches(2);
  ASSERT_TRUE(eventually([&] { return device(serial)["reconciliation"]["missing"] == 2; }))
      << device(serial).dump();
  const auto missing = webhook("device.records_missing");
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ((*missing)["reconciliation"]["missing"], 2);
  const auto refused = call("POST", "/v1/devices/" + serial + "/commands",
                            R"({"type":"clear_attendance","confirm":true})");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_NE(refused.body.find("read_log"), std::string::npos) << refused.body;
  // read_log over the log's days publishes every record again; the relay keeps each once.
  done =
      command(serial, R"({"type":"read_log","start_date":"2024-01-01","end_date":"2024-01-02"})");
  ASSERT_EQ(done["status"], "succeeded") << done.dump() << logs();
  EXPECT_EQ(done["result"]["records"], 5) << done.dump();
  ASSERT_TRUE(waitForStored(5, 30s));
  EXPECT_EQ(storedPunches(), 5) << "a record re-read is stored once";
  ASSERT_TRUE(eventually([&] { return device(serial)["reconciliation"]["missing"] == 0; }))
      << device(serial).dump();
  // The agent clears only once the relay has acknowledged every record; the acks of the re-read
  // ones may still be on their way.
  for (int attempt = 0; attempt < 10; ++attempt) {
    done = command(serial, R"({"type":"clear_attendance","confirm":true})");
    if (done["status"] == "succeeded" ||
        done.value("error", "").find("not at the relay yet") == std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_EQ(done["status"], "succeeded") << done.dump();
  EXPECT_EQ(sim.state()["attendance_count"], 0) << sim.state().dump();

  EXPECT_EQ(command(serial, R"({"type":"restart"})")["status"], "succeeded");
  EXPECT_EQ(sim.state()["counters"]["restarts"], 1) << sim.state().dump();
  // Listed newest first, each with its final state.
  const json listed = call("GET", "/v1/devices/" + serial + "/commands?limit=100").json();
  ASSERT_EQ(listed["data"].size(), 6U) << listed.dump();
  EXPECT_EQ(listed["data"][0]["type"], "restart");
  EXPECT_EQ(listed["data"][5]["type"], "unlock");
}

// Door, alarm and denied-access events of a ZK terminal, a clock that drifts (alerted, then
// corrected once sync_time says auto) and a punch its clock could not have stamped, all as
// signed webhooks with the documented bodies.
TEST_F(DeviceControlTest, ZkTerminalEventsAndClockArriveAsWebhooks) {
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "3", "--logs", "0", "--serial", "ZKEVT0000001",
                                      "--tz", "Europe/Berlin"});
  auto agent = startSiteAgent("  - name: door\n    host: 127.0.0.1\n    port: " +
                              std::to_string(sim.port()) + "\n    time_zone: Europe/Berlin\n");
  const std::string serial = "ZKEVT0000001";
  ASSERT_TRUE(eventually([&] { return device(serial)["status"] == "online"; })) << logs();

  const std::map<std::string, std::string> events = {
      {"tamper", "alarm.tamper"},     {"exit_button", "alarm.exit_button"},
      {"door_closed", "door.closed"}, {"door_opened", "door.opened"},
      {"unlock", "door.unlocked"},    {"access_denied", "access.denied"}};
  for (const auto& [sim_type, event] : events) {
    ASSERT_EQ(sim.post("/events", {{"type", sim_type}}).status, 201) << sim_type;
    const auto body = webhook(event);
    ASSERT_TRUE(body.has_value()) << event << logs();
    EXPECT_EQ((*body)["device"]["id"], serial);
    const std::string section = event.substr(0, event.find('.'));
    ASSERT_TRUE((*body)[section].is_object()) << body->dump();
    EXPECT_EQ((*body)[section]["source"], "realtime");
    EXPECT_TRUE((*body)[section]["local_time"].is_string()) << body->dump();
  }
  ASSERT_EQ(sim.post("/events", {{"type", "duress"}, {"user_id", "1002"}}).status, 201);
  const auto duress = webhook("alarm.duress");
  ASSERT_TRUE(duress.has_value());
  EXPECT_EQ((*duress)["user"]["id"], "1002");
  EXPECT_EQ((*duress)["alarm"]["code"], 32);
  // Listed by the API too.
  const json tamper = call("GET", "/v1/events?type=alarm.tamper&device_id=" + serial).json();
  ASSERT_EQ(tamper["data"].size(), 1U) << tamper.dump();
  EXPECT_EQ(tamper["data"][0]["code"], 55);

  // A punch dated 2000-01-01 is kept, flagged.
  sim.punch("1001", 0, 1, "2000-01-01 00:00:12");
  const auto suspect = webhook("attendance.punch");
  ASSERT_TRUE(suspect.has_value());
  EXPECT_EQ((*suspect)["punch"]["flags"], json::array({"clock_suspect"})) << suspect->dump();
  EXPECT_EQ(
      call("GET", "/v1/logs?start_date=1999-12-31&end_date=2000-01-02").json()["data"][0]["flags"],
      json::array({"clock_suspect"}));

  // Five minutes off: alerted (policy alert by default), not corrected.
  ASSERT_EQ(sim.post("/clock", {{"offset_s", 300}}).status, 200);
  const auto alerted = webhook("device.clock_drift");
  ASSERT_TRUE(alerted.has_value()) << logs();
  EXPECT_NEAR((*alerted)["clock"]["drift_s"].get<double>(), 300.0, 5.0);
  EXPECT_EQ((*alerted)["clock"]["corrected"], false);
  ASSERT_TRUE(eventually([&] { return device(serial)["clock"]["drift_s"].is_number(); }));
  EXPECT_NEAR(device(serial)["clock"]["drift_s"].get<double>(), 300.0, 5.0);
  EXPECT_EQ(device(serial)["clock"]["policy"], "alert");
  // sync_time auto: the agent sets the clock.
  const json policy = command(serial, R"({"type":"sync_time","policy":"auto","threshold_s":30})");
  EXPECT_EQ(policy["status"], "succeeded") << policy.dump();
  ASSERT_TRUE(eventually([&] { return std::abs(sim.state()["clock_offset_s"].get<int>()) < 5; }))
      << sim.state().dump() << logs();
  // A new drift is alerted and corrected in one go.
  ASSERT_EQ(sim.post("/clock", {{"offset_s", -400}}).status, 200);
  const auto corrected =
      webhook("device.clock_drift", [](const json& body) { return body["clock"]["corrected"]; });
  ASSERT_TRUE(corrected.has_value()) << logs();
  EXPECT_NEAR((*corrected)["clock"]["drift_s"].get<double>(), -400.0, 5.0);
  ASSERT_TRUE(eventually([&] { return std::abs(sim.state()["clock_offset_s"].get<int>()) < 5; }));
  EXPECT_EQ(device(serial)["clock"]["policy"], "auto");
}

// A push terminal: temperature (sent in °F, delivered in °C) and mask on its punches, its alarms
// as webhooks, and commands translated into its own.
TEST_F(DeviceControlTest, PushTerminalMeasurementsEventsAndCommands) {
  const std::uint16_t push_port = testing::freeLoopbackPort();
  const std::string serial = "PUSHCTL0000001";
  auto agent = startSiteAgent("  - name: lobby\n    protocol: push\n    serial: " + serial +
                                  "\n    time_zone: UTC\n    pin_address: false\n",
                              "push:\n  listen: 127.0.0.1:" + std::to_string(push_port) +
                                  "\n  delay: 1s\n  error_delay: 1s\n  offline_after: 5s\n");
  ASSERT_TRUE(testing::waitForPort(push_port, 10s)) << logs();
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--serial", serial, "--users", "3", "--logs", "2",
                                      "--push-url", "http://127.0.0.1:" + std::to_string(push_port),
                                      "--push-retry", "1", "--temperature-unit", "f"});
  ASSERT_TRUE(waitForStored(2, 30s)) << logs();

  ASSERT_EQ(
      sim.post("/punches", {{"user_id", "1002"}, {"temperature", 36.6}, {"mask", true}}).status,
      201);
  const auto measured = webhook(
      "attendance.punch", [](const json& body) { return body["punch"].contains("temperature"); });
  ASSERT_TRUE(measured.has_value()) << logs();
  EXPECT_EQ((*measured)["punch"]["temperature"], 36.6) << measured->dump();
  EXPECT_EQ((*measured)["punch"]["mask_detected"], true);
  const json logged = call("GET", "/v1/logs?user_id=1002&limit=1000").json();
  ASSERT_FALSE(logged["data"].empty());
  EXPECT_EQ(logged["data"].back()["temperature"], 36.6);

  ASSERT_EQ(sim.post("/events", {{"type", "tamper"}}).status, 201);
  const auto tamper = webhook("alarm.tamper");
  ASSERT_TRUE(tamper.has_value()) << logs();
  EXPECT_EQ((*tamper)["alarm"]["source"], "push");
  EXPECT_EQ((*tamper)["alarm"]["code"], 55);
  ASSERT_EQ(sim.post("/events", {{"type", "duress"}, {"user_id", "1001"}}).status, 201);
  const auto duress = webhook("alarm.duress");
  ASSERT_TRUE(duress.has_value());
  EXPECT_EQ((*duress)["user"]["id"], "1001");
  ASSERT_EQ(sim.post("/events", {{"type", "door_opened"}}).status, 201);
  EXPECT_TRUE(webhook("door.opened").has_value());

  EXPECT_EQ(command(serial, R"({"type":"unlock","seconds":3})")["status"], "succeeded");
  EXPECT_EQ(sim.state()["counters"]["unlocks"], 1) << sim.state().dump();
  auto done =
      command(serial, R"({"type":"read_log","start_date":"2024-01-01","end_date":"2024-01-02"})");
  EXPECT_EQ(done["status"], "succeeded") << done.dump();
  EXPECT_EQ(done["result"]["records"], 2) << done.dump();
  // A push terminal takes only "now": another time is refused with the reason.
  done = command(serial, R"({"type":"set_time","time":"2031-05-04T03:02:01Z"})");
  EXPECT_EQ(done["status"], "failed");
  EXPECT_NE(done["error"].get<std::string>().find("cannot be set to another time"),
            std::string::npos)
      << done.dump();
  EXPECT_EQ(command(serial, R"({"type":"set_time"})")["status"], "succeeded");
  ASSERT_TRUE(eventually([&] { return device(serial)["reconciliation"]["missing"] == 0; }))
      << device(serial).dump();
  done = command(serial, R"({"type":"clear_attendance","confirm":true})");
  EXPECT_EQ(done["status"], "succeeded") << done.dump();
  EXPECT_TRUE(eventually([&] { return sim.state()["attendance_count"] == 0; }))
      << sim.state().dump();
  EXPECT_EQ(command(serial, R"({"type":"restart"})")["status"], "succeeded");
  EXPECT_TRUE(eventually([&] { return sim.state()["counters"]["restarts"] == 1; }))
      << sim.state().dump();
}

}  // namespace
}  // namespace punchlink::relay
