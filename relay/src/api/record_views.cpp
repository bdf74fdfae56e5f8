#include "api/record_views.hpp"

#include <punchlink/common/utc_time.hpp>

namespace punchlink::relay::api {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

}  // namespace

ordered_json punchJson(const StoredPunch& row) {
  // The columns, then what only the details hold (store/punch_details.hpp). Older rows' details
  // are the whole punch, which reads the same.
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
  item["local_time"] =
      row.local_time.empty() ? details.value("local_time", std::string()) : row.local_time;
  item["state"] = details.value("state", 0);
  item["verify"] = details.value("verify", 0);
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
