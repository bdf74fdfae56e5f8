#include "api/record_views.hpp"

#include <punchlink/common/utc_time.hpp>

namespace punchlink::relay::api {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

}  // namespace

ordered_json punchJson(const StoredPunch& row) {
  const json punch = json::parse(row.payload, nullptr, false);
  ordered_json item = ordered_json::object();
  if (!punch.is_object()) {
    return item;
  }
  item["event_id"] = punch.value("event_id", "");
  item["user_id"] = punch.value("user_id", "");
  item["punch_type"] =
      punch.contains("punch_type") ? ordered_json(punch["punch_type"]) : ordered_json(nullptr);
  // Stored punches carry "method" even when the agent sent none (it is then empty).
  const std::string method = punch.value("method", "");
  item["method"] = method.empty() ? "Other" : method;
  item["timestamp"] = punch.value("timestamp", "");
  item["device_id"] = punch.value("device_serial", "");
  item["local_time"] = punch.value("local_time", "");
  item["state"] = punch.value("state", 0);
  item["verify"] = punch.value("verify", 0);
  for (const char* key : {"temperature", "mask_detected", "flags"}) {
    if (punch.contains(key)) {
      item[key] = punch[key];
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
