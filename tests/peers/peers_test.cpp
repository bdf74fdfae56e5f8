// Third-party clients (node-zklib, zkteco-js) against zk-sim: what they read must equal zk-sim's
// state. Each test runs `node peer_check.js …` and parses its JSON.
#include <punchlink/testing/child_process.hpp>
#include <punchlink/testing/temp_dir.hpp>
#include <punchlink/testing/zk_sim_process.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <thread>

#ifndef PUNCHLINK_ZK_SIM
#error "PUNCHLINK_ZK_SIM must name the zk-sim binary"
#endif
#ifndef PUNCHLINK_PEERS_DIR
#error "PUNCHLINK_PEERS_DIR must name the folder with node_modules and peer_check.js"
#endif

namespace punchlink::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

struct PeerRun {
  json result;
  std::string log;
};

class PeerProcess {
 public:
  PeerProcess(const std::string& client, std::uint16_t port, const std::string& op, int count = 1)
      : process_({"node", std::string(PUNCHLINK_PEERS_DIR) + "/peer_check.js", client,
                  std::to_string(port), op, std::to_string(count)},
                 dir_.file("peer.log"),
                 {"TZ=UTC", "NODE_PATH=" PUNCHLINK_PEERS_DIR "/node_modules"}) {}

  bool waitFor(const std::string& text, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (process_.log().find(text) != std::string::npos) {
        return true;
      }
      if (!process_.running()) {
        return false;
      }
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  PeerRun finish(std::chrono::seconds timeout = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (process_.running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    process_.stop();
    PeerRun run{json(), process_.log()};
    // The JSON result is the last line that parses as an object.
    std::istringstream lines(run.log);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line.front() == '{') {
        run.result = json::parse(line, nullptr, false);
      }
    }
    return run;
  }

 private:
  TempDir dir_;
  ChildProcess process_;
};

PeerRun runPeer(const std::string& client, std::uint16_t port, const std::string& op) {
  PeerProcess peer(client, port, op);
  return peer.finish();
}

class Peers : public ::testing::TestWithParam<std::string> {};

TEST_P(Peers, DeviceInfoMatches) {
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "25", "--logs", "700", "--serial", "PEER0000042",
                                      "--name", "Peer Door"});
  const auto run = runPeer(GetParam(), sim.port(), "info");
  ASSERT_TRUE(run.result.is_object() && !run.result.contains("error")) << run.log;
  EXPECT_EQ(run.result["transport"], "tcp");
  EXPECT_EQ(run.result["info"]["userCounts"], 25);
  EXPECT_EQ(run.result["info"]["logCounts"], 700);
  EXPECT_EQ(run.result["info"]["logCapacity"], sim.state()["capacity"]["records"]);
  if (GetParam() == "zkteco-js") {
    EXPECT_EQ(run.result["serial"], "PEER0000042");
    EXPECT_EQ(run.result["name"], "Peer Door");
    EXPECT_EQ(run.result["firmware"], sim.state()["firmware"]);
    EXPECT_EQ(run.result["platform"], sim.state()["platform"]);
  }
}

TEST_P(Peers, UsersMatch) {
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "60", "--seed", "9"});
  const auto run = runPeer(GetParam(), sim.port(), "users");
  ASSERT_TRUE(run.result.contains("users")) << run.log;
  const auto expected = sim.state()["users"];
  ASSERT_EQ(run.result["users"].size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(run.result["users"][i]["uid"], expected[i]["uid"]);
    EXPECT_EQ(run.result["users"][i]["user_id"], expected[i]["user_id"]);
    EXPECT_EQ(run.result["users"][i]["name"], expected[i]["name"]);
    EXPECT_EQ(run.result["users"][i]["role"], expected[i]["privilege"]);
  }
}

TEST_P(Peers, AttendanceLogMatches) {
  // Several 65472-byte chunks, so the clients' multi-chunk paths run.
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "30", "--logs", "5000", "--seed", "3"});
  const auto run = runPeer(GetParam(), sim.port(), "attendance");
  ASSERT_TRUE(run.result.contains("records")) << run.log;
  const auto expected = sim.get("/attendance").body["records"];
  ASSERT_EQ(run.result["records"].size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(run.result["records"][i]["user_id"], expected[i]["user_id"]) << i;
    ASSERT_EQ(run.result["records"][i]["time"], expected[i]["time"]) << i;
  }
}

TEST_P(Peers, RealtimePunchesArrive) {
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "5"});
  PeerProcess peer(GetParam(), sim.port(), "realtime", 3);
  ASSERT_TRUE(peer.waitFor("registered", 20s));
  std::this_thread::sleep_for(300ms);  // the registration reaches the device
  std::vector<json> stored;
  for (const char* user : {"1001", "1003", "1005"}) {
    stored.push_back(sim.punch(user, 0));
    std::this_thread::sleep_for(100ms);
  }
  const auto run = peer.finish(30s);
  ASSERT_TRUE(run.result.contains("events")) << run.log;
  ASSERT_EQ(run.result["events"].size(), 3U) << run.log;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    EXPECT_EQ(run.result["events"][i]["user_id"], stored[i]["user_id"]);
    EXPECT_EQ(run.result["events"][i]["time"], stored[i]["time"]);
  }
}

INSTANTIATE_TEST_SUITE_P(
    NpmClients, Peers, ::testing::Values("node-zklib", "zkteco-js"), [](const auto& param) {
      return param.param == "node-zklib" ? std::string("NodeZklib") : std::string("ZktecoJs");
    });

TEST(PeersUdp, NodeZklibFallsBackToUdpAndReadsTheLog) {
  // node-zklib uses UDP only when TCP is refused (§9); its UDP reader expects 16-byte records
  // and 28-byte users, the formats of UDP-only firmware.
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--udp-only", "--users", "10", "--logs", "3000",
                                      "--attendance-format", "16", "--user-format", "28"});
  const auto run = runPeer("node-zklib", sim.port(), "attendance");
  ASSERT_TRUE(run.result.contains("records")) << run.log;
  EXPECT_EQ(run.result["transport"], "udp");
  const auto expected = sim.get("/attendance").body["records"];
  ASSERT_EQ(run.result["records"].size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(run.result["records"][i]["user_id"], expected[i]["user_id"]) << i;
    ASSERT_EQ(run.result["records"][i]["time"], expected[i]["time"]) << i;
  }
}

}  // namespace
}  // namespace punchlink::testing
