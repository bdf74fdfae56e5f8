// The operator console in a real browser (Debian's headless Chromium, driven by
// tests/console/console_check.js) against the real stack: the relay serving the console, a TLS
// Mosquitto, the agent and a zk-sim terminal, and a webhook receiver. The script signs in, reads
// the fleet and the live feed, unlocks the door, creates a webhook endpoint and resends a
// delivery, and plays a hostile page of another origin; screenshots land in the build tree.
#include "relay_fixture.hpp"

#include <punchlink/testing/webhook_receiver.hpp>

#include <filesystem>

namespace punchlink::relay {
namespace {

class ConsoleBrowserTest : public RelayFixture {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(chromium())) {
      GTEST_FAIL() << chromium() << " is missing: apt-get install chromium "
                   << "(scripts/install-deps.sh installs it)";
    }
    appendRelayConfig(
        "webhooks:\n  allow_http: true\n  allow_private_networks: true\n  poll_interval: 100ms\n");
    tenant_ = createTenantAndSite("plant-1");
    key_ = createApiKey(tenant_);
    const auto [code, out] = admin({"tenants", "create", "Globex"});
    ASSERT_EQ(code, 0) << out;
    other_key_ = createApiKey(out.substr(0, out.find('\t')));
    relay_ = startRelay();
  }

  static std::string chromium() {
    const char* set = std::getenv("CHROMIUM");
    return set != nullptr ? set : "/usr/bin/chromium";
  }

  std::unique_ptr<ChildProcess> relay_;
  testing::WebhookReceiver receiver_;
  std::string tenant_;
  std::string key_;
  std::string other_key_;
};

TEST_F(ConsoleBrowserTest, AnOperatorRunsTheSiteFromTheBrowserAndAHostilePageCannot) {
  const std::string serial = "CONSOLE00001";
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "3", "--logs", "5", "--serial", serial});
  auto agent = startAgent(sim);
  ASSERT_TRUE(waitForStored(5, 30s)) << logs();
  // A name that would run as script if the console put it into the page as HTML.
  auto registered =
      api("POST", "/v1/devices", key_,
          R"({"serial_number":")" + serial +
              R"(","name":"<img src=x onerror=window.__pwned=1>","location":"Front door"})");
  ASSERT_EQ(registered.status, 201) << registered.body;
  registered = api("POST", "/v1/devices", other_key_,
                   R"({"serial_number":"GLOBEX00001","name":"their door","location":""})");
  ASSERT_EQ(registered.status, 201) << registered.body;

  const auto shots = std::filesystem::path(PUNCHLINK_CONSOLE_SHOTS);
  std::filesystem::create_directories(shots);
  ChildProcess check({"node", std::string(PUNCHLINK_CONSOLE_DIR) + "/console_check.js"},
                     dir_.file("browser.log"),
                     {"RELAY_URL=http://127.0.0.1:" + std::to_string(http_port_), "API_KEY=" + key_,
                      "OTHER_KEY=" + other_key_, "OTHER_SERIAL=GLOBEX00001", "SERIAL=" + serial,
                      "SIM_CONTROL_URL=http://127.0.0.1:" + std::to_string(sim.controlPort()),
                      "RECEIVER_URL=" + receiver_.url(), "SCREENSHOT_DIR=" + shots.string(),
                      "CHROMIUM=" + chromium(), "NODE_PATH=" PUNCHLINK_CONSOLE_DIR "/node_modules",
                      "HOME=" + dir_.path().string()});
  const auto status = check.waitForExit(240s);
  if (!status) {
    check.stop();
  }
  EXPECT_EQ(status.value_or(-1), 0) << check.log() << "\n--- relay log ---\n" << logs();
  EXPECT_NE(check.log().find("all checks passed"), std::string::npos) << check.log();
  // The receiver got the punches the console made, signed.
  EXPECT_TRUE(receiver_.waitFor(
      [](const std::vector<testing::ReceivedWebhook>& all) {
        return std::any_of(all.begin(), all.end(), [](const auto& hook) {
          return hook.body.find(R"("user":{"id":"4343")") != std::string::npos;
        });
      },
      10s));
}

}  // namespace
}  // namespace punchlink::relay
