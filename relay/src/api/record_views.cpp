#include "api/record_views.hpp"

#include <punchlink/common/utc_time.hpp>

namespace punchlink::relay::api {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

}  // namespace

ordered_json punchJson(const StoredPunch& row) {
  // The columns, then what only the details hold (contract::encodePunchDetails). Older rows'
  // details are the whole punch, which reads the same.
  json details = json::parse(row.details, nullptr, false);
  if (!details.is_object()) {
    details = json::object();
  }
  ordered_json item = ordered_json::object();
  item["event_id"] = row.event_id;
  item["user_id"] = row.user_id;
  item["punch_type"] =
      row.punch_type.empty() ? ordered_json(nullptr) : ordered_json(row.punch_type);
  item["method"] = row.method.empty() ? "Other" : row.method;
  item["timestamp"] = row.timestamp;
  item["device_id"] = row.device_serial;
  // The details are the relay's own JSON, but a row edited by hand must not make every page that
  // holds it fail: values of another type read as absent.
  const auto integer = [&](const char* key) {
    return details.contains(key) && details[key].is_number_integer()
               ? details[key].get<std::int64_t>()
               : std::int64_t{0};
  };
  const bool text_time = details.contains("local_time") && details["local_time"].is_string();
  item["local_time"] = !row.local_time.empty() ? row.local_time
                       : text_time             ? details["local_time"].get<std::string>()
                                               : std::string();
  item["state"] = integer("state");
  item["verify"] = integer("verify");
  for (const char* key : {"temperature", "mask_detected", "flags"}) {
    if (details.contains(key)) {
      item[key] = details[key];
    }
  }
  item["received_at"] = formatRfc3339Seconds(row.received_at);
  return item;
}

ordered_json deviceEventJson(const StoredDeviceEvent& row) {
  const json stored = json::parse(row.payload, nullptr, false);
  ordered_json item = ordered_json::object();
  if (!stored.is_object()) {
    return item;
  }
  item["event_id"] = stored.value("event_id", "");
  item["type"] = stored.value("type", "");
  item["device_id"] = stored.value("device_serial", "");
  for (const char* key :
       {"user_id", "timestamp", "local_time", "code", "door", "source", "drift_s", "device_time",
        "corrected", "terminal_records", "relay_records", "missing"}) {
    if (stored.contains(key)) {
      item[key] = stored[key];
    }
  }
  item["received_at"] = formatRfc3339Seconds(row.received_at);
  return item;
}

}  // namespace punchlink::relay::api
