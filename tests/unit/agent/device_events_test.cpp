// What the agent makes of terminals' own events and clocks, without processes: the clock policy
// and its decisions, suspect punch times, push terminals' alarm, rtlog and rtstate uploads, the
// outbox's event rows and re-publishing.
#include "push/push_events.hpp"
#include "terminals/clock_policy.hpp"
#include "terminals/device_event_mapper.hpp"
#include "terminals/punch_mapper.hpp"
#include "uplink/uplink.hpp"

#include <punchlink/contract/punch_batch.hpp>
#include <punchlink/testing/manual_clock.hpp>
#include <punchlink/testing/recording_publisher.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace punchlink::agent {
namespace {

using namespace std::chrono_literals;
using contract::ClockPolicy;
using contract::DeviceEventType;
using nlohmann::json;

LocalSeconds local(const char* text) { return parseLocalTime(text).value(); }

TEST(ClockPolicy, OneEventPerEpisodeAndAutoCorrectsEveryTime) {
  const ClockSettings alert{ClockPolicy::Alert, 60s};
  EXPECT_FALSE(judgeClock(alert, 59, false).raise);
  EXPECT_FALSE(judgeClock(alert, -59, false).raise);
  auto verdict = judgeClock(alert, -60, false);
  EXPECT_TRUE(verdict.raise);
  EXPECT_FALSE(verdict.correct);
  EXPECT_FALSE(judgeClock(alert, 300, true).raise) << "raised once for this drift";
  EXPECT_TRUE(judgeClock(alert, 2, true).episode_over);
  const ClockSettings fix{ClockPolicy::Auto, 30s};
  verdict = judgeClock(fix, 31, false);
  EXPECT_TRUE(verdict.raise && verdict.correct);
  verdict = judgeClock(fix, 31, true);
  EXPECT_TRUE(!verdict.raise && verdict.correct);
  const ClockSettings off{ClockPolicy::Off, 1s};
  verdict = judgeClock(off, 86'400, false);
  EXPECT_FALSE(verdict.raise || verdict.correct);
}

TEST(ClockPolicy, SyncTimeOverridesTheConfigurationAndSurvivesARestart) {
  testing::TempDir dir;
  auto outbox = Outbox::open(dir.file("outbox.db").string(), 1 << 30, 80).value();
  {
    ClockPolicies clocks(*outbox, {ClockPolicy::Alert, 60s}, {{"gate", {ClockPolicy::Off, 5s}}});
    EXPECT_EQ(clocks.forDevice("door", "SN1"), (ClockSettings{ClockPolicy::Alert, 60s}));
    EXPECT_EQ(clocks.forDevice("gate", ""), (ClockSettings{ClockPolicy::Off, 5s}));
    ASSERT_TRUE(clocks.set("SN1", {ClockPolicy::Auto, 30s}).ok());
    EXPECT_EQ(clocks.forDevice("door", "SN1"), (ClockSettings{ClockPolicy::Auto, 30s}));
  }
  const ClockPolicies again(*outbox, {ClockPolicy::Alert, 60s}, {});
  EXPECT_EQ(again.forDevice("door", "SN1"), (ClockSettings{ClockPolicy::Auto, 30s}));
}

TEST(PunchTimes, ImpossibleTimesAreFlaggedNotDropped) {
  const TimeZone berlin = TimeZone::find("Europe/Berlin").value();
  const UtcSeconds now = berlin.toUtc(local("2026-03-27 12:00:00"));
  EXPECT_FALSE(isClockSuspect(local("2026-03-27 08:30:00"), berlin, now));
  EXPECT_TRUE(isClockSuspect(local("1999-12-31 23:59:59"), berlin, now));
  EXPECT_TRUE(isClockSuspect(local("2000-06-01 08:00:00"), berlin, now));  // a reset clock
  EXPECT_FALSE(isClockSuspect(local("2001-01-01 00:00:00"), berlin, now));
  EXPECT_TRUE(isClockSuspect(local("2026-03-28 12:00:01"), berlin, now));  // a day ahead
  EXPECT_FALSE(isClockSuspect(local("2026-03-28 12:00:01"), berlin, std::nullopt));
  EXPECT_TRUE(isClockSuspect(local("2026-03-29 02:30:00"), berlin, now));  // the DST gap
  DevicePunch punch{"SN1", "door", "1001", local("2000-01-01 00:00:12"), 0, 1, 0, "log"};
  punch.agent_now = now;
  const json row = json::parse(toOutboxPunch(punch, berlin).payload);
  EXPECT_EQ(row["flags"], json::array({"clock_suspect"}));
  punch.local_time = local("2026-03-27 08:30:00");
  punch.temperature = 36.6;
  punch.mask_detected = true;
  const json measured = json::parse(toOutboxPunch(punch, berlin).payload);
  EXPECT_FALSE(measured.contains("flags"));
  EXPECT_EQ(measured["temperature"], 36.6);
  EXPECT_EQ(measured["mask_detected"], true);
}

TEST(PushEvents, OperationLogAlarmsBecomeEvents) {
  const auto op = [](int code, std::vector<std::string> objects) {
    return adms::OpLogEntry{code, "0", local("2026-03-27 08:30:00"), std::move(objects)};
  };
  const auto type = [&](const adms::OpLogEntry& entry) {
    const auto event = eventOfOperation(entry, "SN1", "lobby");
    return event ? std::string(contract::deviceEventTypeName(event->type)) : std::string("-");
  };
  EXPECT_EQ(type(op(3, {"50"})), "door.closed");
  EXPECT_EQ(type(op(3, {"51"})), "door.opened");
  EXPECT_EQ(type(op(3, {"54"})), "door.opened");
  EXPECT_EQ(type(op(3, {"53"})), "alarm.exit_button");
  EXPECT_EQ(type(op(3, {"55"})), "alarm.tamper");
  EXPECT_EQ(type(op(3, {"58"})), "-");  // misoperation, as on ZK binary
  EXPECT_EQ(type(op(3, {"x"})), "-");
  EXPECT_EQ(type(op(3, {})), "-");
  EXPECT_EQ(type(op(2, {"0"})), "access.denied");
  EXPECT_EQ(type(op(6, {"1001", "0"})), "-");  // an enrolment is not an event
  const auto duress = eventOfOperation(op(32, {"1001"}), "SN1", "lobby");
  ASSERT_TRUE(duress);
  EXPECT_EQ(duress->user_id, "1001");
  EXPECT_EQ(duress->source, "push");
  EXPECT_TRUE(eventOfOperation(op(29, {"0"}), "SN1", "lobby")->user_id.empty());
}

TEST(PushEvents, RtLogPassagesArePunchesAndDoorEvents) {
  adms::RtLogEntry passage;
  passage.time = local("2026-03-27 08:30:00");
  passage.pin = "1001";
  passage.door = 1;
  passage.event = adms::rtlog::kOpenedAfterVerify;
  passage.in_out = 1;
  passage.verify = 15;
  passage.temperature = 36.5;
  passage.mask = false;
  adms::RtLogEntry denied = passage;
  denied.pin.clear();
  denied.event = adms::rtlog::kUnregisteredPerson;
  adms::RtLogEntry other = passage;
  other.event = 4005;
  const std::vector<adms::RtLogEntry> entries{passage, denied, other};
  const RtLogOutcome out = fromRtLog(entries, "ACC1", "gate");
  ASSERT_EQ(out.punches.size(), 1U);
  EXPECT_EQ(out.punches[0].user_id, "1001");
  EXPECT_EQ(out.punches[0].state, 1);  // out
  EXPECT_EQ(out.punches[0].temperature, 36.5);
  EXPECT_EQ(out.punches[0].mask_detected, false);
  ASSERT_EQ(out.events.size(), 2U);
  EXPECT_EQ(out.events[0].type, DeviceEventType::DoorUnlocked);
  EXPECT_EQ(out.events[0].user_id, "1001");
  EXPECT_EQ(out.events[0].door, 1);
  EXPECT_EQ(out.events[1].type, DeviceEventType::AccessDenied);
}

TEST(PushEvents, RtStateChangesOnlyAreEvents) {
  std::map<int, adms::DoorState> doors;
  const auto state = [](adms::DoorSensor sensor, std::uint8_t alarm) {
    adms::DoorState door;
    door.sensor = sensor;
    door.alarm = alarm;
    return adms::makeRtState(local("2026-03-27 08:30:00"), std::vector<adms::DoorState>{door});
  };
  EXPECT_TRUE(fromRtState(state(adms::DoorSensor::Closed, 0), doors, "ACC1", "gate").empty())
      << "the first state is the baseline";
  auto events = fromRtState(state(adms::DoorSensor::Open, 0), doors, "ACC1", "gate");
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].type, DeviceEventType::DoorOpened);
  EXPECT_EQ(events[0].door, 1);
  EXPECT_TRUE(fromRtState(state(adms::DoorSensor::Open, 0), doors, "ACC1", "gate").empty());
  events = fromRtState(state(adms::DoorSensor::Closed, adms::door_alarm::kTamper), doors, "ACC1",
                       "gate");
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].type, DeviceEventType::DoorClosed);
  EXPECT_EQ(events[1].type, DeviceEventType::AlarmTamper);
}

TEST(OutboxEvents, EventsTravelInTheirOwnListAndRepublishingSendsAgain) {
  testing::TempDir dir;
  auto outbox = Outbox::open(dir.file("outbox.db").string(), 1 << 30, 80).value();
  const TimeZone utc = TimeZone::find("UTC").value();
  TerminalEvent tamper;
  tamper.type = DeviceEventType::AlarmTamper;
  tamper.device_serial = "SN1";
  tamper.local_time = local("2026-03-27 08:30:00");
  tamper.code = 55;
  tamper.source = "realtime";
  const OutboxPunch event = toOutboxEvent(tamper, utc);
  EXPECT_EQ(event.kind, OutboxKind::DeviceEvent);
  const OutboxPunch punch =
      toOutboxPunch({"SN1", "door", "1001", local("2026-03-27 08:30:00"), 0, 1, 0, "log"}, utc);
  ASSERT_EQ(outbox->insert({punch, event}, 1).value(), 2U);

  testing::RecordingPublisher broker;
  testing::ManualClock clock;
  Logger logger("test", LogLevel::Error, StderrSink::detect(), clock);
  UplinkConfig config;
  config.batch_delay = 0ms;
  Uplink uplink(config, "plant-7", *outbox, broker, logger, clock);
  uplink.start();
  uplink.wake();
  ASSERT_TRUE(broker.waitFor(1, 5s));
  uplink.stop(0ms);
  const auto batch = contract::decodePunchBatch(broker.messages()[0].payload, "plant-7");
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->punches.size(), 1U);
  ASSERT_EQ(batch->events.size(), 1U);
  EXPECT_EQ(batch->events[0].event.event_id, event.event_id);

  ASSERT_TRUE(outbox->acknowledge({punch.event_id, event.event_id}, 2).ok());
  EXPECT_EQ(outbox->pendingFor("SN1").value(), 0);
  // Re-read (read_log): kept rows go again; nothing new is added.
  EXPECT_EQ(outbox->republish({punch}, 3).value(), 0U);
  EXPECT_EQ(outbox->pendingFor("SN1").value(), 1);
}

}  // namespace
}  // namespace punchlink::agent
