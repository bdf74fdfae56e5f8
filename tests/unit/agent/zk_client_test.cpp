// ZkClient against the emulator in-process (tests/zk-sim/sim_link.hpp): connects, comm keys,
// bulk reads, real-time events, timeouts and faults, on a manual clock. The same client over
// real sockets is tests/integration/zk_client_test.cpp.
#include "zk_net/zk_client.hpp"

#include "sim_fixture.hpp"
#include "sim_link.hpp"

#include <punchlink/testing/manual_clock.hpp>

#include <gtest/gtest.h>

namespace punchlink::agent::zk_net {
namespace {

using namespace std::chrono_literals;

zksim::SimIdentity identity(std::uint32_t comm_key = 0) {
  zksim::SimIdentity id;
  id.serial = "UNIT0042";
  id.comm_key = comm_key;
  return id;
}

ZkClientOptions options(std::uint32_t comm_key = 0) {
  ZkClientOptions out;
  out.host = "10.7.0.21";
  out.comm_key = comm_key;
  out.timeout = 2s;
  return out;
}

class ZkClientSimTest : public ::testing::Test {
 protected:
  ZkClientSimTest() { zksim::generateState(device_, {12, 300, 3, 1, 64}); }

  testing::ManualClock clock_;
  zksim::SimDevice device_{identity()};
  zksim::SimLinks links_{device_, clock_};
  ZkClient client_{options(), clock_, links_.factory()};
};

TEST_F(ZkClientSimTest, ReadsInfoUsersAndTheWholeLog) {
  ASSERT_TRUE(client_.connect().ok());
  EXPECT_EQ(links_.openLinks(), 1U);
  const auto info = client_.deviceInfo();
  ASSERT_TRUE(info.ok()) << info.error();
  EXPECT_EQ(info->serial, "UNIT0042");
  EXPECT_EQ(info->firmware, device_.identity().firmware);

  std::vector<zk::UserRecord> users;
  ASSERT_EQ(client_.readUsers([&](const zk::UserRecord& user) { users.push_back(user); }).value(),
            12U);
  EXPECT_EQ(users.front().user_id, "1001");

  const auto before = clock_.steadyNow();
  std::vector<zk::AttendanceRecord> records;
  const auto count =
      client_.readAttendance([&](const zk::AttendanceRecord& r) { records.push_back(r); });
  ASSERT_TRUE(count.ok()) << count.error();
  EXPECT_EQ(*count, 300U);
  EXPECT_EQ(records, device_.attendance());
  // The firmware's 20 ms pacing of bulk packets passed on the manual clock, not in real time.
  EXPECT_GT(clock_.steadyNow(), before);
  EXPECT_TRUE(device_.enabled()) << "the keypad is enabled again after the read";

  client_.disconnect();
  EXPECT_EQ(links_.openLinks(), 0U);
}

TEST_F(ZkClientSimTest, RealTimePunchesArriveAfterRegistration) {
  ASSERT_TRUE(client_.connect().ok());
  zk::AttendanceRecord punch;
  punch.user_id = "1003";
  punch.state = 1;
  punch.verify = 15;
  punch.time = makeLocalTime(2026, 3, 2, 8, 30, 0).value();
  device_.addPunch(punch);  // before registration: no event
  ASSERT_TRUE(client_.registerEvents().ok());
  auto none = client_.nextPunch(clock_.steadyNow() + 1s);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  device_.addPunch(punch);
  auto got = client_.nextPunch(clock_.steadyNow() + 1s);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->user_id, "1003");
  EXPECT_EQ((*got)->state, 1);
  EXPECT_EQ((*got)->time, punch.time);

  // An event that arrives while a request waits for its reply is kept for later.
  device_.addPunch(punch);
  ASSERT_TRUE(client_.time().ok());
  got = client_.nextPunch(clock_.steadyNow());
  ASSERT_TRUE(got.ok() && got->has_value());
}

TEST_F(ZkClientSimTest, ASlowReplyTimesOutAtTheDeadlineOnTheClock) {
  ASSERT_TRUE(client_.connect().ok());
  device_.setFaults({0, 2500, 0, false});
  const auto before = clock_.steadyNow();
  const auto slow = client_.time();
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().code, ErrorCode::DeadlineExceeded);
  EXPECT_EQ(clock_.steadyNow() - before, 2s);

  // Within the timeout it is only slow.
  device_.setFaults({0, 300, 0, false});
  EXPECT_TRUE(client_.time().ok());
}

TEST_F(ZkClientSimTest, CorruptRepliesAreDroppedAndCounted) {
  ASSERT_TRUE(client_.connect().ok());
  device_.setFaults({0, 0, 1, false});
  const auto corrupted = client_.time();
  ASSERT_FALSE(corrupted.ok());
  EXPECT_EQ(corrupted.error().code, ErrorCode::DeadlineExceeded);
  EXPECT_EQ(client_.malformedPackets(), 1U);
  EXPECT_TRUE(client_.time().ok());
}

TEST_F(ZkClientSimTest, ADroppedConnectionIsUnavailable) {
  ASSERT_TRUE(client_.connect().ok());
  device_.setFaults({1, 0, 0, false});
  (void)client_.time();
  const auto dropped = client_.time();
  ASSERT_FALSE(dropped.ok());
  EXPECT_EQ(dropped.error().code, ErrorCode::Unavailable);
  EXPECT_FALSE(client_.connected());
  device_.setFaults({});
  ASSERT_TRUE(client_.connect().ok());
  EXPECT_TRUE(client_.time().ok());
  EXPECT_EQ(links_.connects(), 2U);
}

TEST_F(ZkClientSimTest, AnUnreachableTerminalIsUnavailable) {
  links_.setReachable(false);
  const auto refused = client_.connect();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::Unavailable);
  EXPECT_NE(refused.error().message.find("10.7.0.21:4370 (TCP)"), std::string::npos);
}

TEST(ZkClientSim, CommKeyIsRequiredAndChecked) {
  testing::ManualClock clock;
  zksim::SimDevice device(identity(4711));
  zksim::SimLinks links(device, clock);
  {
    ZkClient client(options(), clock, links.factory());
    const auto status = client.connect();
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::PermissionDenied);
    EXPECT_NE(status.error().message.find("requires a comm key"), std::string::npos);
  }
  {
    ZkClient client(options(4712), clock, links.factory());
    const auto status = client.connect();
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find("rejected the comm key"), std::string::npos);
  }
  ZkClient client(options(4711), clock, links.factory());
  ASSERT_TRUE(client.connect().ok());
  EXPECT_TRUE(client.time().ok());
}

TEST(ZkClientSim, UdpEventsCarryOnlyTheUid) {
  testing::ManualClock clock;
  zksim::SimDevice device(identity());
  zksim::generateState(device, {3, 0, 1, 0, 64});
  zksim::SimLinks links(device, clock, {}, zksim::Transport::Udp);
  auto udp = options();
  udp.transport = ZkTransport::Udp;
  ZkClient client(udp, clock, links.factory());
  ASSERT_TRUE(client.connect().ok());
  ASSERT_TRUE(client.registerEvents().ok());
  zk::AttendanceRecord punch;
  punch.user_id = "1002";
  punch.time = makeLocalTime(2026, 3, 2, 8, 30, 0).value();
  device.addPunch(punch);
  auto got = client.nextPunch(clock.steadyNow() + 1s);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->uid, std::optional<std::uint16_t>(2));
}

}  // namespace
}  // namespace punchlink::agent::zk_net
