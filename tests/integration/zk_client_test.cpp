// ZkClient against the real zk-sim binary over TCP and UDP: reads, writes, events, comm keys,
// faults, and a 100,000-record log.
#include "zk_net/zk_client.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/testing/zk_sim_process.hpp>
#include <punchlink/zk/zk_constants.hpp>

#include <gtest/gtest.h>

#include <thread>

#ifndef PUNCHLINK_ZK_SIM
#error "PUNCHLINK_ZK_SIM must name the zk-sim binary"
#endif

namespace punchlink::agent::zk_net {
namespace {

using namespace std::chrono_literals;
using testing::ZkSimProcess;

// Real sockets wait in real time, so the client's deadlines come from the system clock.
const Clock& systemClock() {
  static const SystemClock clock;
  return clock;
}

ZkClientOptions optionsFor(const ZkSimProcess& sim, ZkTransport transport) {
  ZkClientOptions options;
  options.host = "127.0.0.1";
  options.port = sim.port();
  options.transport = transport;
  options.timeout = 3s;
  return options;
}

class ZkClientBothTransports : public ::testing::TestWithParam<ZkTransport> {};

TEST_P(ZkClientBothTransports, ReadsEverythingTheEmulatorHolds) {
  ZkSimProcess sim(PUNCHLINK_ZK_SIM,
                   {"--users", "40", "--logs", "3000", "--seed", "5", "--pacing-ms", "0",
                    "--serial", "CQZ7231560042", "--name", "Door A"});
  ZkClient client(optionsFor(sim, GetParam()), systemClock());
  ASSERT_TRUE(client.connect().ok()) << sim.log();
  EXPECT_NE(client.sessionId(), 0);

  const auto info = client.deviceInfo();
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_EQ(info->serial, "CQZ7231560042");
  EXPECT_EQ(info->name, "Door A");
  EXPECT_EQ(info->firmware, "Ver 6.60 Apr 26 2016");
  EXPECT_EQ(info->platform, "ZMM210_TFT");

  const auto sizes = client.freeSizes();
  ASSERT_TRUE(sizes.ok());
  EXPECT_EQ(sizes->users, 40U);
  EXPECT_EQ(sizes->records, 3000U);
  EXPECT_EQ(sizes->fingers, 40U);

  std::vector<zk::UserRecord> users;
  ASSERT_EQ(client.readUsers([&](const zk::UserRecord& u) { users.push_back(u); }).value(), 40U);
  const auto state = sim.state();
  for (std::size_t i = 0; i < users.size(); ++i) {
    EXPECT_EQ(users[i].user_id, state["users"][i]["user_id"]);
    EXPECT_EQ(users[i].name, state["users"][i]["name"]);
    EXPECT_EQ(users[i].card, state["users"][i]["card"]);
  }

  std::vector<zk::AttendanceRecord> records;
  const auto count =
      client.readAttendance([&](const zk::AttendanceRecord& r) { records.push_back(r); });
  ASSERT_TRUE(count.ok()) << count.error();
  EXPECT_EQ(*count, 3000U);
  const auto log = sim.get("/attendance").body["records"];
  ASSERT_EQ(log.size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    ASSERT_EQ(records[i].user_id, log[i]["user_id"]) << i;
    ASSERT_EQ(formatLocalTime(records[i].time), log[i]["time"]) << i;
    ASSERT_EQ(records[i].state, log[i]["state"]) << i;
  }

  std::size_t templates = 0;
  ASSERT_EQ(client
                .readTemplates([&](const zk::TemplateRecord& t) {
                  EXPECT_EQ(t.data.size(), 512U);
                  ++templates;
                })
                .value(),
            40U);
  EXPECT_EQ(templates, 40U);
  EXPECT_TRUE(sim.state()["enabled"].get<bool>());  // re-enabled after the read
  client.disconnect();
  EXPECT_EQ(client.malformedPackets(), 0U);
}

TEST_P(ZkClientBothTransports, RealtimePunchesArriveAsEvents) {
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "3"});
  ZkClient client(optionsFor(sim, GetParam()), systemClock());
  ASSERT_TRUE(client.connect().ok());
  ASSERT_TRUE(client.registerEvents().ok());
  const auto stored = sim.punch("1002", 1, 15);
  const auto punch = client.nextPunch(std::chrono::steady_clock::now() + 5s);
  ASSERT_TRUE(punch.ok()) << punch.error();
  ASSERT_TRUE(punch->has_value());
  // The UDP event form carries only the internal uid (§6.3): uid 2 is user 1002.
  if (GetParam() == ZkTransport::Tcp) {
    EXPECT_EQ((*punch)->user_id, "1002");
  } else {
    EXPECT_TRUE((*punch)->user_id.empty());
    EXPECT_EQ((*punch)->uid.value_or(0), 2);  // uid 2 is user 1002
  }
  EXPECT_EQ((*punch)->state, 1);
  EXPECT_EQ((*punch)->verify, 15);
  EXPECT_EQ(formatLocalTime((*punch)->time), stored["time"]);
  // No event: a timeout is not an error.
  const auto none = client.nextPunch(std::chrono::steady_clock::now() + 200ms);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(ZkClientBothTransports, WritesChangeTheDeviceState) {
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "2", "--logs", "5"});
  ZkClient client(optionsFor(sim, GetParam()), systemClock());
  ASSERT_TRUE(client.connect().ok());

  zk::UserRecord user{9, 0, "4321", "Jane Roe", 777, 1, "EMP_009"};
  const zk::Bytes finger0(1200, 0x11);
  const zk::Bytes finger5(700, 0x55);
  const auto written =
      client.writeUserWithTemplates(user, {{0, 0, 1, finger0}, {0, 5, 1, finger5}});
  ASSERT_TRUE(written.ok()) << written.error();
  auto stored = sim.get("/users/EMP_009");
  ASSERT_EQ(stored.status, 200);
  EXPECT_EQ(stored.body["name"], "Jane Roe");
  EXPECT_EQ(stored.body["password"], "4321");
  ASSERT_EQ(stored.body["fingers"].size(), 2U);
  EXPECT_EQ(stored.body["fingers"][0]["data"], crypto::base64Encode(finger0));
  EXPECT_EQ(stored.body["fingers"][1]["finger"], 5);
  EXPECT_EQ(stored.body["fingers"][1]["data"], crypto::base64Encode(finger5));

  user.name = "Jane R.";
  ASSERT_TRUE(client.writeUser(user).ok());
  EXPECT_EQ(sim.get("/users/EMP_009").body["name"], "Jane R.");

  ASSERT_TRUE(client.deleteTemplate(9, 5).ok());
  EXPECT_EQ(sim.get("/users/EMP_009").body["templates"], 1);
  ASSERT_TRUE(client.deleteUser(9).ok());
  EXPECT_EQ(sim.get("/users/EMP_009").status, 404);
  EXPECT_FALSE(client.deleteUser(9).ok());  // already gone: the device says so

  const auto time = makeLocalTime(2031, 7, 4, 12, 30, 0).value();
  ASSERT_TRUE(client.setTime(time).ok());
  const auto read_back = client.time();
  ASSERT_TRUE(read_back.ok());
  EXPECT_LE(std::chrono::abs(*read_back - time), 2s);
  EXPECT_EQ(sim.state()["clock"].get<std::string>().substr(0, 13), "2031-07-04 12");

  ASSERT_TRUE(client.unlock(5s).ok());
  EXPECT_EQ(sim.state()["counters"]["unlocks"], 1);
  ASSERT_TRUE(client.clearAttendance().ok());
  EXPECT_EQ(sim.state()["attendance_count"], 0);
  ASSERT_TRUE(client.restart().ok());
  EXPECT_EQ(sim.state()["counters"]["restarts"], 1);
  EXPECT_FALSE(client.connected());
}

INSTANTIATE_TEST_SUITE_P(Transports,
                         ZkClientBothTransports,
                         ::testing::Values(ZkTransport::Tcp, ZkTransport::Udp),
                         [](const auto& param) {
                           return param.param == ZkTransport::Tcp ? "Tcp" : "Udp";
                         });

TEST(ZkClient, CommKeyIsRequiredAndChecked) {
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--comm-key", "123456"});
  auto options = optionsFor(sim, ZkTransport::Tcp);
  {
    ZkClient client(options, systemClock());
    const auto refused = client.connect();
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::PermissionDenied);
    EXPECT_NE(refused.error().message.find("requires a comm key"), std::string::npos);
  }
  {
    options.comm_key = 654321;
    ZkClient client(options, systemClock());
    const auto refused = client.connect();
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("rejected the comm key"), std::string::npos);
    EXPECT_NE(refused.error().hint.find("comm_key"), std::string::npos);
  }
  options.comm_key = 123456;
  ZkClient client(options, systemClock());
  ASSERT_TRUE(client.connect().ok());
  EXPECT_TRUE(client.deviceInfo().ok());
}

TEST(ZkClient, UnreachableTerminalIsAClearError) {
  ZkClientOptions options;
  options.host = "127.0.0.1";
  options.port = 9;  // discard port: nothing listens
  options.timeout = 1s;
  ZkClient client(options, systemClock());
  const auto refused = client.connect();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::Unavailable);
  EXPECT_NE(refused.error().message.find("127.0.0.1:9 (TCP)"), std::string::npos);
  EXPECT_FALSE(refused.error().hint.empty());
}

TEST(ZkClient, FaultsAreReportedAndRecovered) {
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "2", "--logs", "10"});
  auto options = optionsFor(sim, ZkTransport::Tcp);
  options.timeout = 1s;
  ZkClient client(options, systemClock());
  ASSERT_TRUE(client.connect().ok());

  // A corrupted reply is dropped by the client like FW drops bad packets: the request times out.
  ASSERT_EQ(sim.post("/faults", {{"corrupt_checksums", 1}}).status, 200);
  const auto corrupted = client.time();
  ASSERT_FALSE(corrupted.ok());
  EXPECT_EQ(corrupted.error().code, ErrorCode::DeadlineExceeded);
  EXPECT_EQ(client.malformedPackets(), 1U);
  EXPECT_TRUE(client.time().ok());  // the next request works

  // Slow replies within the timeout are fine.
  sim.post("/faults", {{"delay_ms", 300}});
  EXPECT_TRUE(client.time().ok());

  // A dropped connection is Unavailable, and a reconnect works once the fault is cleared.
  sim.post("/faults", {{"drop_after_packets", 1}});
  (void)client.time();
  const auto dropped = client.time();
  ASSERT_FALSE(dropped.ok());
  EXPECT_FALSE(client.connected());
  sim.del("/faults");
  ASSERT_TRUE(client.connect().ok());
  EXPECT_TRUE(client.time().ok());

  sim.post("/faults", {{"refuse_auth", true}});
  ZkClient refused(options, systemClock());
  const auto status = refused.connect();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::PermissionDenied);
}

TEST(ZkClient, EventsDuringABulkReadAreKeptForLater) {
  ZkSimProcess sim(PUNCHLINK_ZK_SIM,
                   {"--users", "5", "--logs", "20000", "--pacing-ms", "5", "--psize", "1008"});
  ZkClient client(optionsFor(sim, ZkTransport::Tcp), systemClock());
  ASSERT_TRUE(client.connect().ok());
  ASSERT_TRUE(client.registerEvents().ok());
  std::thread injector([&] {
    for (int i = 0; i < 5; ++i) {
      std::this_thread::sleep_for(100ms);
      sim.punch("1001", 0);
    }
  });
  const auto count = client.readAttendance([](const zk::AttendanceRecord&) {});
  injector.join();
  ASSERT_TRUE(count.ok()) << count.error();
  EXPECT_GE(*count, 20000U);
  int events = 0;
  while (events < 5) {
    auto punch = client.nextPunch(std::chrono::steady_clock::now() + 3s);
    ASSERT_TRUE(punch.ok() && punch->has_value()) << "got " << events << " events";
    ++events;
  }
}

TEST(ZkClient, ReadsAHundredThousandRecordsOverTcpAndUdp) {
  ZkSimProcess sim(PUNCHLINK_ZK_SIM, {"--users", "100", "--logs", "100000", "--pacing-ms", "0",
                                      "--templates-per-user", "0"});
  for (auto transport : {ZkTransport::Tcp, ZkTransport::Udp}) {
    ZkClient client(optionsFor(sim, transport), systemClock());
    ASSERT_TRUE(client.connect().ok());
    std::uint64_t seen = 0;
    zk::AttendanceRecord last;
    const auto count = client.readAttendance([&](const zk::AttendanceRecord& r) {
      ++seen;
      last = r;
    });
    ASSERT_TRUE(count.ok()) << count.error();
    EXPECT_EQ(*count, 100000U);
    EXPECT_EQ(seen, 100000U);
    EXPECT_EQ(formatLocalTime(last.time), sim.get("/attendance").body["records"][99999]["time"]);
  }
}

}  // namespace
}  // namespace punchlink::agent::zk_net
