#include "api/commands_handler.hpp"

#include "devices/reconciliation.hpp"

#include <punchlink/common/time_zone.hpp>
#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/command.hpp>
#include <punchlink/contract/device_status.hpp>

#include <algorithm>
#include <array>
#include <set>

namespace punchlink::relay::api {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

using contract::CommandType;

std::string secondsText(UtcMillis time) {
  return formatRfc3339(std::chrono::floor<std::chrono::seconds>(time));
}

// The commands a device takes over POST /v1/devices/{serial}/commands; users are written
// through /v1/users.
constexpr std::array<CommandType, 6> kDeviceCommands = {
    CommandType::Unlock,   CommandType::Restart, CommandType::SetTime,
    CommandType::SyncTime, CommandType::ReadLog, CommandType::ClearAttendance};

std::string deviceCommandList() {
  std::string names;
  for (const CommandType type : kDeviceCommands) {
    names += (names.empty() ? "" : ", ") + std::string(contract::commandTypeName(type));
  }
  return names;
}

// Each type's parameters; anything else in the body is a mistake worth a 400 (a typo in
// "confirm" must not be taken for no).
std::set<std::string> allowedFields(CommandType type) {
  switch (type) {
    case CommandType::Unlock:
      return {"type", "seconds"};
    case CommandType::SetTime:
      return {"type", "time"};
    case CommandType::SyncTime:
      return {"type", "policy", "threshold_s"};
    case CommandType::ReadLog:
      return {"type", "start_date", "end_date"};
    case CommandType::ClearAttendance:
      return {"type", "confirm"};
    default:
      return {"type"};
  }
}

// "YYYY-MM-DD" as a local midnight, or nullopt.
std::optional<LocalSeconds> localDate(const json& value) {
  if (!value.is_string() || value.get_ref<const std::string&>().size() != 10) {
    return std::nullopt;
  }
  auto parsed = parseLocalTime(value.get<std::string>() + " 00:00:00");
  if (!parsed) {
    return std::nullopt;
  }
  return *parsed;
}

// The device's zone as its agent reports it; UTC when it has not said (a ZK terminal's zone
// is the agent's config, always reported; a push terminal's too).
TimeZone zoneOf(const Device& device) {
  if (const auto status = contract::decodeDeviceStatus(device.status_json);
      status && !status->time_zone.empty()) {
    if (auto zone = TimeZone::find(status->time_zone)) {
      return *zone;
    }
  }
  return TimeZone::find("UTC").value();
}

// Fills `command` from the body, or returns the 400.
std::optional<ApiResponse> readParams(const json& body,
                                      const Device& device,
                                      contract::Command& command) {
  for (const auto& [key, value] : body.items()) {
    if (allowedFields(command.type).count(key) == 0) {
      return invalidField(
          key, "is not a parameter of " + std::string(contract::commandTypeName(command.type)));
    }
  }
  switch (command.type) {
    case CommandType::Unlock:
      if (body.contains("seconds")) {
        const json& seconds = body["seconds"];
        if (!seconds.is_number_integer() ||
            seconds.get<std::int64_t>() < contract::kMinUnlockSeconds ||
            seconds.get<std::int64_t>() > contract::kMaxUnlockSeconds) {
          return invalidField("seconds", "expected whole seconds from " +
                                             std::to_string(contract::kMinUnlockSeconds) + " to " +
                                             std::to_string(contract::kMaxUnlockSeconds));
        }
        command.unlock_for = std::chrono::seconds{seconds.get<std::int64_t>()};
      }
      break;
    case CommandType::SetTime:
      if (body.contains("time") && !body["time"].is_null()) {
        const auto time = body["time"].is_string()
                              ? parseRfc3339(body["time"].get<std::string>())
                              : Result<UtcMillis>(makeError(ErrorCode::InvalidInput, ""));
        // Terminals keep years 2000-2099 (ZK time encoding, reference §4).
        if (!time ||
            formatRfc3339(std::chrono::floor<std::chrono::seconds>(*time)) <
                "2000-01-01T00:00:00Z" ||
            formatRfc3339(std::chrono::floor<std::chrono::seconds>(*time)) >=
                "2100-01-01T00:00:00Z") {
          return invalidField("time",
                              "expected an RFC 3339 time from 2000 to 2099 "
                              "(2026-03-27T08:30:00Z); leave it out for now");
        }
        command.time = std::chrono::floor<std::chrono::seconds>(*time);
      }
      break;
    case CommandType::SyncTime: {
      const auto policy = body.contains("policy") && body["policy"].is_string()
                              ? contract::clockPolicyNamed(body["policy"].get<std::string>())
                              : std::nullopt;
      if (!policy) {
        return invalidField("policy", "expected off, alert or auto");
      }
      command.clock_policy = *policy;
      if (body.contains("threshold_s")) {
        const json& threshold = body["threshold_s"];
        if (!threshold.is_number_integer() ||
            threshold.get<std::int64_t>() < contract::kMinClockThresholdSeconds ||
            threshold.get<std::int64_t>() > contract::kMaxClockThresholdSeconds) {
          return invalidField("threshold_s", "expected whole seconds from 1 to 86400");
        }
        command.clock_threshold = std::chrono::seconds{threshold.get<std::int64_t>()};
      }
      break;
    }
    case CommandType::ReadLog: {
      // Plain values rather than optionals: GCC's -O2 flow analysis (release build) warned that
      // a checked optional "may be used uninitialized".
      LocalSeconds start{};
      if (const auto day = localDate(body.value("start_date", json()))) {
        start = *day;
      } else {
        return invalidField("start_date", "expected a date (2026-03-27) in the terminal's zone");
      }
      const auto last_day = localDate(body.value("end_date", json()));
      if (!last_day || *last_day < start) {
        return invalidField("end_date",
                            "expected a date (2026-03-27) in the terminal's zone, not before "
                            "start_date");
      }
      const LocalSeconds end = *last_day;
      if (end - start > std::chrono::days{366}) {
        return invalidField("end_date", "expected at most 366 days after start_date");
      }
      const TimeZone zone = zoneOf(device);
      command.from = zone.toUtc(start);
      command.to = zone.toUtc(end + std::chrono::days{1}) - std::chrono::seconds{1};
      break;
    }
    case CommandType::ClearAttendance:
      if (!body.contains("confirm") || body["confirm"] != true) {
        return invalidField("confirm",
                            "must be true: clearing deletes every record on the terminal");
      }
      break;
    default:
      break;
  }
  return std::nullopt;
}

// Keyset cursor over (created_at to the millisecond, as stored, and id), newest first.
std::string commandCursor(const CommandRecord& command) {
  return encodeTextCursor(formatRfc3339Millis(command.created_at) + "|" + command.id);
}

}  // namespace

ordered_json commandJson(const CommandRecord& command) {
  ordered_json out = {{"id", command.id},
                      {"device_id", command.device_serial},
                      {"type", command.type},
                      {"status", command.state}};
  if (!command.user_id.empty()) {
    out["user_id"] = command.user_id;
  }
  if (!command.error.empty()) {
    out["error"] = command.error;
  }
  if (!command.result.empty()) {
    out["result"] = ordered_json::parse(command.result, nullptr, false);
  }
  out["created_at"] = secondsText(command.created_at);
  out["updated_at"] = secondsText(command.updated_at);
  return out;
}

std::variant<Device, ApiResponse> reachableDevice(DeviceRegistry& devices,
                                                  const std::string& tenant_id,
                                                  const std::string& serial) {
  auto device = devices.findDevice(tenant_id, serial);
  if (!device) {
    return errorResponse(device.error());
  }
  if (!device->has_value()) {
    return errorResponse(404, "not_found", "no device " + serial);
  }
  if ((*device)->site_id.empty()) {
    return errorResponse(
        409, "conflict",
        "device " + serial + " has not been seen by an agent yet, so no site can reach it");
  }
  return **device;
}

ApiResponse getCommand(CommandsApi& api, ApiRequest& request) {
  auto command = api.commands.findCommand(request.tenant_id, request.params["id"]);
  if (!command) {
    return errorResponse(command.error());
  }
  if (!command->has_value()) {
    return errorResponse(404, "not_found", "no command " + request.params["id"]);
  }
  ApiResponse response;
  response.body = commandJson(**command);
  return response;
}

ApiResponse createDeviceCommand(CommandsApi& api, ApiRequest& request) {
  auto parsed = jsonObjectBody(request);
  if (auto* error = std::get_if<ApiResponse>(&parsed)) {
    return *error;
  }
  const json& body = std::get<json>(parsed);
  const auto type = body.contains("type") && body["type"].is_string()
                        ? contract::commandTypeNamed(body["type"].get<std::string>())
                        : std::nullopt;
  if (!type ||
      std::find(kDeviceCommands.begin(), kDeviceCommands.end(), *type) == kDeviceCommands.end()) {
    return invalidField(
        "type", "expected one of " + deviceCommandList() + " (users are written with /v1/users)");
  }
  auto found = reachableDevice(api.devices, request.tenant_id, request.params["serial"]);
  if (auto* error = std::get_if<ApiResponse>(&found)) {
    return *error;
  }
  const Device& device = std::get<Device>(found);
  contract::Command command;
  command.type = *type;
  if (auto error = readParams(body, device, command)) {
    return *error;
  }
  if (command.type == CommandType::ClearAttendance) {
    // The terminal's copy of a punch is the last one the relay does not have: gone for good.
    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(api.clock.now());
    const auto status = contract::decodeDeviceStatus(device.status_json);
    // A ZK terminal's count only compares with the relay's over the span the agent read; an
    // agent that does not report it would have a terminal cleared before look complete.
    if (status && status->protocol != "push" && status->logs && status->log_checked_at.empty()) {
      return errorResponse(409, "records_missing",
                           "clear_attendance refused: the site's agent does not report when it "
                           "read the terminal's log, so the relay cannot tell whether it holds "
                           "every record; upgrade punchlink-agent at the site and try again");
    }
    auto reconciliation = devices::parseReconciliation(device.reconciliation);
    if (reconciliation) {
      // Punches may have arrived since the terminal's count was compared: count again.
      auto fresh = status ? devices::reconcile(api.punches, request.tenant_id, *status, now)
                          : Result<std::optional<devices::Reconciliation>>(
                                std::optional<devices::Reconciliation>{});
      if (!fresh) {
        return errorResponse(fresh.error());
      }
      if (*fresh) {
        (*fresh)->checked_at = reconciliation->checked_at;
        reconciliation = *fresh;
      }
    }
    if (auto refusal = devices::clearRefusal(reconciliation, now, api.clear_check_max_age)) {
      return errorResponse(409, "records_missing", "clear_attendance refused: " + *refusal);
    }
  }
  auto issued = api.issuer.issue(device, std::move(command));
  if (!issued) {
    return errorResponse(issued.error());
  }
  ApiResponse response;
  response.status = 202;
  response.body = commandJson(*issued);
  return response;
}

ApiResponse listDeviceCommands(CommandsApi& api, ApiRequest& request) {
  const auto limit = pageLimit(request);
  if (const auto* error = std::get_if<ApiResponse>(&limit)) {
    return *error;
  }
  const std::string& serial = request.params["serial"];
  auto device = api.devices.findDevice(request.tenant_id, serial);
  if (!device) {
    return errorResponse(device.error());
  }
  if (!device->has_value()) {
    return errorResponse(404, "not_found", "no device " + serial);
  }
  std::optional<CommandPosition> before;
  if (auto cursor = queryParam(request, "cursor")) {
    const auto text = decodeTextCursor(*cursor);
    const auto bar = text ? text->find('|') : std::string::npos;
    const auto created = bar == std::string::npos
                             ? Result<UtcMillis>(makeError(ErrorCode::InvalidInput, ""))
                             : parseRfc3339(text->substr(0, bar));
    if (!created) {
      return invalidField("cursor", "expected a next_cursor value from an earlier page");
    }
    before = CommandPosition{*created, text->substr(bar + 1)};
  }
  const std::size_t page = std::get<std::size_t>(limit);
  auto rows = api.commands.deviceCommands(request.tenant_id, serial, before, page + 1);
  if (!rows) {
    return errorResponse(rows.error());
  }
  return pageResponse(std::move(*rows), page, commandJson, commandCursor);
}

}  // namespace punchlink::relay::api
