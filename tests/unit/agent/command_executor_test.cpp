// CommandExecutor: every command type on a ZK terminal, succeeding and failing, on the emulator
// in-process. Failures are the terminal refusing, or its replies never arriving (corrupted), which
// on the manual clock is a timeout at once.
#include "zk_terminal/command_executor.hpp"

#include "zk_terminal_fixture.hpp"

#include <atomic>
#include <thread>

namespace punchlink::agent::zk_terminal {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

Command command(CommandType type, const std::string& user_id = "") {
  Command out;
  out.command_id = "cmd_1";
  out.device = kSerial;
  out.type = type;
  out.user.user_id = user_id;
  return out;
}

zksim::SimIdentity smallTerminal() {
  zksim::SimIdentity id = simIdentity();
  id.users_capacity = 6;
  return id;
}

class CommandExecutorTest : public ::testing::Test, public ZkTerminalFixture {
 protected:
  CommandExecutorTest() : ZkTerminalFixture(smallTerminal()) {
    zksim::generateState(device, {5, 0, 1, 0, 64});
    EXPECT_TRUE(client.connect().ok());
    zk_net::DeviceInfo info;
    info.serial = kSerial;
    status.setIdentity(info);
    EXPECT_TRUE(users.refresh(client).ok());
  }

  CommandOutcome run(const Command& cmd) { return executor.execute(client, cmd); }

  // Every reply from now on fails its checksum, so every request times out.
  void breakReplies() { device.setFaults({0, 0, -1, false}); }

  const TimeZone zone = TimeZone::find("Europe/Berlin").value();
  UserDirectory users;
  std::vector<json> published;
  DeviceStatus status{"door-1",
                      simDeviceConfig(),
                      zone,
                      [this](const std::string&, const std::string& text) {
                        published.push_back(json::parse(text));
                      },
                      logger,
                      clock};
  LogSync log{"door-1", zone, *outbox, {}, logger, clock};
  CommandExecutor executor{zone, users, status, log, clock, std::chrono::milliseconds{0}};
};

void expectTimedOut(const CommandOutcome& outcome) {
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_NE(outcome.error.find("did not answer in time"), std::string::npos) << outcome.error;
}

TEST_F(CommandExecutorTest, EnrollGivesTheNextFreeUidAndWritesTemplates) {
  Command enroll = command(CommandType::EnrollUser, "2001");
  enroll.user.name = "Ann Example";
  enroll.user.card = 4242;
  enroll.user.templates.push_back({6, 1, zk::Bytes(64, 0x51)});
  const auto outcome = run(enroll);
  ASSERT_TRUE(outcome.succeeded) << outcome.error;
  EXPECT_EQ(json::parse(outcome.result_json), json({{"uid", 6}, {"templates", 1}}));
  const auto stored = device.userByUserId("2001");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->record.uid, 6);
  EXPECT_EQ(stored->record.name, "Ann Example");
  EXPECT_EQ(stored->record.card, 4242U);
  EXPECT_EQ(stored->templates.size(), 1U);
  EXPECT_EQ(users.resolve("", 6), "2001") << "the directory knows the new uid";
}

TEST_F(CommandExecutorTest, EnrollFailsWhenTheTerminalRefuses) {
  ASSERT_TRUE(run(command(CommandType::EnrollUser, "2001")).succeeded);  // the 6th: full now
  const auto refused = run(command(CommandType::EnrollUser, "2002"));
  EXPECT_FALSE(refused.succeeded);
  EXPECT_NE(refused.error.find("terminal refused user 2002"), std::string::npos) << refused.error;
  EXPECT_FALSE(device.userByUserId("2002").has_value());
}

TEST_F(CommandExecutorTest, UpdateRewritesTheSameUid) {
  Command update = command(CommandType::UpdateUser, "1002");
  update.user.name = "Renamed";
  const auto outcome = run(update);
  ASSERT_TRUE(outcome.succeeded) << outcome.error;
  EXPECT_EQ(json::parse(outcome.result_json)["uid"], 2);
  EXPECT_EQ(device.userByUid(2)->record.name, "Renamed");
  EXPECT_EQ(device.users().size(), 5U);
}

TEST_F(CommandExecutorTest, UpdateOfAnAbsentUserFails) {
  const auto outcome = run(command(CommandType::UpdateUser, "9999"));
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_NE(outcome.error.find("user 9999 is not on the terminal"), std::string::npos)
      << outcome.error;
  EXPECT_FALSE(device.userByUserId("9999").has_value());
}

TEST_F(CommandExecutorTest, DeleteRemovesAndIsIdempotent) {
  auto outcome = run(command(CommandType::DeleteUser, "1003"));
  ASSERT_TRUE(outcome.succeeded) << outcome.error;
  EXPECT_EQ(outcome.result_json, R"({"deleted":true})");
  EXPECT_FALSE(device.userByUserId("1003").has_value());
  outcome = run(command(CommandType::DeleteUser, "1003"));
  EXPECT_TRUE(outcome.succeeded) << "already absent is done";
  EXPECT_EQ(outcome.result_json, R"({"deleted":false})");
}

TEST_F(CommandExecutorTest, DeleteFailsWhenTheTerminalDoesNotAnswer) {
  breakReplies();
  const auto outcome = run(command(CommandType::DeleteUser, "1003"));
  expectTimedOut(outcome);
  EXPECT_EQ(outcome.result_json, R"({"deleted":false})");
  device.setFaults({});
  EXPECT_TRUE(device.userByUserId("1003").has_value());
}

TEST_F(CommandExecutorTest, WritesFailWhenTheTerminalDoesNotAnswer) {
  breakReplies();
  expectTimedOut(run(command(CommandType::EnrollUser, "2001")));
  expectTimedOut(run(command(CommandType::UpdateUser, "1002")));
}

TEST_F(CommandExecutorTest, SetTimeSetsTheLocalTimeAndPublishesTheStatus) {
  Command set = command(CommandType::SetTime);
  const UtcSeconds utc{std::chrono::sys_days{std::chrono::year{2026} / 7 / 1}.time_since_epoch() +
                       8h};
  set.time = utc;
  const auto outcome = run(set);
  ASSERT_TRUE(outcome.succeeded) << outcome.error;
  EXPECT_EQ(json::parse(outcome.result_json)["device_time"], "2026-07-01 10:00:00") << "CEST";
  const auto offset = zone.toUtc(device.localNow()) - utc;
  EXPECT_LE(std::chrono::abs(offset), 2s);
  ASSERT_EQ(published.size(), 1U) << "the corrected clock shows at once";
  EXPECT_TRUE(published[0].contains("clock_drift_s"));
}

TEST_F(CommandExecutorTest, SetTimeWithoutATimeUsesTheClock) {
  clock.setWall(std::chrono::sys_days{std::chrono::year{2026} / 1 / 10} + 12h);
  const auto outcome = run(command(CommandType::SetTime));
  ASSERT_TRUE(outcome.succeeded) << outcome.error;
  EXPECT_EQ(json::parse(outcome.result_json)["device_time"], "2026-01-10 13:00:00");
}

TEST_F(CommandExecutorTest, SetTimeFailsWhenTheTerminalDoesNotAnswer) {
  breakReplies();
  expectTimedOut(run(command(CommandType::SetTime)));
  EXPECT_TRUE(published.empty());
}

TEST_F(CommandExecutorTest, UnlockOpensTheDoor) {
  Command unlock = command(CommandType::Unlock);
  unlock.unlock_for = 3s;
  const auto outcome = run(unlock);
  ASSERT_TRUE(outcome.succeeded) << outcome.error;
  EXPECT_EQ(device.counters().unlocks, 1U);
}

TEST_F(CommandExecutorTest, UnlockFailsWhenTheTerminalDoesNotAnswer) {
  breakReplies();
  expectTimedOut(run(command(CommandType::Unlock)));
}

TEST_F(CommandExecutorTest, RestartRebootsAndDropsTheConnection) {
  const auto outcome = run(command(CommandType::Restart));
  ASSERT_TRUE(outcome.succeeded) << outcome.error;
  EXPECT_EQ(device.counters().restarts, 1U);
  EXPECT_FALSE(client.connected());
}

TEST_F(CommandExecutorTest, RestartFailsWithoutAConnection) {
  client.disconnect();
  const auto outcome = run(command(CommandType::Restart));
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_NE(outcome.error.find("not connected to terminal 10.7.0.21:4370"), std::string::npos)
      << outcome.error;
  EXPECT_EQ(device.counters().restarts, 0U);
}

TEST_F(CommandExecutorTest, ReadUsersListsThem) {
  const auto outcome = run(command(CommandType::ReadUsers));
  ASSERT_TRUE(outcome.succeeded) << outcome.error;
  const json users_read = json::parse(outcome.result_json)["users"];
  ASSERT_EQ(users_read.size(), 5U);
  EXPECT_EQ(users_read[0]["user_id"], "1001");
  EXPECT_EQ(users_read[0]["uid"], 1);
  EXPECT_EQ(users_read[0]["privilege"], 14);
  EXPECT_TRUE(users_read[0].contains("card"));
}

TEST_F(CommandExecutorTest, ReadUsersFailsWhenTheTerminalDoesNotAnswer) {
  breakReplies();
  expectTimedOut(run(command(CommandType::ReadUsers)));
}

TEST_F(CommandExecutorTest, ClearAttendanceEmptiesTheLogAndForgetsTheWatermark) {
  punch("1001", 0);
  punch("1002", 1);
  ASSERT_EQ(log.sync(client, kSerial, users, "connect").value(), 2U);
  ASSERT_EQ(outbox->watermark(kSerial)->log_count, 2);
  ackAll();
  const auto outcome = run(command(CommandType::ClearAttendance));
  ASSERT_TRUE(outcome.succeeded) << outcome.error;
  EXPECT_EQ(device.attendanceCount(), 0U);
  EXPECT_EQ(outbox->watermark(kSerial)->log_count, 0);
}

// The terminal's copy goes only when the relay has every record: those read but not yet
// acknowledged, and those punched since the last read (read once more first), keep it.
TEST_F(CommandExecutorTest, ClearAttendanceWaitsForTheRelaysAcknowledgement) {
  punch("1001", 0);
  ASSERT_EQ(log.sync(client, kSerial, users, "connect").value(), 1U);
  auto outcome = run(command(CommandType::ClearAttendance));
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_NE(outcome.error.find("1 records of this terminal are not at the relay yet"),
            std::string::npos)
      << outcome.error;
  EXPECT_EQ(device.attendanceCount(), 1U);
  ackAll();
  punch("1002", 1);  // since the last read
  outcome = run(command(CommandType::ClearAttendance));
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_EQ(device.attendanceCount(), 2U);
  EXPECT_EQ(pending(), 1U) << "read before the refusal, on its way to the relay";
  ackAll();
  outcome = run(command(CommandType::ClearAttendance));
  EXPECT_TRUE(outcome.succeeded) << outcome.error;
  EXPECT_EQ(device.attendanceCount(), 0U);
}

// Nothing can be punched between the last read and the clear: the terminal is disabled across
// both (the read alone would enable it again), and enabled again however the clear ends.
TEST_F(CommandExecutorTest, TheTerminalIsDisabledFromTheLastReadToTheClear) {
  punch("1001", 0);
  ASSERT_TRUE(client.holdDisabled().ok());
  ASSERT_EQ(log.sync(client, kSerial, users, "test").value(), 1U);
  EXPECT_FALSE(device.enabled()) << "a read inside a hold must leave the terminal disabled";
  ASSERT_TRUE(client.releaseDisabled().ok());
  EXPECT_TRUE(device.enabled());

  auto outcome = run(command(CommandType::ClearAttendance));  // refused: not acknowledged yet
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_TRUE(device.enabled());
  ackAll();
  outcome = run(command(CommandType::ClearAttendance));
  EXPECT_TRUE(outcome.succeeded) << outcome.error;
  EXPECT_TRUE(device.enabled());
}

// The records the last read found are acknowledged a moment later: the clear waits for them
// (up to its limit) instead of failing.
TEST_F(CommandExecutorTest, ClearAttendanceWaitsBrieflyForTheLastReadsAcknowledgements) {
  CommandExecutor patient{zone, users, status, log, clock, std::chrono::seconds{10}};
  ackAll();
  punch("1001", 0);
  std::atomic<bool> done{false};
  std::thread relay([&] {
    // Acknowledges whatever is pending until the clear has finished.
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds{300});
      ackAll();
    }
  });
  const auto outcome = patient.execute(client, command(CommandType::ClearAttendance));
  done = true;
  relay.join();
  EXPECT_TRUE(outcome.succeeded) << outcome.error;
  EXPECT_EQ(device.attendanceCount(), 0U);
}

TEST_F(CommandExecutorTest, ClearAttendanceFailureKeepsTheWatermark) {
  punch("1001", 0);
  ASSERT_EQ(log.sync(client, kSerial, users, "connect").value(), 1U);
  ackAll();
  links.dropAll();  // the request never reaches the terminal
  const auto outcome = run(command(CommandType::ClearAttendance));
  EXPECT_FALSE(outcome.succeeded);
  // Disabling the terminal before the read already finds the connection gone.
  EXPECT_NE(outcome.error.find("closed the connection"), std::string::npos) << outcome.error;
  EXPECT_EQ(outbox->watermark(kSerial)->log_count, 1);
  EXPECT_EQ(device.attendanceCount(), 1U);
}

TEST_F(CommandExecutorTest, ALostClearAttendanceReplyIsCaughtByTheNextRead) {
  punch("1001", 0);
  ASSERT_EQ(log.sync(client, kSerial, users, "connect").value(), 1U);
  ackAll();
  // The terminal clears its log, but the answer is lost (the executor's read before the clear
  // would fail first with every reply broken, so the clear is sent by hand).
  breakReplies();
  EXPECT_FALSE(client.clearAttendance().ok());
  EXPECT_EQ(outbox->watermark(kSerial)->log_count, 1);
  device.setFaults({});
  punch("1002", 5);
  EXPECT_EQ(log.sync(client, kSerial, users, "resync").value(), 1U);
  EXPECT_EQ(outbox->watermark(kSerial)->log_count, 1);
}

TEST_F(CommandExecutorTest, PushOnlyCommandsFailWithTheReason) {
  const auto outcome = run(command(CommandType::SetOptions));
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_NE(outcome.error.find("is for push terminals"), std::string::npos) << outcome.error;
}

// read_log: the range's records go to the relay again, also those the outbox had (and the relay
// acknowledged): the backfill after records went missing there.
TEST_F(CommandExecutorTest, ReadLogPublishesTheRangeAgain) {
  punch("1001", 0);
  punch("1002", 1);
  ASSERT_EQ(log.sync(client, kSerial, users, "connect").value(), 2U);
  ackAll();
  zk::AttendanceRecord later;
  later.user_id = "1003";
  later.verify = 1;
  later.time = makeLocalTime(2026, 3, 5, 9, 0, 0).value();
  device.addPunch(later);
  Command read = command(CommandType::ReadLog);
  read.from = zone.toUtc(makeLocalTime(2026, 3, 2, 0, 0, 0).value());
  read.to = zone.toUtc(makeLocalTime(2026, 3, 2, 23, 59, 59).value());
  const auto outcome = run(read);
  ASSERT_TRUE(outcome.succeeded) << outcome.error;
  const auto result = json::parse(outcome.result_json);
  EXPECT_EQ(result["records"], 2);  // the 5th is outside the range
  EXPECT_EQ(result["new"], 0);
  EXPECT_EQ(pending(), 2U) << "both are offered to the relay again";
}

}  // namespace
}  // namespace punchlink::agent::zk_terminal
