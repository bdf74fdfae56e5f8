// zk-sim's session handler without sockets: the device-side protocol rules of the reference.
#include "sim_session.hpp"

#include "sim_cli.hpp"
#include "sim_fixture.hpp"

#include <punchlink/zk/zk_bulk.hpp>
#include <punchlink/zk/zk_constants.hpp>

#include <gtest/gtest.h>

namespace punchlink::zksim {
namespace {

using namespace punchlink::zk;

class SimSessionTest : public ::testing::Test {
 protected:
  SimSessionTest() : device_(identity()) { generateState(device_, {3, 5, 1, 1, 64}); }

  static SimIdentity identity() {
    SimIdentity id;
    id.serial = "UNIT0001";
    return id;
  }

  SessionOutput send(std::uint16_t command, Bytes data = {}) {
    return session_.handle(Packet{command, session_.id(), ++reply_id_, std::move(data)});
  }

  Packet only(const SessionOutput& out) {
    EXPECT_EQ(out.replies.size(), 1U);
    return out.replies.empty() ? Packet{} : out.replies.front().packet;
  }

  SimDevice device_;
  SimOptions options_;
  SimSession session_{device_, options_, Transport::Tcp, 0x4A2B};
  std::uint16_t reply_id_ = 0;
};

TEST_F(SimSessionTest, ConnectGivesSessionIdAndEchoesReplyId) {
  const Packet reply = only(session_.handle({cmd::kConnect, 0, 0, {}}));
  EXPECT_EQ(reply.command, reply::kAckOk);
  EXPECT_EQ(reply.session, 0x4A2B);
  EXPECT_EQ(reply.reply_id, 0);
  EXPECT_TRUE(reply.data.empty());
}

TEST_F(SimSessionTest, PacketsBeforeConnectAreDropped) {
  EXPECT_TRUE(send(cmd::kGetTime).replies.empty());
}

TEST_F(SimSessionTest, UnknownCommandsGetAckUnknownAndClientAcksNothing) {
  send(cmd::kConnect);
  EXPECT_EQ(only(send(4242)).command, reply::kAckUnknown);
  EXPECT_TRUE(send(reply::kAckOk).replies.empty());
}

TEST_F(SimSessionTest, RetransmissionIsAnsweredFromTheCache) {
  send(cmd::kConnect);
  const Packet request{cmd::kUnlock, session_.id(), 9, {}};
  EXPECT_EQ(only(session_.handle(request)).command, reply::kAckOk);
  EXPECT_EQ(only(session_.handle(request)).command, reply::kAckOk);
  EXPECT_EQ(device_.counters().unlocks, 1U);  // executed once
}

TEST_F(SimSessionTest, CommKeyFlow) {
  SimIdentity id = identity();
  id.comm_key = 12;
  SimDevice device(id);
  SimSession session(device, options_, Transport::Tcp, 0x45CF);
  EXPECT_EQ(only(session.handle({cmd::kConnect, 0, 0, {}})).command, reply::kAckUnauth);
  EXPECT_EQ(only(session.handle({cmd::kGetTime, 0x45CF, 1, {}})).command, reply::kAckUnauth);
  // The PYZK capture: key 12, session 0x45CF → 61 4d 32 3c.
  EXPECT_EQ(only(session.handle({cmd::kAuth, 0x45CF, 2, {0x61, 0x4d, 0x32, 0x3c}})).command,
            reply::kAckOk);
  EXPECT_EQ(only(session.handle({cmd::kGetTime, 0x45CF, 3, {}})).command, reply::kAckOk);
}

TEST_F(SimSessionTest, BufferedReadFollowsTheReference) {
  device_.setFaults({});
  for (int i = 0; i < 100; ++i) {
    device_.addPunch({0, "1001", 1, 0, makeLocalTime(2024, 1, 2, 8, 0, 0).value(), 0});
  }
  send(cmd::kConnect);
  const Packet descriptor =
      only(send(cmd::kPrepareBuffer, encodeBufferQuery({cmd::kAttLogRrq, 0, 0})));
  ASSERT_EQ(descriptor.command, reply::kAckOk);
  const auto size = decodeBufferDescriptor(descriptor.data).value().size;
  EXPECT_EQ(size, 4U + 105U * 40U);
  EXPECT_TRUE(session_.inBulk());
  const SessionOutput chunk = send(cmd::kReadBuffer, encodeRange({0, size}));
  ASSERT_EQ(chunk.replies.size(), 3U);  // PREPARE_DATA, one CMD_DATA (psize 65528), ACK_OK
  EXPECT_EQ(chunk.replies[0].packet.command, cmd::kPrepareData);
  EXPECT_EQ(chunk.replies[0].packet.data.size(), 8U);
  EXPECT_EQ(chunk.replies[1].packet.command, cmd::kData);
  EXPECT_EQ(chunk.replies[1].packet.session, 0);  // packet index
  EXPECT_EQ(chunk.replies[1].delay, options_.pacing);
  EXPECT_EQ(chunk.replies[2].packet.command, reply::kAckOk);
  EXPECT_EQ(only(send(cmd::kReadBuffer, encodeRange({size, 1}))).command, reply::kAckError);
  EXPECT_EQ(only(send(cmd::kFreeData)).command, reply::kAckOk);
  EXPECT_FALSE(session_.inBulk());
}

TEST_F(SimSessionTest, SmallTablesAreAnsweredInline) {
  send(cmd::kConnect);
  const Packet users =
      only(send(cmd::kPrepareBuffer, encodeBufferQuery({cmd::kUserTempRrq, 5, 0})));
  EXPECT_EQ(users.command, cmd::kData);
  EXPECT_EQ(readU32(users.data, 0), 3U * 72U);
}

TEST_F(SimSessionTest, UploadRulesAndBatchApply) {
  send(cmd::kConnect);
  const Bytes buffer = encodeBatchUpload({{20, 0, "", "Batch", 0, 1, "2020"}},
                                         {{20, 1, 1, Bytes(300, 0x42)}}, UserFormat::Record72);
  Bytes total;
  appendU32(total, static_cast<std::uint32_t>(buffer.size()));
  EXPECT_EQ(only(send(cmd::kPrepareData, total)).command, reply::kAckOk);
  EXPECT_EQ(only(send(cmd::kData, Bytes(buffer.begin(), buffer.begin() + 200))).command,
            reply::kAckOk);
  EXPECT_EQ(only(send(cmd::kData, Bytes(buffer.begin() + 200, buffer.end()))).command,
            reply::kAckOk);
  EXPECT_EQ(only(send(cmd::kData, Bytes(1, 0))).command, reply::kAckError);  // overflow
  EXPECT_EQ(only(send(cmd::kSaveUserTemps, {0x0c, 0, 0, 0, 0, 0, 8, 0})).command, reply::kAckOk);
  const auto user = device_.userByUserId("2020");
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(user->record.name, "Batch");
  ASSERT_EQ(user->templates.count(1), 1U);
  EXPECT_EQ(user->templates.at(1).data, Bytes(300, 0x42));
}

TEST_F(SimSessionTest, UserWriteRulesOfTheFirmware) {
  send(cmd::kConnect);
  Bytes user;
  encodeUser({30, 0, "", "Dup", 0, 1, "1001"}, UserFormat::Record72, user);  // 1001 is uid 1's
  const Packet refused = only(send(cmd::kUserWrq, user));
  EXPECT_EQ(refused.command, reply::kAckError);
  EXPECT_EQ(refused.session, 2);
  Bytes empty_id;
  encodeUser({31, 0, "", "NoId", 0, 1, ""}, UserFormat::Record72, empty_id);
  EXPECT_EQ(only(send(cmd::kUserWrq, empty_id)).command, reply::kAckError);
  EXPECT_EQ(only(send(cmd::kUserWrq, Bytes(10, 0))).command, reply::kAckError);
}

TEST_F(SimSessionTest, EventsOnlyForRegisteredSessions) {
  send(cmd::kConnect);
  const AttendanceRecord record{1, "1001", 1, 0, makeLocalTime(2024, 3, 15, 8, 30, 45).value(), 0};
  EXPECT_FALSE(session_.attendanceEvent(record).has_value());
  send(cmd::kRegEvent, {1, 0, 0, 0});
  const auto event = session_.attendanceEvent(record);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->session, event::kAttLog);
  EXPECT_EQ(event->reply_id, 0);
  EXPECT_EQ(event->data.size(), 36U);
  SimSession udp(device_, options_, Transport::Udp, 5);
  udp.handle({cmd::kConnect, 0, 0, {}});
  udp.handle({cmd::kRegEvent, 5, 1, {1, 0, 0, 0}});
  EXPECT_EQ(udp.attendanceEvent(record)->data.size(), 10U);
}

TEST_F(SimSessionTest, ExitClosesAndRestartCounts) {
  send(cmd::kConnect);
  EXPECT_TRUE(send(cmd::kRestart).close);
  EXPECT_EQ(device_.counters().restarts, 1U);
  EXPECT_TRUE(send(cmd::kExit).close);
}

TEST(SimCli, ParsesTheDocumentedInterface) {
  const char* argv[] = {"zk-sim", "--port",     "0",      "--users",  "10",
                        "--logs", "20",         "--seed", "3",        "--control-port",
                        "0",      "--comm-key", "99",     "--serial", "SN1"};
  const auto cli = parseCli(static_cast<int>(std::size(argv)), argv);
  ASSERT_TRUE(cli.ok()) << cli.error();
  EXPECT_EQ(cli->generated.users, 10U);
  EXPECT_EQ(cli->identity.comm_key, 99U);
  EXPECT_EQ(cli->identity.serial, "SN1");
}

TEST(SimCli, RejectsBadArguments) {
  const char* unknown[] = {"zk-sim", "--frobnicate"};
  EXPECT_NE(parseCli(2, unknown).error().message.find("unknown option --frobnicate"),
            std::string::npos);
  const char* range[] = {"zk-sim", "--port", "70000"};
  EXPECT_NE(parseCli(3, range).error().message.find("from 0 to 65535"), std::string::npos);
  const char* missing[] = {"zk-sim", "--users"};
  EXPECT_NE(parseCli(2, missing).error().message.find("needs a value"), std::string::npos);
  const char* format[] = {"zk-sim", "--attendance-format", "20"};
  EXPECT_FALSE(parseCli(3, format).ok());
  const char* zone[] = {"zk-sim", "--tz", "Nowhere/Land"};
  EXPECT_FALSE(parseCli(3, zone).ok());
}

}  // namespace
}  // namespace punchlink::zksim
