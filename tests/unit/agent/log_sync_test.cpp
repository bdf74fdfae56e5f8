// LogSync: the attendance log against the watermark, cleared and rotated logs, uid-only records,
// and real-time punches, on the emulator in-process with a real outbox.
#include "zk_terminal/log_sync.hpp"

#include "zk_terminal_fixture.hpp"

#include <punchlink/common/event_id.hpp>

namespace punchlink::agent::zk_terminal {
namespace {

class LogSyncTest : public ::testing::Test, public ZkTerminalFixture {
 protected:
  explicit LogSyncTest(zksim::SimIdentity identity = simIdentity())
      : ZkTerminalFixture(std::move(identity)) {
    zksim::generateState(device, {5, 0, 1, 0, 64});
  }

  void connect() {
    ASSERT_TRUE(client.connect().ok());
    ASSERT_TRUE(users.refresh(client).ok());
  }

  Result<std::size_t> sync(const char* trigger = "resync") {
    return log.sync(client, kSerial, users, trigger);
  }

  DeviceWatermark watermark() { return outbox->watermark(kSerial).value(); }

  UserDirectory users;
  std::size_t reported_ = 0;
  LogSync log{"door-1", TimeZone::find("Europe/Berlin").value(),
              *outbox,  [this](std::size_t rows) { reported_ += rows; },
              logger,   clock};
};

TEST_F(LogSyncTest, StoresOnlyRecordsAfterTheWatermark) {
  punch("1001", 0);
  punch("1002", 1);
  punch("1003", 2);
  connect();
  EXPECT_EQ(sync("connect").value(), 3U);
  EXPECT_EQ(reported_, 3U);
  EXPECT_EQ(watermark().log_count, 3);

  EXPECT_EQ(sync().value(), 0U) << "an unchanged log adds nothing";
  punch("1004", 3);
  punch("1001", 4, 1);
  EXPECT_EQ(sync().value(), 2U);
  EXPECT_EQ(reported_, 5U);

  const auto stored = rows();
  ASSERT_EQ(stored.size(), 5U);
  EXPECT_EQ(stored[4]["user_id"], "1001");
  EXPECT_EQ(stored[4]["punch_type"], "CheckOut");
  EXPECT_EQ(stored[4]["source"], "log");
  EXPECT_EQ(stored[4]["device_name"], "door-1");
  EXPECT_EQ(stored[4]["timestamp"], "2026-03-02T08:04:00Z") << "local Berlin time to UTC";
  const DeviceWatermark mark = watermark();
  EXPECT_EQ(mark.log_count, 5);
  EXPECT_EQ(mark.last_event_id, stored[4]["event_id"]);
}

TEST_F(LogSyncTest, AClearedLogIsReadAgainFromTheStart) {
  punch("1001", 0);
  punch("1002", 1);
  connect();
  ASSERT_EQ(sync().value(), 2U);

  // Cleared on the terminal, then three new punches: fewer records than the watermark's count
  // at first, then more, and the record at the watermark's position is another one.
  device.clearAttendance();
  EXPECT_EQ(sync().value(), 0U);
  EXPECT_EQ(watermark().log_count, 0);
  punch("1003", 10);
  punch("1004", 11);
  punch("1005", 12);
  EXPECT_EQ(sync().value(), 3U);
  EXPECT_EQ(pending(), 5U);
  EXPECT_EQ(watermark().log_count, 3);
}

TEST_F(LogSyncTest, ARotatedLogOfTheSameLengthIsReadAgain) {
  punch("1001", 0);
  punch("1002", 1);
  connect();
  ASSERT_EQ(sync().value(), 2U);
  // Oldest dropped, one appended: same count, but the record at the watermark is another one.
  device.clearAttendance();
  punch("1002", 1);
  punch("1003", 2);
  EXPECT_EQ(sync().value(), 1U) << "1002 is in the outbox already; only 1003 is new";
  EXPECT_EQ(watermark().log_count, 2);
  EXPECT_EQ(watermark().last_event_id, rows().back()["event_id"]);
}

TEST_F(LogSyncTest, AFailedReadLeavesTheWatermarkForTheNextRead) {
  for (int minute = 0; minute < 30; ++minute) {
    punch("1001", minute);
  }
  connect();
  device.setFaults({3, 0, 0, false});  // the connection drops in the middle of the read
  EXPECT_FALSE(sync().ok());
  EXPECT_EQ(watermark().log_count, 0);
  device.setFaults({});
  connect();
  EXPECT_EQ(sync().value(), 30U);
  EXPECT_EQ(pending(), 30U);
}

class UidOnlyLogSyncTest : public LogSyncTest {
 protected:
  UidOnlyLogSyncTest() : LogSyncTest(simIdentity(zk::AttendanceFormat::Record8)) {}
};

TEST_F(UidOnlyLogSyncTest, UidOnlyRecordsGetTheUsersIds) {
  punch("1002", 0);  // the emulator keeps uid 2; 8-byte records carry nothing else
  zk::AttendanceRecord stranger;
  stranger.uid = 77;  // no such user on the terminal
  stranger.time = makeLocalTime(2026, 3, 2, 9, 5, 0).value();
  device.addPunch(stranger);
  connect();
  ASSERT_EQ(sync().value(), 2U);
  const auto stored = rows();
  ASSERT_EQ(stored.size(), 2U);
  EXPECT_EQ(stored[0]["user_id"], "1002");
  EXPECT_EQ(stored[0]["event_id"],
            makeEventId(kSerial, "1002", makeLocalTime(2026, 3, 2, 9, 0, 0).value()))
      << "the same event id as the punch read in a form that carries the user id";
  EXPECT_EQ(stored[1]["user_id"], "77") << "an unknown uid stands for itself";
}

TEST_F(LogSyncTest, ARealTimePunchAndItsLogRecordAreOneRow) {
  connect();
  ASSERT_EQ(sync().value(), 0U);
  zk::RealtimePunch live;
  live.uid = 3;  // a uid-only event form (UDP): the directory names the user
  live.state = 0;
  live.verify = 1;
  live.time = makeLocalTime(2026, 3, 2, 9, 30, 0).value();
  EXPECT_EQ(log.insertRealtime(kSerial, live, users).value(), 1U);
  EXPECT_EQ(rows().at(0)["user_id"], "1003");
  EXPECT_EQ(rows().at(0)["source"], "realtime");
  EXPECT_EQ(log.insertRealtime(kSerial, live, users).value(), 0U);

  punch("1003", 30);  // the same punch, now read from the log
  EXPECT_EQ(sync().value(), 0U);
  EXPECT_EQ(pending(), 1U);
  EXPECT_EQ(reported_, 1U);
  EXPECT_EQ(watermark().log_count, 1);
}

// Between full reads (hourly in realtime mode) the span stays current while the terminal's own
// count is the read's plus the live punches: the relay can compare records at any time.
TEST_F(LogSyncTest, TheSpanIsCarriedForwardWhileTheTerminalsCountAddsUp) {
  punch("1001", 0);
  punch("1002", 1);
  connect();
  ASSERT_EQ(sync().value(), 2U);
  const auto read = log.lastSpan().value();
  EXPECT_EQ(read.records, 2);
  clock.advance(std::chrono::minutes{20});
  zk::RealtimePunch live;
  live.user_id = "1003";
  live.time = makeLocalTime(2026, 3, 2, 10, 0, 0).value();
  ASSERT_EQ(log.insertRealtime(kSerial, live, users).value(), 1U);
  ASSERT_EQ(log.insertRealtime(kSerial, live, users).value(), 0U);  // a repeat counts once

  auto span = log.spanNow(3).value();
  EXPECT_EQ(span.records, 3);
  EXPECT_EQ(span.oldest, read.oldest);
  EXPECT_EQ(span.newest, "2026-03-02 10:00:00");
  EXPECT_EQ(span.read_at, clock.now()) << "checked now, not 20 minutes ago";

  // A record the agent did not see (or one cleared at the keypad): the read's span, unchanged.
  span = log.spanNow(4).value();
  EXPECT_EQ(span.records, 2);
  EXPECT_EQ(span.newest, read.newest);
  EXPECT_EQ(span.read_at, read.read_at);
  EXPECT_EQ(log.spanNow(2).value().read_at, read.read_at);
}

TEST_F(LogSyncTest, ForgetStartsTheNextReadFromNothing) {
  punch("1001", 0);
  connect();
  ASSERT_EQ(sync().value(), 1U);
  ASSERT_TRUE(log.forget(kSerial).ok());
  EXPECT_EQ(watermark().log_count, 0);
  EXPECT_EQ(sync().value(), 0U) << "the outbox already holds the record";
  EXPECT_EQ(watermark().log_count, 1);
}

}  // namespace
}  // namespace punchlink::agent::zk_terminal
