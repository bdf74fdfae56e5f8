// zk-sim's device events and clock without sockets: what each event becomes on the ZK wire and in
// push uploads, how the device stores and counts them, and the clock offset seen by CMD_GET_TIME.
#include "sim_events.hpp"

#include "sim_device.hpp"
#include "sim_fixture.hpp"
#include "sim_session.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/zk/zk_constants.hpp>

#include <gtest/gtest.h>

namespace punchlink::zksim {
namespace {

using namespace std::chrono_literals;

LocalSeconds at(int h, int mi, int s) { return makeLocalTime(2024, 3, 15, h, mi, s).value(); }

SimEvent event(SimEventType type, std::string user_id = {}, std::uint16_t uid = 0, int door = 1) {
  return {type, std::move(user_id), uid, door, at(8, 30, 45), 41};
}

std::string zkHex(const SimEvent& sim_event) {
  const auto device_event = zkDeviceEvent(sim_event);
  return device_event ? crypto::toHex(zk::encodeDeviceEvent(*device_event)) : "none";
}

TEST(SimEvents, NamesRoundTrip) {
  for (const SimEventType type : kSimEventTypes) {
    EXPECT_EQ(parseSimEventType(simEventName(type)), type);
  }
  EXPECT_EQ(parseSimEventType("door_forced"), std::nullopt);
  EXPECT_EQ(parseSimEventType("Tamper"), std::nullopt);
}

TEST(SimEvents, ZkPayloadsAreWhatFirmwareSends) {
  EXPECT_EQ(zkHex(event(SimEventType::Unlock)), "");
  EXPECT_EQ(zkHex(event(SimEventType::AccessDenied)), "ffffffff01");
  EXPECT_EQ(zkHex(event(SimEventType::Tamper)), "37000000");
  EXPECT_EQ(zkHex(event(SimEventType::ExitButton)), "35000000");
  EXPECT_EQ(zkHex(event(SimEventType::Misoperation)), "3a000000");
  EXPECT_EQ(zkHex(event(SimEventType::DoorClosed)), "3600000005000000");
  EXPECT_EQ(zkHex(event(SimEventType::Duress, "1002", 2)), "ffffffff2000020000000000");
  EXPECT_EQ(zkHex(event(SimEventType::DoorOpened)), "3600000004000000");
  // What the emulator sends, the agent's decoder reads back as the right kind.
  const auto duress = zkDeviceEvent(event(SimEventType::Duress, "1002", 2)).value();
  const auto decoded =
      zk::decodeDeviceEvent(zk::deviceEventFlag(duress.kind), zk::encodeDeviceEvent(duress));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, duress);
  EXPECT_EQ(decoded->uid, 2U);
}

TEST(SimEvents, AttendancePushOpLogLines) {
  const auto line = [](const SimEvent& sim_event) {
    const adms::OpLogEntry entry = opLogEntry(sim_event);
    return adms::encodeOpLog({&entry, 1});
  };
  EXPECT_EQ(line(event(SimEventType::Tamper)), "OPLOG 3\t0\t2024-03-15 08:30:45\t55\t0\t0\t0\n");
  EXPECT_EQ(line(event(SimEventType::ExitButton)),
            "OPLOG 3\t0\t2024-03-15 08:30:45\t53\t0\t0\t0\n");
  EXPECT_EQ(line(event(SimEventType::DoorClosed)),
            "OPLOG 3\t0\t2024-03-15 08:30:45\t50\t0\t0\t0\n");
  EXPECT_EQ(line(event(SimEventType::DoorOpened)),
            "OPLOG 3\t0\t2024-03-15 08:30:45\t51\t0\t0\t0\n");
  EXPECT_EQ(line(event(SimEventType::Misoperation)),
            "OPLOG 3\t0\t2024-03-15 08:30:45\t58\t0\t0\t0\n");
  EXPECT_EQ(line(event(SimEventType::Unlock, "1001")),
            "OPLOG 29\t0\t2024-03-15 08:30:45\t1001\t0\t0\t0\n");
  EXPECT_EQ(line(event(SimEventType::Unlock)), "OPLOG 29\t0\t2024-03-15 08:30:45\t0\t0\t0\t0\n");
  EXPECT_EQ(line(event(SimEventType::AccessDenied)),
            "OPLOG 2\t0\t2024-03-15 08:30:45\t0\t0\t0\t0\n");
  EXPECT_EQ(line(event(SimEventType::Duress, "1002", 2)),
            "OPLOG 32\t0\t2024-03-15 08:30:45\t1002\t0\t0\t0\n");
}

TEST(SimEvents, AccessControlPushRtLogAndRtState) {
  const auto rtlog = [](const SimEvent& sim_event) {
    return rtLogEntry(sim_event).value_or(adms::RtLogEntry{});
  };
  EXPECT_EQ(rtlog(event(SimEventType::Unlock, "1001")).event, adms::rtlog::kOpenedAfterVerify);
  EXPECT_EQ(rtlog(event(SimEventType::Unlock)).event, adms::rtlog::kRemoteOpen);
  EXPECT_EQ(rtlog(event(SimEventType::AccessDenied)).event, adms::rtlog::kUnregisteredPerson);
  EXPECT_EQ(rtlog(event(SimEventType::AccessDenied, "1001")).event, adms::rtlog::kAccessDenied);
  EXPECT_EQ(rtlog(event(SimEventType::Tamper)).event, adms::rtlog::kTamper);
  EXPECT_EQ(rtlog(event(SimEventType::Duress, "1002", 2)).event, adms::rtlog::kDuressOpen);
  EXPECT_EQ(rtlog(event(SimEventType::ExitButton)).event, adms::rtlog::kExitButton);
  EXPECT_EQ(rtlog(event(SimEventType::DoorOpened)).event, adms::rtlog::kDoorOpened);
  EXPECT_EQ(rtlog(event(SimEventType::DoorClosed)).event, adms::rtlog::kDoorClosed);
  EXPECT_EQ(rtLogEntry(event(SimEventType::Misoperation)), std::nullopt);

  const auto door2 = rtLogEntry(event(SimEventType::DoorOpened, "", 0, 2)).value();
  const std::vector<adms::RtLogEntry> lines = {door2};
  EXPECT_EQ(adms::encodeRtLog(lines),
            "time=2024-03-15 08:30:45\tpin=\tcardno=\tsitecode=\tlinkid=\teventaddr=2\tevent=200\t"
            "inoutstatus=0\tverifytype=200\tindex=42\tmaskflag=\ttemperature=\tconvtemperature=\n");

  const auto state = rtStateEntry(event(SimEventType::DoorOpened, "", 0, 2)).value();
  EXPECT_EQ(adms::doorState(state, 2)->sensor, adms::DoorSensor::Open);
  EXPECT_EQ(adms::doorState(state, 1)->sensor, adms::DoorSensor::None);
  EXPECT_EQ(rtStateEntry(event(SimEventType::DoorClosed)).value().sensor, "0100");
  EXPECT_EQ(rtStateEntry(event(SimEventType::Tamper)), std::nullopt);
}

class SimDeviceEventsTest : public ::testing::Test {
 protected:
  SimDeviceEventsTest() : device_(SimIdentity{}) { generateState(device_, {3, 0, 1, 0, 64}); }

  SimDevice device_;
};

TEST_F(SimDeviceEventsTest, StoresNumbersCountsAndNotifies) {
  std::vector<SimEvent> heard;
  device_.setEventListener([&](const SimEvent& sim_event) {
    heard.push_back(sim_event);
    return std::size_t{2};
  });
  const RaisedEvent duress = device_.addEvent({SimEventType::Duress, "1002", 0, 1, {}, 0});
  EXPECT_EQ(duress.zk_sessions, 2U);
  EXPECT_EQ(duress.event.uid, 2);  // resolved from the user table
  EXPECT_EQ(duress.event.seq, 0U);
  EXPECT_NE(duress.event.time, LocalSeconds{});  // stamped with the clock
  const RaisedEvent tamper = device_.addEvent({SimEventType::Tamper, "", 0, 1, at(9, 0, 0), 0});
  EXPECT_EQ(tamper.event.seq, 1U);
  EXPECT_EQ(tamper.event.time, at(9, 0, 0));
  ASSERT_EQ(heard.size(), 2U);
  EXPECT_EQ(heard[1], tamper.event);
  EXPECT_EQ(device_.eventsFrom(0).size(), 2U);
  EXPECT_EQ(device_.eventsFrom(1), std::vector<SimEvent>{tamper.event});
  const auto counters = device_.counters();
  EXPECT_EQ(counters.events.at(static_cast<std::size_t>(SimEventType::Duress)), 1U);
  EXPECT_EQ(counters.events.at(static_cast<std::size_t>(SimEventType::Tamper)), 1U);
  EXPECT_EQ(counters.events.at(static_cast<std::size_t>(SimEventType::Unlock)), 0U);
}

TEST_F(SimDeviceEventsTest, KeepsABoundedLog) {
  for (std::size_t i = 0; i < kMaxStoredEvents + 5; ++i) {
    device_.addEvent({SimEventType::ExitButton, "", 0, 1, at(9, 0, 0), 0});
  }
  const auto stored = device_.eventsFrom(0);
  ASSERT_EQ(stored.size(), kMaxStoredEvents);
  EXPECT_EQ(stored.front().seq, 5U);
  EXPECT_EQ(device_.counters().events.at(static_cast<std::size_t>(SimEventType::ExitButton)),
            kMaxStoredEvents + 5);
}

TEST_F(SimDeviceEventsTest, PunchesKeepTheirBiometrics) {
  device_.addPunch({0, "1001", 1, 0, at(8, 0, 0), 0}, {36.6, true});
  device_.addPunch({0, "1002", 1, 0, at(8, 1, 0), 0});
  const auto punches = device_.punches();
  ASSERT_EQ(punches.size(), 2U);
  EXPECT_EQ(punches[0].biometrics, (SimBiometrics{36.6, true}));
  EXPECT_EQ(punches[0].record.uid, 1);
  EXPECT_EQ(punches[1].biometrics, SimBiometrics{});
  device_.clearAttendance();
  EXPECT_TRUE(device_.punches().empty());
}

class SimSessionEventsTest : public SimDeviceEventsTest {
 protected:
  zk::Packet only(const SessionOutput& out) {
    EXPECT_EQ(out.replies.size(), 1U);
    return out.replies.empty() ? zk::Packet{} : out.replies.front().packet;
  }

  SessionOutput send(std::uint16_t command, zk::Bytes data = {}) {
    return session_.handle(zk::Packet{command, session_.id(), ++reply_id_, std::move(data)});
  }

  SimOptions options_;
  SimSession session_{device_, options_, Transport::Tcp, 0x4A2B};
  std::uint16_t reply_id_ = 0;
};

TEST_F(SimSessionEventsTest, DeviceEventsOnlyForSessionsThatRegisteredTheirFlag) {
  send(zk::cmd::kConnect);
  const auto tamper = zkDeviceEvent(event(SimEventType::Tamper)).value();
  const auto denied = zkDeviceEvent(event(SimEventType::AccessDenied)).value();
  EXPECT_FALSE(session_.deviceEvent(tamper).has_value());
  send(zk::cmd::kRegEvent, {0x01, 0x00, 0x00, 0x00});  // EF_ATTLOG only (node-zklib, PYZK)
  EXPECT_FALSE(session_.deviceEvent(tamper).has_value());
  send(zk::cmd::kRegEvent, {0x01, 0x02, 0x00, 0x00});  // EF_ATTLOG | EF_ALARM
  const auto packet = session_.deviceEvent(tamper);
  ASSERT_TRUE(packet.has_value());
  EXPECT_EQ(zk::encodeTcpPacket(*packet),
            (zk::Bytes{0x50, 0x50, 0x82, 0x7d, 0x0c, 0x00, 0x00, 0x00, 0xf4, 0x01,
                       0xd4, 0xfb, 0x00, 0x02, 0x00, 0x00, 0x37, 0x00, 0x00, 0x00}));
  EXPECT_FALSE(session_.deviceEvent(denied).has_value());  // EF_VERIFY not registered
  send(zk::cmd::kRegEvent, {0xFF, 0xFF, 0x00, 0x00});      // the Windows SDK's mask
  EXPECT_EQ(session_.deviceEvent(denied)->session, zk::event::kVerify);
}

TEST_F(SimSessionEventsTest, ClockOffsetShowsInGetTimeAndSetTimeSetsIt) {
  send(zk::cmd::kConnect);
  device_.setClockOffset(300s);
  const auto expected = device_.localNow();
  const zk::Packet reply = only(send(zk::cmd::kGetTime));
  ASSERT_EQ(reply.data.size(), 4U);
  const auto reported = zk::decodePackedTime(zk::readU32(reply.data, 0)).value();
  EXPECT_LE(std::chrono::abs(reported - expected), 2s);
  // 300 s ahead of real time, in the device's zone (UTC by default).
  const auto real =
      LocalSeconds{std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())
                       .time_since_epoch()};
  EXPECT_LE(std::chrono::abs(reported - (real + 300s)), 2s);

  // CMD_SET_TIME: the offset becomes what was set minus real time.
  zk::Bytes data;
  zk::appendU32(data, zk::encodePackedTime(real - 3600s));
  EXPECT_EQ(only(send(zk::cmd::kSetTime, data)).command, zk::reply::kAckOk);
  EXPECT_LE(std::chrono::abs(device_.clockOffset() + 3600s), 2s);
}

}  // namespace
}  // namespace punchlink::zksim
