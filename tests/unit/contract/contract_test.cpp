// The agent <-> relay MQTT contract: every payload's encoder and decoder (round trips, golden
// bytes, hostile input) and docs/mqtt-contract.md checked against the module.
#include <punchlink/common/event_id.hpp>
#include <punchlink/contract/ack.hpp>
#include <punchlink/contract/agent_status.hpp>
#include <punchlink/contract/command.hpp>
#include <punchlink/contract/command_result.hpp>
#include <punchlink/contract/device_event.hpp>
#include <punchlink/contract/device_status.hpp>
#include <punchlink/contract/punch_batch.hpp>
#include <punchlink/contract/topics.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace punchlink::contract {
namespace {

using nlohmann::json;

UtcSeconds at(std::string_view text) {
  return std::chrono::floor<std::chrono::seconds>(parseRfc3339(text).value());
}

// ---- topics ----

TEST(Topics, SiteTopicsAndParsingAgree) {
  const SiteTopics topics("plant-7");
  EXPECT_EQ(topics.punches(), "punchlink/v1/sites/plant-7/punches");
  EXPECT_EQ(topics.acks(), "punchlink/v1/sites/plant-7/acks");
  EXPECT_EQ(topics.status(), "punchlink/v1/sites/plant-7/status");
  EXPECT_EQ(topics.deviceStatus("SN1"), "punchlink/v1/sites/plant-7/devices/SN1/status");
  EXPECT_EQ(topics.commands(), "punchlink/v1/sites/plant-7/commands");
  EXPECT_EQ(topics.commandResults(), "punchlink/v1/sites/plant-7/command-results");
  for (const auto kind : {TopicKind::Punches, TopicKind::Acks, TopicKind::AgentStatus,
                          TopicKind::Commands, TopicKind::CommandResults}) {
    const auto parsed = parseTopic(topics.topic(kind));
    ASSERT_TRUE(parsed) << topics.topic(kind);
    EXPECT_EQ(parsed->kind, kind);
    EXPECT_EQ(parsed->site_id, "plant-7");
  }
  const auto device = parseTopic(topics.deviceStatus("door-1"));
  ASSERT_TRUE(device);
  EXPECT_EQ(device->kind, TopicKind::DeviceStatus);
  EXPECT_EQ(device->device_key, "door-1");
}

TEST(Topics, FiltersForEverySite) {
  EXPECT_EQ(everySite(TopicKind::AgentStatus), "punchlink/v1/sites/+/status");
  EXPECT_EQ(everySite(TopicKind::DeviceStatus), "punchlink/v1/sites/+/devices/+/status");
  EXPECT_EQ(everySiteShared("relays", TopicKind::Punches),
            "$share/relays/punchlink/v1/sites/+/punches");
  EXPECT_EQ(siteAclPattern(), "punchlink/v1/sites/%u/#");
}

TEST(Topics, RefusesTopicsOutsideTheTree) {
  for (const char* topic :
       {"punchlink/v1/sites/plant-7", "punchlink/v1/sites/plant-7/", "other/v1/sites/x/punches",
        "punchlink/v1/sites//punches", "punchlink/v1/sites/plant-7/punches/extra",
        "punchlink/v1/sites/pl+nt/punches", "punchlink/v1/sites/plant-7/devices/status",
        "punchlink/v1/sites/plant-7/devices//status",
        "punchlink/v1/sites/plant-7/devices/a/b/status",
        "punchlink/v1/sites/plant-7/devices/SN1/statusx", ""}) {
    EXPECT_FALSE(parseTopic(topic)) << topic;
  }
}

TEST(Topics, SiteIds) {
  EXPECT_TRUE(isValidSiteId("plant-7_A.b"));
  EXPECT_FALSE(isValidSiteId(""));
  EXPECT_FALSE(isValidSiteId(std::string(65, 'a')));
  for (const char* bad : {"a/b", "a+", "#", "a b", "caf\xc3\xa9"}) {
    EXPECT_FALSE(isValidSiteId(bad)) << bad;
  }
}

// ---- punches ----

// The n-th punch of user 1003 on the terminal, n seconds after the first; its id derived from
// serial, user and local time as the relay checks it.
Punch samplePunch(int n = 0) {
  Punch punch;
  const auto local = *parseLocalTime("2026-03-27 08:30:12") + std::chrono::seconds{n};
  punch.event_id = makeEventId("CQZ7231560042", "1003", local);
  punch.device_serial = "CQZ7231560042";
  punch.device_name = "door-1";
  punch.user_id = "1003";
  punch.timestamp = "2026-03-27T07:30:12Z";
  punch.local_time = formatLocalTime(local);
  punch.time_zone = "Europe/Berlin";
  punch.state = 0;
  punch.verify = 1;
  punch.method = "Fingerprint";
  punch.source = "realtime";
  punch.punch_type = "CheckIn";
  return punch;
}

std::string batchOf(const std::string& site, const json& punches, const json& events = nullptr) {
  json batch{{"site_id", site},
             {"batch_id", "b1"},
             {"sent_at", "2026-03-27T08:30:13Z"},
             {"punches", punches}};
  if (!events.is_null()) {
    batch["events"] = events;
  }
  return batch.dump();
}

TEST(PunchBatch, EncodedPunchHasTheDocumentedKeyOrder) {
  EXPECT_EQ(encodePunch(samplePunch()),
            R"({"event_id":"evt_7948d791613c1af3e4f12fd1","device_serial":"CQZ7231560042",)"
            R"("device_name":"door-1","user_id":"1003","timestamp":"2026-03-27T07:30:12Z",)"
            R"("local_time":"2026-03-27 08:30:12","time_zone":"Europe/Berlin","state":0,)"
            R"("verify":1,"method":"Fingerprint","workcode":0,"source":"realtime",)"
            R"("punch_type":"CheckIn"})");
}

TEST(PunchBatch, RoundTrip) {
  Punch second = samplePunch(1);
  second.punch_type.clear();
  second.state = 255;
  second.workcode = 7;
  const std::vector<std::string> encoded{encodePunch(samplePunch()), encodePunch(second)};
  const std::string body =
      encodePunchBatch({"plant-7", "plant-7-1-1", "2026-03-27T08:30:13Z"}, encoded);
  const auto batch = decodePunchBatch(body, "plant-7");
  ASSERT_TRUE(batch.ok()) << batch.error();
  EXPECT_EQ(batch->batch_id, "plant-7-1-1");
  ASSERT_EQ(batch->punches.size(), 2U);
  EXPECT_EQ(batch->punches[0].punch, samplePunch());
  EXPECT_EQ(batch->punches[1].punch, second);
  EXPECT_EQ(batch->punches[0].payload, encoded[0]);
  EXPECT_TRUE(batch->rejected.empty());
}

DeviceEvent sampleEvent(DeviceEventType type = DeviceEventType::AlarmTamper) {
  DeviceEvent event;
  event.type = type;
  event.device_serial = "CQZ7231560042";
  event.device_name = "door-1";
  event.timestamp = "2026-03-27T07:31:02Z";
  event.local_time = "2026-03-27 08:31:02";
  event.time_zone = "Europe/Berlin";
  event.code = 55;
  event.source = "realtime";
  event.event_id = deviceEventIdOf(event);
  return event;
}

TEST(PunchBatch, MeasuredAndFlaggedPunchesRoundTrip) {
  Punch punch = samplePunch();
  punch.temperature = 36.4;
  punch.mask_detected = false;
  punch.flags = {std::string(kClockSuspect)};
  const std::string encoded = encodePunch(punch);
  EXPECT_NE(encoded.find(R"("temperature":36.4,"mask_detected":false,"flags":["clock_suspect"])"),
            std::string::npos)
      << encoded;
  const auto batch =
      decodePunchBatch(batchOf("plant-7", json::array({json::parse(encoded)})), "plant-7");
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->punches.size(), 1U);
  EXPECT_EQ(batch->punches[0].punch, punch);
  // A measurement out of range or of the wrong type, an unknown flag, a key the contract does
  // not know: the punch is kept without them, and its stored payload never carries them.
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, json>>{{"temperature", 95.0},
                                                 {"temperature", 10.0},
                                                 {"temperature", "36.6"},
                                                 {"mask_detected", 1},
                                                 {"flags", json::array({"vip"})},
                                                 {"flags", "clock_suspect"},
                                                 {"note", "<script>alert(1)</script>"}}) {
    json item = json::parse(encodePunch(samplePunch()));
    item[key] = value;
    const auto kept = decodePunchBatch(batchOf("plant-7", json::array({item})), "plant-7");
    ASSERT_TRUE(kept.ok());
    EXPECT_TRUE(kept->rejected.empty()) << key << "=" << value;
    ASSERT_EQ(kept->punches.size(), 1U) << key << "=" << value;
    EXPECT_EQ(kept->punches[0].punch, samplePunch()) << key << "=" << value;
    EXPECT_EQ(kept->punches[0].payload, encodePunch(samplePunch())) << key << "=" << value;
  }
  // An unknown flag beside a known one leaves the known one.
  json both = json::parse(encodePunch(samplePunch()));
  both["flags"] = json::array({"vip", "clock_suspect", "clock_suspect"});
  const auto flagged = decodePunchBatch(batchOf("plant-7", json::array({both})), "plant-7");
  ASSERT_TRUE(flagged.ok());
  ASSERT_EQ(flagged->punches.size(), 1U);
  EXPECT_EQ(flagged->punches[0].punch.flags, std::vector<std::string>{"clock_suspect"});
}

TEST(PunchBatch, DeviceEventsTravelBesidePunches) {
  DeviceEvent drift = sampleEvent(DeviceEventType::ClockDrift);
  drift.code = 0;
  drift.source = "clock";
  drift.drift_s = -300;
  drift.device_time = "2026-03-27 08:26:02";
  drift.corrected = true;
  drift.event_id = deviceEventIdOf(drift);
  DeviceEvent duress = sampleEvent(DeviceEventType::AlarmDuress);
  duress.user_id = "1003";
  duress.door = 2;
  duress.event_id = deviceEventIdOf(duress);
  const std::vector<std::string> punches{encodePunch(samplePunch())};
  const std::vector<std::string> events{encodeDeviceEvent(sampleEvent()), encodeDeviceEvent(drift),
                                        encodeDeviceEvent(duress)};
  const auto batch = decodePunchBatch(
      encodePunchBatch({"plant-7", "b", "2026-03-27T08:30:13Z"}, punches, events), "plant-7");
  ASSERT_TRUE(batch.ok()) << batch.error();
  ASSERT_EQ(batch->events.size(), 3U);
  EXPECT_EQ(batch->events[0].event, sampleEvent());
  EXPECT_EQ(batch->events[1].event, drift);
  EXPECT_EQ(batch->events[2].event, duress);
  EXPECT_EQ(batch->events[0].payload, events[0]);
  // Ids differ by type, user and door, and never collide with the punch's.
  EXPECT_NE(sampleEvent().event_id, sampleEvent(DeviceEventType::DoorUnlocked).event_id);
  EXPECT_NE(duress.event_id, sampleEvent(DeviceEventType::AlarmDuress).event_id);
  EXPECT_NE(sampleEvent().event_id, samplePunch().event_id);
  // Keys the contract does not know (or that only the relay writes, as a records_missing event's
  // counts) are not stored, so the API and webhooks never echo them.
  json padded = json::parse(events[0]);
  padded["missing"] = json{{"huge", std::string(100, 'x')}};
  padded["note"] = "hello";
  const auto cleaned =
      decodePunchBatch(batchOf("plant-7", json::array(), json::array({padded})), "plant-7");
  ASSERT_TRUE(cleaned.ok()) << cleaned.error();
  ASSERT_EQ(cleaned->events.size(), 1U);
  EXPECT_EQ(cleaned->events[0].payload, events[0]);
  // No "events" key at all when there are none (what older relays read).
  EXPECT_EQ(json::parse(encodePunchBatch({"s", "b", "t"}, punches)).count("events"), 0U);
}

TEST(PunchBatch, BadDeviceEventsAreRejectedOneByOne) {
  json forged = json::parse(encodeDeviceEvent(sampleEvent()));
  forged["code"] = 53;  // another event under this one's id
  json unknown = json::parse(encodeDeviceEvent(sampleEvent()));
  unknown["type"] = "alarm.fire";
  json drift = json::parse(encodeDeviceEvent(sampleEvent(DeviceEventType::ClockDrift)));
  const json body = {{"site_id", "plant-7"},
                     {"batch_id", "b"},
                     {"punches", json::array()},
                     {"events", json::array({forged, unknown, drift,
                                             json::parse(encodeDeviceEvent(sampleEvent()))})}};
  const auto batch = decodePunchBatch(body.dump(), "plant-7");
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->events.size(), 1U);
  ASSERT_EQ(batch->rejected.size(), 3U);
  EXPECT_NE(batch->rejected[0].reason.find("does not match"), std::string::npos);
  EXPECT_NE(batch->rejected[1].reason.find("not a device event type"), std::string::npos);
  EXPECT_NE(batch->rejected[2].reason.find("drift_s"), std::string::npos);
  json not_list = body;
  not_list["events"] = "none";
  EXPECT_FALSE(decodePunchBatch(not_list.dump(), "plant-7").ok());
}

TEST(PunchBatch, BatchIdsAreEscaped) {
  const std::string body = encodePunchBatch({"s", "a\"b", "t"}, {});
  EXPECT_EQ(json::parse(body)["batch_id"], "a\"b");
}

TEST(PunchBatch, TimestampsAreNormalisedToUtcSeconds) {
  json punch = json::parse(encodePunch(samplePunch()));
  punch["timestamp"] = "2026-03-27T08:30:12.9+01:00";
  const auto batch = decodePunchBatch(batchOf("s", json::array({punch})), "s");
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->punches.size(), 1U);
  EXPECT_EQ(batch->punches[0].punch.timestamp, "2026-03-27T07:30:12Z");
}

TEST(PunchBatch, RefusesWholeBatchesThatCannotBeAcked) {
  EXPECT_FALSE(decodePunchBatch("nope", "s").ok());
  EXPECT_FALSE(decodePunchBatch(R"({"site_id":"s"})", "s").ok());
  EXPECT_FALSE(decodePunchBatch(R"({"site_id":"s","batch_id":"b","punches":{}})", "s").ok());
  const auto foreign = decodePunchBatch(batchOf("other-site", json::array()), "plant-7");
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, ErrorCode::PermissionDenied);
  const auto huge = decodePunchBatch(
      batchOf("s", json(std::vector<json>(kMaxBatchPunches + 1, json::object()))), "s");
  ASSERT_FALSE(huge.ok());
  EXPECT_NE(huge.error().message.find("exceeds"), std::string::npos);
}

TEST(PunchBatch, RejectsBadPunchesOneByOneWithReasons) {
  json bad_time = json::parse(encodePunch(samplePunch(1)));
  bad_time["timestamp"] = "yesterday";
  json no_user = json::parse(encodePunch(samplePunch(2)));
  no_user.erase("user_id");
  json bad_id = json::parse(encodePunch(samplePunch()));
  bad_id["event_id"] = "evt_XYZ";
  json nul_user = json::parse(encodePunch(samplePunch(4)));
  nul_user["user_id"] = std::string("EMP\0X", 5);  // PostgreSQL text cannot hold it
  json bad_state = json::parse(encodePunch(samplePunch(5)));
  bad_state["state"] = "zero";
  const auto batch =
      decodePunchBatch(batchOf("s", json::array({bad_time, no_user, bad_id, 42, nul_user, bad_state,
                                                 json::parse(encodePunch(samplePunch(3)))})),
                       "s");
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->punches.size(), 1U);
  ASSERT_EQ(batch->rejected.size(), 5U);
  EXPECT_NE(batch->rejected[0].reason.find("timestamp"), std::string::npos);
  EXPECT_EQ(batch->rejected[1].reason, "user_id is required");
  EXPECT_EQ(batch->rejected[2].event_id, "evt_XYZ");
  EXPECT_NE(batch->rejected[2].reason.find("24 hex digits"), std::string::npos);
  EXPECT_EQ(batch->rejected[3].reason, "user_id must not contain control characters");
  EXPECT_EQ(batch->rejected[4].reason, "state must be an integer");
}

TEST(PunchBatch, AnIdThatIsNotTheOnesOfItsSerialUserAndTimeIsRejected) {
  // A site replaying ids it made up (or another tenant's) to shadow real punches.
  json forged = json::parse(encodePunch(samplePunch()));
  forged["event_id"] = "evt_" + std::string(24, 'a');
  json moved = json::parse(encodePunch(samplePunch()));
  moved["local_time"] = "2026-03-27 08:30:13";  // the id of another second
  json no_local = json::parse(encodePunch(samplePunch()));
  no_local.erase("local_time");
  const auto batch = decodePunchBatch(
      batchOf("s",
              json::array({forged, moved, no_local, json::parse(encodePunch(samplePunch(1)))})),
      "s");
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->punches.size(), 1U);
  ASSERT_EQ(batch->rejected.size(), 3U);
  EXPECT_EQ(batch->rejected[0].reason,
            "event_id does not match device_serial, user_id and local_time");
  EXPECT_EQ(batch->rejected[1].reason,
            "event_id does not match device_serial, user_id and local_time");
  EXPECT_EQ(batch->rejected[2].reason, "local_time is required");
}

TEST(PunchBatch, EventIds) {
  EXPECT_TRUE(isValidEventId("evt_7948d791613c1af3e4f12fd1"));
  EXPECT_FALSE(isValidEventId("evt_15A4C20895B89A8A87165F04"));
  EXPECT_FALSE(isValidEventId("evt_15a4c20895b89a8a87165f0"));
  EXPECT_FALSE(isValidEventId("xyz_15a4c20895b89a8a87165f04"));
}

// ---- acks ----

TEST(Ack, RoundTrip) {
  const Ack ack{"b1",
                {"evt_7948d791613c1af3e4f12fd1"},
                {{"evt_XYZ", "event_id must be evt_ and 24 hex digits"}}};
  EXPECT_EQ(encodeAck(ack), R"({"batch_id":"b1","acked":["evt_7948d791613c1af3e4f12fd1"],)"
                            R"("rejected":[{"event_id":"evt_XYZ",)"
                            R"("reason":"event_id must be evt_ and 24 hex digits"}]})");
  EXPECT_EQ(decodeAck(encodeAck(ack)).value(), ack);
}

TEST(Ack, ToleratesOddEntriesButNotAMissingList) {
  EXPECT_FALSE(decodeAck("[]").ok());
  EXPECT_FALSE(decodeAck(R"({"batch_id":"b"})").ok());
  EXPECT_FALSE(decodeAck(R"({"acked":"evt_1"})").ok());
  const auto ack =
      decodeAck(R"({"acked":["evt_1",7,"",null],"rejected":[{"event_id":"evt_2"},{"reason":"x"},3,)"
                R"({"event_id":"evt_3","reason":")" +
                std::string(600, 'r') + R"("}]})");
  ASSERT_TRUE(ack.ok()) << ack.error();
  EXPECT_EQ(ack->acked, std::vector<std::string>{"evt_1"});
  ASSERT_EQ(ack->rejected.size(), 2U);
  EXPECT_EQ(ack->rejected[0].reason, "unknown");
  EXPECT_EQ(ack->rejected[1].reason.size(), 500U);
}

// ---- commands ----

TEST(Command, ParsesEnrollWithTemplates) {
  const auto command = decodeCommand(R"({"command_id":"c1","device":"SN1","type":"enroll_user",
      "expires_at":"2026-03-28T08:30:00Z",
      "params":{"user_id":"EMP_001","name":"John Doe","privilege":14,"card":123,
                "templates":[{"index":0,"data":"AQID"},{"index":9,"data":"BAU="}]}})");
  ASSERT_TRUE(command.ok()) << command.error();
  EXPECT_EQ(command->type, CommandType::EnrollUser);
  EXPECT_EQ(command->user.user_id, "EMP_001");
  EXPECT_EQ(command->user.privilege, 14);
  ASSERT_EQ(command->user.templates.size(), 2U);
  EXPECT_EQ(command->user.templates[1].finger, 9);
  EXPECT_EQ(command->user.templates[1].data, (std::vector<std::uint8_t>{4, 5}));
  EXPECT_EQ(formatRfc3339(*command->expires_at), "2026-03-28T08:30:00Z");
}

TEST(Command, RejectsMalformedPayloadsNamingTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {"not json", "not a JSON object"},
      {"[1,2]", "not a JSON object"},
      {R"({"device":"d","type":"unlock"})", "command_id is required"},
      {R"({"command_id":7,"device":"d","type":"unlock"})", "command_id must be a string"},
      {R"({"command_id":"c","type":"unlock"})", "device is required"},
      {R"({"command_id":"c","device":"d","type":"fly"})", "\"fly\" is not one of"},
      {R"({"command_id":"c","device":"d","type":"enroll_user","params":{}})",
       "user_id is required"},
      {R"({"command_id":"c","device":"d","type":"enroll_user","params":{"user_id":"0"}})",
       "user_id must be 1-23 characters"},
      {R"({"command_id":"c","device":"d","type":"enroll_user","params":{"user_id":"a",
          "templates":[{"index":12,"data":"AQID"}]}})",
       "index must be from 0 to 9"},
      {R"({"command_id":"c","device":"d","type":"enroll_user","params":{"user_id":"a",
          "templates":[{"index":1,"data":"!!"}]}})",
       "templates[0].data"},
      {R"({"command_id":"c","device":"d","type":"unlock","params":{"seconds":600}})",
       "seconds must be from 1 to 60"},
      {R"({"command_id":"c","device":"d","type":"set_time","params":{"time":"yesterday"}})",
       "time: invalid timestamp"},
      {R"({"command_id":"c","device":"d","type":"clear_attendance"})", "confirm = true"},
  };
  for (const auto& [payload, expected] : cases) {
    const auto command = decodeCommand(payload);
    ASSERT_FALSE(command.ok()) << payload;
    EXPECT_NE(command.error().message.find(expected), std::string::npos)
        << payload << " → " << command.error().message;
  }
  // The id is kept when there was one, so the failure result can name it.
  EXPECT_EQ(decodeCommand(R"({"command_id":"c9","device":"d","type":"fly"})").error().hint, "c9");
}

TEST(Command, ResultJson) {
  const auto utc =
      std::chrono::floor<std::chrono::seconds>(parseRfc3339("2026-03-27T08:30:02Z").value());
  const json ok =
      json::parse(encodeCommandResult({"c1", "SN1", "unlock", true, "", R"({"uid":3})", utc}));
  EXPECT_EQ(ok["status"], "succeeded");
  EXPECT_EQ(ok["result"]["uid"], 3);
  EXPECT_FALSE(ok.contains("error"));
  const json failed =
      json::parse(encodeCommandResult({"c2", "SN1", "unlock", false, "door jammed", "", utc}));
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_EQ(failed["error"], "door jammed");
}

TEST(Command, EveryTypeRoundTrips) {
  std::vector<Command> commands;
  for (const CommandType type : commandTypes()) {
    Command command;
    command.command_id = "cmd_" + std::string(commandTypeName(type));
    command.device = "SN1";
    command.type = type;
    command.type_text = std::string(commandTypeName(type));
    command.expires_at = at("2026-03-28T08:30:00Z");
    switch (type) {
      case CommandType::EnrollUser:
      case CommandType::UpdateUser:
        command.user = {"EMP_001", "John Doe", 14, "1234", 99, {{0, 1, {1, 2, 3}}, {3, 3, {4}}}};
        break;
      case CommandType::DeleteUser:
        command.user.user_id = "EMP_001";
        break;
      case CommandType::SetTime:
        command.time = at("2026-03-27T08:30:00Z");
        break;
      case CommandType::Unlock:
        command.unlock_for = std::chrono::seconds{9};
        break;
      case CommandType::ReadLog:
        command.from = at("2026-03-01T00:00:00Z");
        command.to = at("2026-03-02T00:00:00Z");
        break;
      case CommandType::SetOptions:
        command.options = {{"DateFormat", "1"}, {"Volume", "5"}};
        break;
      case CommandType::SyncTime:
        command.clock_policy = contract::ClockPolicy::Auto;
        command.clock_threshold = std::chrono::seconds{30};
        break;
      case CommandType::Restart:
      case CommandType::ReadUsers:
      case CommandType::ClearAttendance:
        break;
    }
    const std::string payload = encodeCommand(command);
    const auto decoded = decodeCommand(payload);
    ASSERT_TRUE(decoded.ok()) << payload << ": " << decoded.error();
    EXPECT_EQ(*decoded, command) << payload;
    EXPECT_EQ(commandTypeNamed(commandTypeName(type)), type);
  }
  EXPECT_FALSE(commandTypeNamed("self_destruct"));
}

TEST(Command, SharedLimits) {
  EXPECT_TRUE(isValidUserId(std::string(kMaxUserIdLength, '1')));
  EXPECT_FALSE(isValidUserId(std::string(kMaxUserIdLength + 1, '1')));
  EXPECT_FALSE(isValidUserId("0"));
  EXPECT_FALSE(isValidUserId(""));
  for (const std::int64_t privilege : {0, 2, 6, 14}) {
    EXPECT_TRUE(isValidPrivilege(privilege));
  }
  for (const std::int64_t privilege : {-1, 1, 3, 15, 255}) {
    EXPECT_FALSE(isValidPrivilege(privilege));
  }
  const auto too_many = decodeCommand(
      R"({"command_id":"c","device":"d","type":"enroll_user","params":{"user_id":"a","templates":)" +
      json(std::vector<json>(kMaxTemplates + 1, {{"index", 0}, {"data", "AQID"}})).dump() + "}}");
  EXPECT_FALSE(too_many.ok());
  const auto twice = decodeCommand(
      R"({"command_id":"c","device":"d","type":"enroll_user","params":{"user_id":"a",)"
      R"("templates":[{"index":1,"data":"AQID"},{"index":1,"data":"AQID"}]}})");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("twice"), std::string::npos);
  const auto privilege = decodeCommand(
      R"({"command_id":"c","device":"d","type":"enroll_user","params":{"user_id":"a","privilege":3}})");
  EXPECT_FALSE(privilege.ok());
}

TEST(Command, PeekHeaderOfUndecodableCommands) {
  const auto header = peekCommandHeader(R"({"command_id":"c9","device":"d","type":"fly","x":[})");
  EXPECT_TRUE(header.command_id.empty());  // not JSON at all
  const auto named = peekCommandHeader(R"({"command_id":"c9","device":7,"type":"fly"})");
  EXPECT_EQ(named.command_id, "c9");
  EXPECT_EQ(named.device, "");
  EXPECT_EQ(named.type, "fly");
}

TEST(Command, RedactionKeepsWhatItWasAndDropsCredentials) {
  const std::string enroll = R"({"command_id":"c1","device":"SN1","type":"enroll_user",
      "params":{"user_id":"EMP_001","name":"John Doe","password":"4711","card":987654,
                "templates":[{"index":0,"data":"U0VDUkVU"}]}})";
  const auto redacted = decodeCommand(redactCommand(enroll));
  ASSERT_TRUE(redacted.ok()) << redacted.error();
  EXPECT_EQ(redacted->command_id, "c1");
  EXPECT_EQ(redacted->type, CommandType::EnrollUser);
  EXPECT_EQ(redacted->user.user_id, "EMP_001");
  EXPECT_EQ(redacted->user.name, "John Doe");
  EXPECT_TRUE(redacted->user.password.empty());
  EXPECT_EQ(redacted->user.card, 0U);
  EXPECT_TRUE(redacted->user.templates.empty());
  const std::string options = redactCommand(
      R"({"command_id":"c2","device":"SN1","type":"set_options","params":{"options":{"PushComKey":"k3y"}}})");
  EXPECT_EQ(options.find("k3y"), std::string::npos);
  EXPECT_NE(options.find("PushComKey"), std::string::npos);
  // One that does not decode keeps its header only.
  EXPECT_EQ(
      redactCommand(R"({"command_id":"c3","device":"d","type":"fly","params":{"password":"x"}})"),
      R"({"command_id":"c3","device":"d","type":"fly"})");
}

// ---- command results ----

TEST(CommandResult, RoundTripAndHostileInput) {
  const CommandResult result{"cmd_1",
                             "SN1",
                             "enroll_user",
                             true,
                             "",
                             R"({"uid":12,"templates":2})",
                             at("2026-03-27T08:30:02Z")};
  EXPECT_EQ(encodeCommandResult(result),
            R"({"command_id":"cmd_1","device":"SN1","type":"enroll_user","status":"succeeded",)"
            R"("result":{"uid":12,"templates":2},"finished_at":"2026-03-27T08:30:02Z"})");
  EXPECT_EQ(decodeCommandResult(encodeCommandResult(result)).value(), result);
  EXPECT_FALSE(decodeCommandResult(R"({"status":"succeeded"})").ok());
  EXPECT_FALSE(decodeCommandResult(R"({"command_id":"c","status":"sent"})").ok());
  EXPECT_FALSE(decodeCommandResult(R"({"command_id":5,"status":"failed"})").ok());
  const auto long_error = decodeCommandResult(R"({"command_id":"c","status":"failed","error":")" +
                                              std::string(5000, 'e') + R"("})");
  ASSERT_TRUE(long_error.ok());
  EXPECT_EQ(long_error->error.size(), kMaxCommandErrorLength);
}

// ---- agent status ----

TEST(AgentStatus, RoundTripAndLastWill) {
  AgentStatus status;
  status.site_id = "plant-7";
  status.online = true;
  status.agent_version = "0.1.0";
  status.started_at = "2026-03-27T06:00:00Z";
  status.broker_connected = true;
  status.outbox = OutboxStatus{3, 1520, 462848, 1073741824, false, false, 12};
  status.uplink = UplinkStatus{12, 1520, 1517, 0};
  status.devices = {R"({"name":"door-1","online":true})"};
  const auto decoded = decodeAgentStatus(encodeAgentStatus(status));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded->site_id, "plant-7");
  EXPECT_TRUE(decoded->online);
  EXPECT_EQ(decoded->outbox, status.outbox);
  AgentStatus will;
  will.site_id = "plant-7";
  will.reason = "connection lost";
  EXPECT_EQ(encodeAgentStatus(will),
            R"({"site_id":"plant-7","online":false,"reason":"connection lost"})");
  EXPECT_FALSE(decodeAgentStatus(R"({"site_id":"plant-7"})").ok());
  EXPECT_FALSE(decodeAgentStatus(R"({"online":"yes"})").ok());
  EXPECT_FALSE(decodeAgentStatus(R"({"online":true,"outbox":{"pending":-1}})").ok());
}

// ---- device status ----

TEST(DeviceStatus, RoundTrip) {
  DeviceStatus status;
  status.name = "door-1";
  status.serial = "CQZ7231560042";
  status.online = true;
  status.host = "192.168.1.201";
  status.port = 4370;
  status.transport = "tcp";
  status.time_zone = "Europe/Berlin";
  status.firmware = "Ver 6.60 Apr 26 2016";
  status.users = 243;
  status.logs = 15847;
  status.log_capacity = 50000;
  status.storage_percent = 31;
  status.clock_drift_s = -2;
  status.last_seen = "2026-03-27T08:30:00Z";
  EXPECT_EQ(decodeDeviceStatus(encodeDeviceStatus(status)).value(), status);
  EXPECT_EQ(encodeDeviceStatus(DeviceStatus{}), R"({"online":false})");
}

TEST(DeviceStatus, RefusesFieldsOfTheWrongShape) {
  // A string storage_percent once made GET /v1/devices answer 500 for the whole tenant.
  for (const char* bad :
       {R"({"serial":"SN1","storage_percent":"31"})", R"({"serial":"SN1","storage_percent":101})",
        R"({"serial":"SN1","users":-1})", R"({"serial":"SN1","users":1.5})", R"({"serial":7})",
        R"({"serial":"SN1","online":"yes"})", R"({"serial":"SN1","port":70000})", "[]",
        "not json"}) {
    EXPECT_FALSE(decodeDeviceStatus(bad).ok()) << bad;
  }
  const auto ok = decodeDeviceStatus(R"({"serial":"SN1","online":true,"unknown":{"x":[1]}})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(encodeDeviceStatus(*ok), R"({"serial":"SN1","online":true})");
}

// ---- hostile nesting (each once crashed the relay through a recursive dump) ----

TEST(Contract, DecodersRefuseDeeplyNestedPayloads) {
  const std::string deep = std::string(60'000, '[') + std::string(60'000, ']');
  const auto refused = [](const auto& decoded) {
    return !decoded.ok() &&
           decoded.error().message.find("nested deeper than 32 levels") != std::string::npos;
  };
  EXPECT_TRUE(refused(
      decodeCommandResult(R"({"command_id":"c","status":"succeeded","result":)" + deep + "}")));
  EXPECT_TRUE(refused(decodePunchBatch(
      R"({"site_id":"s","batch_id":"b","punches":[{"event_id":"evt_aaaaaaaaaaaaaaaaaaaaaaaa",)"
      R"("device_serial":"S","user_id":"1","timestamp":"2026-03-27T08:30:12Z","extra":)" +
          deep + "}]}",
      "s")));
  EXPECT_TRUE(refused(decodeDeviceStatus(R"({"serial":"S","users":)" + deep + "}")));
  EXPECT_TRUE(refused(decodeAgentStatus(R"({"online":true,"devices":)" + deep + "}")));
  EXPECT_TRUE(refused(decodeAck(R"({"acked":)" + deep + "}")));
  EXPECT_TRUE(refused(decodeCommand(R"({"command_id":"c","params":)" + deep + "}")));
  EXPECT_TRUE(peekCommandHeader(R"({"command_id":"c","x":)" + deep + "}").command_id.empty());
}

// ---- docs/mqtt-contract.md ----

std::string readDoc() {
  std::ifstream file(std::string(PUNCHLINK_SOURCE_DIR) + "/docs/mqtt-contract.md");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// The text of each "### `topic`…" section.
std::map<std::string, std::string> sections(const std::string& doc) {
  std::map<std::string, std::string> out;
  const std::regex heading(R"(\n### `([^`]+)`[^\n]*\n)");
  std::vector<std::pair<std::string, std::size_t>> starts;
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), heading);
       it != std::sregex_iterator(); ++it) {
    starts.emplace_back((*it)[1], static_cast<std::size_t>(it->position() + it->length()));
  }
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::size_t end =
        i + 1 < starts.size() ? doc.rfind("\n###", starts[i + 1].second) : doc.size();
    out[starts[i].first] = doc.substr(starts[i].second, end - starts[i].second);
  }
  return out;
}

// Every JSON document in the section's ```json blocks.
std::vector<std::string> examples(const std::string& section) {
  std::vector<std::string> out;
  const std::regex block("```json\n([^`]*)```");
  for (auto it = std::sregex_iterator(section.begin(), section.end(), block);
       it != std::sregex_iterator(); ++it) {
    std::istringstream in((*it)[1].str());
    while ((in >> std::ws).peek() != EOF) {
      json doc;
      in >> doc;
      out.push_back(doc.dump());
    }
  }
  return out;
}

TEST(ContractDoc, TopicTableListsExactlyTheContractsTopics) {
  const std::string doc = readDoc();
  const std::regex row(R"(\n\| `([a-z<>/_-]+)` \| (agent|relay) → (agent|relay) \|)");
  std::set<std::string> documented;
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), row); it != std::sregex_iterator();
       ++it) {
    documented.insert((*it)[1]);
  }
  const SiteTopics topics("<site_id>");
  const std::string prefix = "punchlink/v1/sites/<site_id>/";
  std::set<std::string> contract;
  for (const auto kind : {TopicKind::Punches, TopicKind::Acks, TopicKind::AgentStatus,
                          TopicKind::Commands, TopicKind::CommandResults}) {
    contract.insert(topics.topic(kind).substr(prefix.size()));
  }
  contract.insert(topics.deviceStatus("<serial>").substr(prefix.size()));
  EXPECT_EQ(documented, contract);
  EXPECT_NE(doc.find("All topics live under `" + prefix.substr(0, prefix.size() - 10)),
            std::string::npos);
  EXPECT_NE(doc.find("pattern readwrite " + siteAclPattern()), std::string::npos);
}

TEST(ContractDoc, ThePackagedBrokerConfigEnforcesTheConnectionRules) {
  std::ifstream file(std::string(PUNCHLINK_SOURCE_DIR) + "/packaging/mosquitto-punchlink.conf");
  ASSERT_TRUE(file);
  std::map<std::string, std::string> settings;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    const auto space = line.find(' ');
    settings[line.substr(0, space)] = space == std::string::npos ? "" : line.substr(space + 1);
  }
  // A site's account cannot take another client's id (the relay's above all).
  EXPECT_EQ(settings["use_username_as_clientid"], "true");
  // The largest payload fits in a packet, with room for the topic and properties.
  ASSERT_TRUE(settings.count("max_packet_size"));
  EXPECT_GE(std::stoull(settings["max_packet_size"]), kMaxPayloadBytes + 1024);
  EXPECT_LE(std::stoull(settings["max_packet_size"]), kMaxPayloadBytes + 8192);
}

TEST(ContractDoc, ThePackagedAclConfinesEachSiteToItsTree) {
  std::ifstream file(std::string(PUNCHLINK_SOURCE_DIR) + "/packaging/mosquitto-punchlink.acl");
  ASSERT_TRUE(file);
  std::vector<std::string> patterns;
  std::string line;
  while (std::getline(file, line)) {
    if (line.rfind("pattern ", 0) == 0) {
      patterns.push_back(line);
    }
  }
  // scripts/run.sh and the benches read the site prefix from this line too.
  EXPECT_EQ(patterns, std::vector<std::string>{"pattern readwrite " + siteAclPattern()});
}

TEST(ContractDoc, EveryExampleDecodes) {
  const auto parts = sections(readDoc());
  const auto check = [&](const std::string& name, std::size_t expected, auto decode) {
    ASSERT_TRUE(parts.count(name)) << "docs/mqtt-contract.md has no section " << name;
    const auto docs = examples(parts.at(name));
    EXPECT_EQ(docs.size(), expected) << name;
    for (const auto& example : docs) {
      const auto decoded = decode(example);
      EXPECT_TRUE(decoded.ok()) << name << ": " << example << ": " << decoded.error();
    }
  };
  check("punches", 1, [](const std::string& text) {
    const auto batch = decodePunchBatch(text, "plant-7");
    if (batch &&
        (batch->punches.size() != 1 || batch->events.size() != 1 || !batch->rejected.empty())) {
      return Result<PunchBatch>(
          makeError(ErrorCode::InvalidInput, "the punch and the event were not both taken"));
    }
    return batch;
  });
  check("acks", 1, [](const std::string& text) { return decodeAck(text); });
  check("status", 1, [](const std::string& text) { return decodeAgentStatus(text); });
  check("devices/<serial>/status", 2,
        [](const std::string& text) { return decodeDeviceStatus(text); });
  check("commands", 1, [](const std::string& text) { return decodeCommand(text); });
  check("command-results", 2, [](const std::string& text) { return decodeCommandResult(text); });
}

TEST(ContractDoc, CommandTableListsExactlyTheContractsTypes) {
  const auto parts = sections(readDoc());
  const std::string& section = parts.at("commands");
  const std::regex row(R"(\n\| `([a-z_]+)` \|)");
  std::vector<std::string> documented;
  for (auto it = std::sregex_iterator(section.begin(), section.end(), row);
       it != std::sregex_iterator(); ++it) {
    documented.push_back((*it)[1]);
  }
  std::vector<std::string> contract;
  for (const auto type : commandTypes()) {
    contract.emplace_back(commandTypeName(type));
  }
  EXPECT_EQ(documented, contract);
}

}  // namespace
}  // namespace punchlink::contract
