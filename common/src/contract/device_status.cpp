#include "json_fields.hpp"

#include <punchlink/contract/device_status.hpp>

#include <limits>

namespace punchlink::contract {

namespace {

using detail::FieldReader;
using nlohmann::ordered_json;

using detail::kMaxCount;
constexpr std::int64_t kMaxDrift = std::int64_t{100} * 365 * 24 * 3600;
constexpr std::size_t kMaxText = 200;

// Each field once, in the documented order, with how it is read and written.
// Status is DeviceStatus for reading and const DeviceStatus for writing.
template <typename Status, typename Visitor>
void eachField(Status& status, Visitor& visit) {
  visit.text("name", status.name);
  visit.text("serial", status.serial);
  visit.boolean("online", status.online);
  visit.text("reason", status.reason, 500);
  visit.text("protocol", status.protocol);
  visit.text("host", status.host);
  visit.number("port", status.port, 0, 65535);
  visit.text("transport", status.transport);
  visit.text("time_zone", status.time_zone);
  visit.text("device_type", status.device_type);
  visit.text("push_version", status.push_version);
  visit.text("firmware", status.firmware);
  visit.text("platform", status.platform);
  visit.text("device_name", status.device_name);
  visit.number("users", status.users, 0, kMaxCount);
  visit.number("fingers", status.fingers, 0, kMaxCount);
  visit.number("logs", status.logs, 0, kMaxCount);
  visit.number("faces", status.faces, 0, kMaxCount);
  visit.number("log_capacity", status.log_capacity, 0, kMaxCount);
  visit.number("storage_percent", status.storage_percent, 0, 100);
  visit.number("clock_drift_s", status.clock_drift_s, -kMaxDrift, kMaxDrift);
  visit.text("device_time", status.device_time);
  visit.text("clock_checked_at", status.clock_checked_at);
  visit.text("clock_policy", status.clock_policy);
  visit.number("clock_threshold_s", status.clock_threshold_s, 0, kMaxDrift);
  visit.text("log_oldest", status.log_oldest);
  visit.text("log_newest", status.log_newest);
  visit.text("log_checked_at", status.log_checked_at);
  visit.text("last_seen", status.last_seen);
  visit.text("last_error", status.last_error, 500);
  visit.text("last_error_at", status.last_error_at);
  visit.number("pending_commands", status.pending_commands, 0, kMaxCount);
}

struct Writer {
  ordered_json out = ordered_json::object();

  void text(const char* key, const std::string& value, std::size_t = kMaxText) {
    if (!value.empty()) {
      out[key] = value;
    }
  }

  void boolean(const char* key, bool value) { out[key] = value; }

  void number(const char* key,
              const std::optional<std::int64_t>& value,
              std::int64_t,
              std::int64_t) {
    if (value) {
      out[key] = *value;
    }
  }
};

struct Reader {
  FieldReader& fields;

  void text(const char* key, std::string& value, std::size_t max = kMaxText) {
    value = fields.text(key, max);
  }

  void boolean(const char* key, bool& value) { value = fields.boolean(key, false); }

  void number(const char* key,
              std::optional<std::int64_t>& value,
              std::int64_t min,
              std::int64_t max) {
    value = fields.optionalInteger(key, min, max);
  }
};

}  // namespace

std::string encodeDeviceStatus(const DeviceStatus& status) {
  Writer writer;
  eachField(status, writer);
  return detail::dumpCompact(writer.out);
}

Result<DeviceStatus> decodeDeviceStatus(std::string_view payload) {
  auto doc = detail::parseObject(payload, "device status");
  if (!doc) {
    return doc.error();
  }
  FieldReader fields(*doc);
  DeviceStatus status;
  Reader reader{fields};
  eachField(status, reader);
  if (!fields.ok()) {
    return makeError(ErrorCode::InvalidInput, "device status: " + fields.problem());
  }
  return status;
}

}  // namespace punchlink::contract
