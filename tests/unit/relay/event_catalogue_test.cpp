// The event catalogue and its body builders: golden bodies byte for byte, subscriptions, and the
// docs table and OpenAPI enum checked against the catalogue.
#include "events/event_catalogue.hpp"

#include "api/openapi_document.hpp"
#include "events/subscription.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace punchlink::relay::events {
namespace {

using nlohmann::json;

UtcSeconds at(std::string_view text) {
  return std::chrono::floor<std::chrono::seconds>(parseRfc3339(text).value());
}

// What a receiver's JSON.stringify(JSON.parse(body)) gives back.
void expectCanonical(const std::string& body) {
  EXPECT_EQ(nlohmann::ordered_json::parse(body).dump(), body);
}

TEST(EventCatalogue, NamesAreUniqueAndRoundTrip) {
  std::set<std::string_view> names;
  for (const auto& info : eventCatalogue()) {
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_EQ(eventTypeName(info.type), info.name);
    EXPECT_EQ(eventTypeNamed(info.name), info.type);
    EXPECT_FALSE(info.when.empty()) << info.name;
  }
  EXPECT_FALSE(eventTypeNamed("*"));
  EXPECT_FALSE(eventTypeNamed("punch"));
  EXPECT_FALSE(eventTypeNamed(""));
}

TEST(EventBodies, AttendancePunchMatchesTheDesignLayout) {
  const Event event = attendancePunch({"evt_1a2b",
                                       "2026-03-27T08:30:12Z",
                                       {"DEVICE_12345", "Main Office Entrance", "Building A"},
                                       {"EMP_001", "John Doe"},
                                       "CheckIn",
                                       "Fingerprint"});
  EXPECT_EQ(event.type, EventType::AttendancePunch);
  EXPECT_EQ(event.id, "evt_1a2b");
  EXPECT_EQ(
      event.body,
      R"({"event":"attendance.punch","event_id":"evt_1a2b","timestamp":"2026-03-27T08:30:12Z",)"
      R"("device":{"id":"DEVICE_12345","name":"Main Office Entrance","location":"Building A"},)"
      R"("user":{"id":"EMP_001","name":"John Doe"},)"
      R"("punch":{"type":"CheckIn","method":"Fingerprint","timestamp":"2026-03-27T08:30:12Z"}})");
  expectCanonical(event.body);
}

TEST(EventBodies, MeasuredAndFlaggedPunchesCarryTheirExtras) {
  PunchFacts punch{"evt_1a2b", "2026-03-27T08:30:12Z", {"SN1", "", ""}, {"7", ""}, "CheckIn",
                   "Face"};
  punch.temperature = 36.6;
  punch.mask_detected = false;
  EXPECT_EQ(
      attendancePunch(punch).body,
      R"({"event":"attendance.punch","event_id":"evt_1a2b","timestamp":"2026-03-27T08:30:12Z",)"
      R"("device":{"id":"SN1"},"user":{"id":"7"},"punch":{"type":"CheckIn","method":"Face",)"
      R"("timestamp":"2026-03-27T08:30:12Z","temperature":36.6,"mask_detected":false}})");
  // A whole degree is written as JavaScript writes it (37, not 37.0), and readings are tenths.
  punch.temperature = 37.0;
  punch.mask_detected.reset();
  punch.flags = {"clock_suspect"};
  const Event whole = attendancePunch(punch);
  EXPECT_NE(whole.body.find(R"("temperature":37,"flags":["clock_suspect"]})"), std::string::npos)
      << whole.body;
  expectCanonical(whole.body);
  punch.temperature = 36.649999;
  EXPECT_NE(attendancePunch(punch).body.find(R"("temperature":36.6,)"), std::string::npos);
}

TEST(EventBodies, DeviceEventsMatchTheDocumentedLayout) {
  DeviceEventFacts tamper;
  tamper.type = EventType::AlarmTamper;
  tamper.event_id = "evt_697f";
  tamper.timestamp = "2026-03-27T07:31:02Z";
  tamper.device = {"CQZ7231560042", "door-1", ""};
  tamper.local_time = "2026-03-27 08:31:02";
  tamper.code = 55;
  tamper.source = "realtime";
  Event event = deviceEvent(tamper);
  EXPECT_EQ(event.type, EventType::AlarmTamper);
  EXPECT_EQ(event.id, "evt_697f");
  EXPECT_EQ(event.body,
            R"({"event":"alarm.tamper","event_id":"evt_697f","timestamp":"2026-03-27T07:31:02Z",)"
            R"("device":{"id":"CQZ7231560042","name":"door-1"},"alarm":{"local_time":)"
            R"("2026-03-27 08:31:02","code":55,"source":"realtime"}})");
  expectCanonical(event.body);

  DeviceEventFacts unlocked = tamper;
  unlocked.type = EventType::DoorUnlocked;
  unlocked.user = {"1003", "Jane Roe"};
  unlocked.door = 1;
  unlocked.code = 0;
  unlocked.source = "push";
  EXPECT_EQ(
      deviceEvent(unlocked).body,
      R"({"event":"door.unlocked","event_id":"evt_697f","timestamp":"2026-03-27T07:31:02Z",)"
      R"("device":{"id":"CQZ7231560042","name":"door-1"},"user":{"id":"1003","name":"Jane Roe"},)"
      R"("door":{"door":1,"local_time":"2026-03-27 08:31:02","code":0,"source":"push"}})");

  DeviceEventFacts denied = tamper;
  denied.type = EventType::AccessDenied;
  denied.code = 128;
  EXPECT_NE(deviceEvent(denied).body.find(R"("access":{"local_time")"), std::string::npos);

  DeviceEventFacts drift = tamper;
  drift.type = EventType::DeviceClockDrift;
  drift.drift_s = 300;
  drift.device_time = "2026-03-27 08:36:02";
  drift.corrected = true;
  drift.source = "clock";
  EXPECT_EQ(deviceEvent(drift).body,
            R"({"event":"device.clock_drift","event_id":"evt_697f","timestamp":)"
            R"("2026-03-27T07:31:02Z","device":{"id":"CQZ7231560042","name":"door-1"},)"
            R"("clock":{"device_time":"2026-03-27 08:36:02","drift_s":300,"corrected":true,)"
            R"("source":"clock"}})");

  const Event missing = recordsMissing(
      {"CQZ7231560042", "", ""}, {15850, 15847, 3, "2026-03-27T07:40:00Z", "2026-03-27T07:49:55Z"});
  EXPECT_EQ(missing.type, EventType::DeviceRecordsMissing);
  EXPECT_EQ(missing.body,
            R"({"event":"device.records_missing","event_id":")" + missing.id +
                R"(","timestamp":"2026-03-27T07:49:55Z","device":{"id":"CQZ7231560042"},)"
                R"("reconciliation":{"terminal_records":15850,"relay_records":15847,"missing":3,)"
                R"("since":"2026-03-27T07:40:00Z","checked_at":"2026-03-27T07:49:55Z"}})");
  // One event per gap: the same gap reported again has the same id.
  EXPECT_EQ(missing.id,
            recordsMissing({"CQZ7231560042", "", ""},
                           {15851, 15847, 4, "2026-03-27T07:40:00Z", "2026-03-27T07:55:00Z"})
                .id);
  // Every type a terminal reports has its catalogue entry.
  for (const auto type : contract::deviceEventTypes()) {
    EXPECT_TRUE(eventTypeOf(type).has_value()) << contract::deviceEventTypeName(type);
  }
}

TEST(EventBodies, UnknownOptionalFieldsAreOmittedNeverNull) {
  const Event event =
      attendancePunch({"evt_1a2b", "2026-03-27T08:30:12Z", {"SN1", "", ""}, {"7", ""}, "", ""});
  EXPECT_EQ(
      event.body,
      R"({"event":"attendance.punch","event_id":"evt_1a2b","timestamp":"2026-03-27T08:30:12Z",)"
      R"("device":{"id":"SN1"},"user":{"id":"7"},"punch":{"timestamp":"2026-03-27T08:30:12Z"}})");
}

TEST(EventBodies, NonAsciiIsUtf8AndBadBytesAreReplacedNotThrown) {
  const Event good = attendancePunch(
      {"evt_1", "2026-03-27T08:30:12Z", {"SN1", "Eingang Süd", ""}, {"7", "Zoë"}, "", ""});
  EXPECT_NE(good.body.find("Eingang Süd"), std::string::npos);
  expectCanonical(good.body);
  const Event bad = attendancePunch(
      {"evt_1", "2026-03-27T08:30:12Z", {"SN1", "door\xff\xfe", ""}, {"7", "\"q\"\n"}, "", ""});
  EXPECT_NE(bad.body.find("door\xEF\xBF\xBD"), std::string::npos);
  EXPECT_NE(bad.body.find(R"(\"q\"\n)"), std::string::npos);
  expectCanonical(bad.body);
}

TEST(EventBodies, DeviceStatusChanges) {
  const Event online =
      deviceStatusChanged(true, {"SN1", "door-1", "Hall"}, at("2026-03-27T08:30:12Z"));
  EXPECT_EQ(online.type, EventType::DeviceOnline);
  EXPECT_EQ(online.id, "evt_a9671166b7a19ea67802e633");
  EXPECT_EQ(online.body, R"({"event":"device.online","event_id":"evt_a9671166b7a19ea67802e633",)"
                         R"("timestamp":"2026-03-27T08:30:12Z",)"
                         R"("device":{"id":"SN1","name":"door-1","location":"Hall"}})");
  const Event offline = deviceStatusChanged(false, {"SN1", "", ""}, at("2026-03-27T08:30:12Z"));
  EXPECT_EQ(offline.type, EventType::DeviceOffline);
  EXPECT_EQ(offline.body, R"({"event":"device.offline","event_id":"evt_6369c3c732d3edd16b8dd6bb",)"
                          R"("timestamp":"2026-03-27T08:30:12Z","device":{"id":"SN1"}})");
}

TEST(EventBodies, CommandOutcomes) {
  CommandFacts command{"cmd_1",   "enroll_user", "SN1", true,
                       "EMP_001", "John Doe",    "",    "2026-03-27T08:30:12Z"};
  const Event succeeded = commandFinished(command);
  EXPECT_EQ(succeeded.type, EventType::CommandSucceeded);
  EXPECT_EQ(succeeded.body,
            R"({"event":"command.succeeded","event_id":"evt_35bbaba4711a31ea04507025",)"
            R"("timestamp":"2026-03-27T08:30:12Z","command":{"id":"cmd_1","type":"enroll_user",)"
            R"("device_id":"SN1","status":"succeeded","user_id":"EMP_001"}})");
  command.succeeded = false;
  command.user_id.clear();
  command.error = "terminal refused";
  const Event failed = commandFinished(command);
  EXPECT_EQ(failed.type, EventType::CommandFailed);
  EXPECT_EQ(failed.body,
            R"({"event":"command.failed","event_id":"evt_dfbb03a236ac85da498d98b7",)"
            R"("timestamp":"2026-03-27T08:30:12Z","command":{"id":"cmd_1","type":"enroll_user",)"
            R"("device_id":"SN1","status":"failed","error":"terminal refused"}})");
}

TEST(EventBodies, UserEnrolled) {
  const Event event = userEnrolled(
      {"cmd_1", "enroll_user", "SN1", true, "EMP_001", "John Doe", "", "2026-03-27T08:30:12Z"});
  EXPECT_EQ(event.type, EventType::UserEnrolled);
  EXPECT_EQ(event.body, R"({"event":"user.enrolled","event_id":"evt_29e556762f0a5cf4d4cf936c",)"
                        R"("timestamp":"2026-03-27T08:30:12Z","device":{"id":"SN1"},)"
                        R"("user":{"id":"EMP_001","name":"John Doe"},"command_id":"cmd_1"})");
}

TEST(EventBodies, EndpointDisabled) {
  const Event event = endpointDisabled("whk_1", "https://hr.example.com/hook", "410 Gone",
                                       parseRfc3339("2026-03-27T08:30:12.345Z").value());
  EXPECT_EQ(event.type, EventType::EndpointDisabled);
  EXPECT_EQ(event.body, R"({"event":"endpoint.disabled","event_id":"evt_d8d4b4b75ff46812ff940fc8",)"
                        R"("timestamp":"2026-03-27T08:30:12.345Z","endpoint":{"id":"whk_1",)"
                        R"("url":"https://hr.example.com/hook","reason":"410 Gone"}})");
}

TEST(Subscription, AcceptsCatalogueNamesOnly) {
  for (const auto& info : eventCatalogue()) {
    const std::string one = json::array({info.name}).dump();
    EXPECT_EQ(parseSubscription(one).value(), one);
    EXPECT_TRUE(subscribes(one, info.type));
  }
  EXPECT_EQ(parseSubscription("[]").value(), "[]");
  for (const char* bad :
       {R"(["*"])", R"(["punch"])", R"("attendance.punch")", R"([1])", "{}",
        R"(["attendance.punch",null])", "not json", R"(["device.online","device.online"])"}) {
    const auto parsed = parseSubscription(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::InvalidInput);
    EXPECT_NE(parsed.error().message.find("endpoint.disabled"), std::string::npos);
  }
}

// The admin CLI's --events and the REST body share one rule.
TEST(Subscription, NamesAreCheckedByOneRule) {
  EXPECT_TRUE(checkEventNames(std::vector<std::string>{"device.online", "attendance.punch"}).ok());
  const auto twice = checkEventNames(std::vector<std::string>{"device.online", "device.online"});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().message, "names device.online twice");
  const auto unknown = checkEventNames(std::vector<std::string>{"punch"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message, "\"punch\" is not an event type");
  EXPECT_NE(parseSubscription(R"(["device.online","device.online"])")
                .error()
                .message.find("names device.online twice"),
            std::string::npos);
}

TEST(Subscription, EmptyMeansEveryTypeAndOthersAreFiltered) {
  EXPECT_TRUE(subscribes("[]", EventType::EndpointDisabled));
  EXPECT_TRUE(subscribes(R"(["device.online"])", EventType::DeviceOnline));
  EXPECT_FALSE(subscribes(R"(["device.online"])", EventType::DeviceOffline));
  // A wildcard is not part of the catalogue, so it never matches (the API refuses it anyway).
  EXPECT_FALSE(subscribes(R"(["*"])", EventType::AttendancePunch));
}

std::vector<std::string> catalogueNames() {
  std::vector<std::string> names;
  for (const auto& info : eventCatalogue()) {
    names.emplace_back(info.name);
  }
  return names;
}

TEST(EventCatalogue, OpenApiEnumeratesExactlyTheCatalogue) {
  const json document = json::parse(api::openApiDocument());
  EXPECT_EQ(document["components"]["schemas"]["WebhookEventType"]["enum"], json(catalogueNames()));
}

TEST(EventCatalogue, DocsTableListsExactlyTheCatalogue) {
  std::ifstream file(std::string(PUNCHLINK_SOURCE_DIR) + "/docs/webhooks.md");
  ASSERT_TRUE(file) << "cannot read docs/webhooks.md";
  std::string line;
  while (std::getline(file, line) && line != "## Events") {
  }
  // The first table after the heading: | `type` | when | body |
  const std::regex row(R"(^\| `([a-z_.]+)` \| ([^|]+) \| .*\|$)");
  std::vector<std::string> names;
  bool in_table = false;
  while (std::getline(file, line)) {
    if (line.rfind('|', 0) != 0) {
      if (in_table) {
        break;
      }
      continue;
    }
    in_table = true;
    std::smatch match;
    if (!std::regex_match(line, match, row)) {
      continue;  // header and separator
    }
    names.push_back(match[1]);
    const auto type = eventTypeNamed(match[1].str());
    ASSERT_TRUE(type) << "docs/webhooks.md lists " << match[1] << ", which is not in the catalogue";
    std::string when = match[2];
    while (!when.empty() && when.back() == ' ') {
      when.pop_back();
    }
    for (const auto& info : eventCatalogue()) {
      if (info.type == *type) {
        EXPECT_EQ(when, info.when) << "docs/webhooks.md's 'when' of " << info.name;
      }
    }
  }
  EXPECT_EQ(names, catalogueNames());
}

}  // namespace
}  // namespace punchlink::relay::events
