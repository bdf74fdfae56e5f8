#include "json_fields.hpp"

#include <punchlink/common/event_id.hpp>
#include <punchlink/common/time_zone.hpp>
#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/punch_batch.hpp>

#include <algorithm>

namespace punchlink::contract {

namespace {

using detail::FieldReader;
using detail::json;
using nlohmann::ordered_json;

// Raw state and verify codes are small; anything else is not a terminal's.
constexpr std::int64_t kMaxCode = 100'000;

// A measurement no body has (a sensor fault, a unit mix-up) is left out, never the punch: the
// punch is the record that matters, the measurement rides along.
std::optional<double> readTemperature(const json& item) {
  const auto found = item.find("temperature");
  if (found == item.end() || !found->is_number()) {
    return std::nullopt;
  }
  const double celsius = found->get<double>();
  if (!(celsius >= kMinTemperature && celsius <= kMaxTemperature)) {
    return std::nullopt;
  }
  return celsius;
}

// Known flags only, each once: a receiver acts on them. Others (from a newer agent) are left
// out rather than refusing the punch.
std::vector<std::string> readFlags(const json& item) {
  const json* list = detail::listMember(item, "flags");
  std::vector<std::string> flags;
  if (list == nullptr) {
    return flags;
  }
  for (const json& flag : *list) {
    if (flag.is_string() && flag.get<std::string>() == kClockSuspect &&
        std::find(flags.begin(), flags.end(), kClockSuspect) == flags.end()) {
      flags.emplace_back(kClockSuspect);
    }
  }
  return flags;
}

// An RFC 3339 timestamp field normalised to the second, or a problem recorded.
std::string readTimestamp(FieldReader& fields) {
  const std::string timestamp = fields.text("timestamp", 40, true);
  if (!fields.ok()) {
    return {};
  }
  auto parsed = parseRfc3339(timestamp);
  if (!parsed) {
    fields.fail("timestamp: " + parsed.error().message);
    return {};
  }
  return formatRfc3339(std::chrono::floor<std::chrono::seconds>(*parsed));
}

// Ten years either way: a terminal's clock can be badly off, not more.
constexpr std::int64_t kMaxDriftSeconds = 10LL * 366 * 86'400;

Result<ReceivedDeviceEvent> decodeEvent(const json& item) {
  FieldReader fields(item);
  ReceivedDeviceEvent received;
  DeviceEvent& event = received.event;
  const std::string type = fields.text("type", 40, true);
  if (const auto named = deviceEventTypeNamed(type)) {
    event.type = *named;
  } else if (fields.ok()) {
    fields.fail("type \"" + type + "\" is not a device event type");
  }
  event.device_serial = fields.text("device_serial", 64, true);
  event.device_name = fields.text("device_name", 100);
  event.timestamp = readTimestamp(fields);
  event.local_time = fields.text("local_time", 40, true);
  event.time_zone = fields.text("time_zone", 64);
  event.user_id = fields.text("user_id", 64);
  event.code = fields.integer("code", 0, kMaxCode, 0);
  event.door = fields.optionalInteger("door", 0, 255);
  event.source = fields.text("source", 20);
  event.drift_s = fields.optionalInteger("drift_s", -kMaxDriftSeconds, kMaxDriftSeconds);
  event.device_time = fields.text("device_time", 40);
  event.corrected = fields.boolean("corrected", false);
  if (fields.ok() && event.type == DeviceEventType::ClockDrift && !event.drift_s) {
    fields.fail("device.clock_drift needs drift_s");
  }
  if (!fields.ok()) {
    return makeError(ErrorCode::InvalidInput, fields.problem());
  }
  return received;
}

Result<ReceivedPunch> decodePunch(const json& item) {
  FieldReader fields(item);
  ReceivedPunch received;
  Punch& punch = received.punch;
  punch.device_serial = fields.text("device_serial", 64, true);
  punch.device_name = fields.text("device_name", 100);
  punch.user_id = fields.text("user_id", 64, true);
  punch.timestamp = readTimestamp(fields);
  punch.local_time = fields.text("local_time", 40, true);
  punch.time_zone = fields.text("time_zone", 64);
  punch.punch_type = fields.text("punch_type", 20);
  punch.method = fields.text("method", 20);
  punch.source = fields.text("source", 20);
  punch.state = static_cast<int>(fields.integer("state", 0, kMaxCode, 0));
  punch.verify = static_cast<int>(fields.integer("verify", 0, kMaxCode, 0));
  punch.workcode = static_cast<std::uint32_t>(fields.integer("workcode", 0, 0xFFFFFFFF, 0));
  punch.temperature = readTemperature(item);
  if (const auto mask = item.find("mask_detected"); mask != item.end() && mask->is_boolean()) {
    punch.mask_detected = mask->get<bool>();
  }
  punch.flags = readFlags(item);
  if (!fields.ok()) {
    return makeError(ErrorCode::InvalidInput, fields.problem());
  }
  return received;
}

}  // namespace

namespace {

// What only some terminals measure, and doubts about the punch: present only when known.
void addOptionalFields(ordered_json& out, const Punch& punch) {
  if (punch.temperature) {
    out["temperature"] = *punch.temperature;
  }
  if (punch.mask_detected) {
    out["mask_detected"] = *punch.mask_detected;
  }
  if (!punch.flags.empty()) {
    out["flags"] = punch.flags;
  }
}

}  // namespace

std::string encodePunch(const Punch& punch) {
  ordered_json out = {{"event_id", punch.event_id},       {"device_serial", punch.device_serial},
                      {"device_name", punch.device_name}, {"user_id", punch.user_id},
                      {"timestamp", punch.timestamp},     {"local_time", punch.local_time},
                      {"time_zone", punch.time_zone},     {"state", punch.state},
                      {"verify", punch.verify},           {"method", punch.method},
                      {"workcode", punch.workcode},       {"source", punch.source}};
  if (!punch.punch_type.empty()) {
    out["punch_type"] = punch.punch_type;
  }
  addOptionalFields(out, punch);
  return detail::dumpCompact(out);
}

std::string encodePunchDetails(const Punch& punch) {
  ordered_json out = {
      {"device_name", punch.device_name}, {"time_zone", punch.time_zone}, {"state", punch.state},
      {"verify", punch.verify},           {"workcode", punch.workcode},   {"source", punch.source}};
  addOptionalFields(out, punch);
  return detail::dumpCompact(out);
}

std::string encodePunchBatch(const PunchBatchHeader& header,
                             std::span<const std::string> encoded_punches,
                             std::span<const std::string> encoded_events) {
  // The punches are spliced in as they are: re-parsing a whole batch to write it again would
  // cost more than the rest of publishing it.
  std::string body = R"({"site_id":)" + detail::dumpCompact(header.site_id) + R"(,"batch_id":)" +
                     detail::dumpCompact(header.batch_id) + R"(,"sent_at":)" +
                     detail::dumpCompact(header.sent_at) + R"(,"punches":[)";
  for (std::size_t i = 0; i < encoded_punches.size(); ++i) {
    if (i > 0) {
      body += ',';
    }
    body += encoded_punches[i];
  }
  body += ']';
  if (!encoded_events.empty()) {
    body += R"(,"events":[)";
    for (std::size_t i = 0; i < encoded_events.size(); ++i) {
      if (i > 0) {
        body += ',';
      }
      body += encoded_events[i];
    }
    body += ']';
  }
  body += '}';
  return body;
}

bool isValidEventId(std::string_view id) noexcept {
  return id.size() == 28 && id.substr(0, 4) == "evt_" &&
         std::all_of(id.begin() + 4, id.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<PunchBatch> decodePunchBatch(std::string_view payload, std::string_view topic_site) {
  auto doc = detail::parseObject(payload, "punch batch");
  if (!doc) {
    return doc.error();
  }
  FieldReader fields(*doc);
  PunchBatch batch;
  batch.site_id = fields.text("site_id", 64, true);
  batch.batch_id = fields.text("batch_id", 200, true);
  if (!fields.ok()) {
    return makeError(ErrorCode::InvalidInput, "punch batch: " + fields.problem());
  }
  if (batch.site_id != topic_site) {
    return makeError(ErrorCode::PermissionDenied, "punch batch names site \"" + batch.site_id +
                                                      "\" but came on the topic of \"" +
                                                      std::string(topic_site) + "\"");
  }
  const json* punches = detail::listMember(*doc, "punches");
  if (punches == nullptr) {
    return makeError(ErrorCode::InvalidInput, "punch batch: punches must be a list");
  }
  if (punches->size() > kMaxBatchPunches) {
    return makeError(ErrorCode::InvalidInput, "punch batch of " + std::to_string(punches->size()) +
                                                  " punches exceeds " +
                                                  std::to_string(kMaxBatchPunches));
  }
  for (const json& item : *punches) {
    if (!item.is_object()) {
      continue;  // nothing to name it by
    }
    FieldReader id_field(item);
    const std::string event_id = id_field.text("event_id", 64, true);
    if (!id_field.ok() || !isValidEventId(event_id)) {
      if (!event_id.empty()) {
        batch.rejected.push_back({event_id, "event_id must be evt_ and 24 hex digits"});
      }
      continue;
    }
    auto punch = decodePunch(item);
    if (!punch) {
      batch.rejected.push_back({event_id, punch.error().message});
      continue;
    }
    // The id is derived from serial, user and local time (DESIGN.md "Identity of a punch"):
    // one that is not cannot be a terminal's punch, only an attempt to shadow another.
    const auto local = parseLocalTime(punch->punch.local_time);
    if (!local ||
        makeEventId(punch->punch.device_serial, punch->punch.user_id, *local) != event_id) {
      batch.rejected.push_back(
          {event_id, "event_id does not match device_serial, user_id and local_time"});
      continue;
    }
    punch->punch.event_id = event_id;
    // Stored and served as validated, never as sent: keys the contract does not know stay out.
    punch->payload = encodePunch(punch->punch);
    batch.punches.push_back(std::move(*punch));
  }
  const json* events = detail::listMember(*doc, "events");
  if (events == nullptr && doc->contains("events")) {
    return makeError(ErrorCode::InvalidInput, "punch batch: events must be a list");
  }
  if (events != nullptr && events->size() + punches->size() > kMaxBatchPunches) {
    return makeError(ErrorCode::InvalidInput,
                     "punch batch of " + std::to_string(events->size() + punches->size()) +
                         " punches and events exceeds " + std::to_string(kMaxBatchPunches));
  }
  static const json kNoEvents = json::array();
  for (const json& item : events != nullptr ? *events : kNoEvents) {
    if (!item.is_object()) {
      continue;
    }
    FieldReader id_field(item);
    const std::string event_id = id_field.text("event_id", 64, true);
    if (!id_field.ok() || !isValidEventId(event_id)) {
      if (!event_id.empty()) {
        batch.rejected.push_back({event_id, "event_id must be evt_ and 24 hex digits"});
      }
      continue;
    }
    auto event = decodeEvent(item);
    if (!event) {
      batch.rejected.push_back({event_id, event.error().message});
      continue;
    }
    if (deviceEventIdOf(event->event) != event_id) {
      batch.rejected.push_back({event_id,
                                "event_id does not match type, device_serial, local_time, code, "
                                "door and user_id"});
      continue;
    }
    event->event.event_id = event_id;
    event->payload = encodeDeviceEvent(event->event);
    batch.events.push_back(std::move(*event));
  }
  return batch;
}

}  // namespace punchlink::contract
