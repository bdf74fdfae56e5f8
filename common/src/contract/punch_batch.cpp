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

Result<ReceivedPunch> decodePunch(const json& item) {
  FieldReader fields(item);
  ReceivedPunch received;
  Punch& punch = received.punch;
  punch.device_serial = fields.text("device_serial", 64, true);
  punch.device_name = fields.text("device_name", 100);
  punch.user_id = fields.text("user_id", 64, true);
  const std::string timestamp = fields.text("timestamp", 40, true);
  punch.local_time = fields.text("local_time", 40, true);
  punch.time_zone = fields.text("time_zone", 64);
  punch.punch_type = fields.text("punch_type", 20);
  punch.method = fields.text("method", 20);
  punch.source = fields.text("source", 20);
  punch.state = static_cast<int>(fields.integer("state", 0, kMaxCode, 0));
  punch.verify = static_cast<int>(fields.integer("verify", 0, kMaxCode, 0));
  punch.workcode = static_cast<std::uint32_t>(fields.integer("workcode", 0, 0xFFFFFFFF, 0));
  if (fields.ok()) {
    auto parsed = parseRfc3339(timestamp);
    if (!parsed) {
      fields.fail("timestamp: " + parsed.error().message);
    } else {
      punch.timestamp = formatRfc3339(std::chrono::floor<std::chrono::seconds>(*parsed));
    }
  }
  if (!fields.ok()) {
    return makeError(ErrorCode::InvalidInput, fields.problem());
  }
  received.payload = detail::dumpCompact(item);
  return received;
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
  return detail::dumpCompact(out);
}

std::string encodePunchBatch(const PunchBatchHeader& header,
                             std::span<const std::string> encoded_punches) {
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
  body += "]}";
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
    batch.punches.push_back(std::move(*punch));
  }
  return batch;
}

}  // namespace punchlink::contract
