// Two relay nodes on one PostgreSQL database and one Mosquitto, as a scaled-out deployment runs:
// a real agent forwards a terminal's 6,000 punches, one node is killed with SIGKILL halfway, and
// nothing is lost, nothing is stored twice and no webhook attempt overlaps another of the same
// delivery.
#include "relay_fixture.hpp"

#include <punchlink/testing/eventually.hpp>
#include <punchlink/testing/webhook_receiver.hpp>

#include <algorithm>
#include <map>

namespace punchlink::relay {
namespace {

constexpr int kPunches = 6'000;

class ScaleOutTest : public RelayFixture {
 protected:
  // A node of the cluster: the fixture's relay.yaml on the shared database, with a port and a
  // broker account (so client id) of its own.
  std::unique_ptr<ChildProcess> startNode(const std::string& name, std::uint16_t port) {
    std::string config = testing::readFile(relay_config_);
    const auto listen = "127.0.0.1:" + std::to_string(http_port_);
    config.replace(config.find(listen), listen.size(), "127.0.0.1:" + std::to_string(port));
    const std::string account = "  username: relay\n";
    config.replace(config.find(account), account.size(),
                   "  client_id: relay-" + name + "\n  username: relay-" + name + "\n");
    const auto file = dir_.write("relay-" + name + ".yaml", config);
    auto node = std::make_unique<ChildProcess>(
        std::vector<std::string>{PUNCHLINK_RELAY, "serve", "--config", file.string()},
        dir_.file(name + ".log"));
    EXPECT_TRUE(testing::waitForPort(port, 20s)) << testing::readFile(dir_.file(name + ".log"));
    EXPECT_TRUE(testing::eventually(
        [&] {
          return testing::httpRequest({port, {}}, "GET", "/healthz", "", {})
              .json()
              .value("broker_connected", false);
        },
        20s))
        << testing::readFile(dir_.file(name + ".log"));
    return node;
  }

  std::string nodeLogs() {
    return "node a:\n" + testing::readFile(dir_.file("a.log")) + "\nnode b:\n" +
           testing::readFile(dir_.file("b.log")) + "\nagent:\n" +
           testing::readFile(dir_.file("agent.log"));
  }
};

TEST_F(ScaleOutTest, TwoNodesShareTheWorkAndSurviveTheDeathOfOne) {
  if (!storage_.postgres()) {
    GTEST_SKIP() << "several nodes need PostgreSQL: run with PUNCHLINK_TEST_STORAGE=postgres";
  }
  const std::string tenant = createTenantAndSite("plant-1");
  const std::string key = createApiKey(tenant);
  appendRelayConfig(
      "webhooks:\n  allow_http: true\n  allow_private_networks: true\n  attempt_timeout: 1s\n"
      "  initial_retry_delay: 100ms\n  max_retry_delay: 1s\n  poll_interval: 100ms\n"
      "  workers: 8\n  per_endpoint_concurrency: 8\n");
  const std::uint16_t port_b = testing::freeLoopbackPort();
  auto node_a = startNode("a", http_port_);
  auto node_b = startNode("b", port_b);

  testing::WebhookReceiver receiver;
  const auto created = api("POST", "/v1/webhooks", key,
                           json{{"url", receiver.url()}, {"events", {"attendance.punch"}}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;

  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "50", "--logs", std::to_string(kPunches),
                                      "--templates-per-user", "0"});
  // A backlog drains as fast as the relays take it (the default paces it at 200 punches/s).
  auto agent = startAgent(sim, "  drain_rate: 1000000\n  drain_burst: 1000000\n");

  // Halfway, node a dies as in a power cut: its batches in flight are not acked, so the agent
  // sends them again and node b takes them; its webhook leases lapse and node b takes those.
  ASSERT_TRUE(waitForStored(kPunches / 2, 600s)) << nodeLogs();
  node_a->kill();
  ASSERT_TRUE(waitForStored(kPunches, 600s)) << storedPunches() << " stored\n" << nodeLogs();
  EXPECT_EQ(storedPunches(), kPunches);  // and no punch under two ids (checked inside)

  // Both nodes took part in ingest and in delivery.
  for (const std::string log : {"a.log", "b.log"}) {
    EXPECT_NE(testing::readFile(dir_.file(log)).find("stored punches"), std::string::npos) << log;
  }

  // Every punch reached the receiver; at least once (a killed node may have sent one whose
  // answer it never recorded), and never by two attempts at the same time.
  ASSERT_TRUE(receiver.waitFor(
      [&](const auto&) { return receiver.deliveredEventIds().size() == kPunches; }, 600s))
      << receiver.deliveredEventIds().size() << " delivered\n"
      << nodeLogs();
  std::map<std::string, std::vector<std::pair<std::chrono::steady_clock::time_point,
                                              std::chrono::steady_clock::time_point>>>
      attempts;
  for (const auto& request : receiver.received()) {
    attempts[request.headers.at("x-event-id")].emplace_back(request.at, request.finished);
  }
  std::size_t repeated = 0;
  for (auto& [event, spans] : attempts) {
    std::sort(spans.begin(), spans.end());
    for (std::size_t i = 1; i < spans.size(); ++i) {
      EXPECT_GE(spans[i].first, spans[i - 1].second) << event << " attempted twice at once";
    }
    repeated += spans.size() - 1;
  }
  EXPECT_LT(repeated, 100U) << "only the killed node's attempts in flight may repeat";

  // The surviving node's view: nothing pending, nothing failed.
  std::string metrics;
  EXPECT_TRUE(testing::eventually(
      [&] {
        metrics = testing::httpRequest({port_b, {}}, "GET", "/metrics", "", {}).body;
        return metrics.find("punchlink_relay_webhook_deliveries{status=\"pending\"} 0\n") !=
               std::string::npos;
      },
      60s))
      << metrics;
  EXPECT_NE(metrics.find("punchlink_relay_webhook_deliveries{status=\"failed\"} 0\n"),
            std::string::npos)
      << metrics;
  node_b->stop();
}

}  // namespace
}  // namespace punchlink::relay
