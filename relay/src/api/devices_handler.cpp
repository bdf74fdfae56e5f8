#include "api/devices_handler.hpp"

#include "api/record_views.hpp"
#include "devices/reconciliation.hpp"
#include "events/event_catalogue.hpp"

#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/device_status.hpp>

#include <nlohmann/json.hpp>

namespace punchlink::relay::api {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

std::optional<ApiResponse> optionalString(const json& body,
                                          const char* field,
                                          std::size_t max,
                                          std::optional<std::string>& out) {
  if (!body.contains(field) || body[field].is_null()) {
    return std::nullopt;
  }
  if (!body[field].is_string() || body[field].get<std::string>().size() > max) {
    return invalidField(field,
                        "expected a string of at most " + std::to_string(max) + " characters");
  }
  out = body[field].get<std::string>();
  return std::nullopt;
}

ordered_json deviceJson(const Device& device) {
  ordered_json out = {{"serial_number", device.serial},
                      {"name", device.name},
                      {"location", device.location},
                      {"status", device.online ? "online" : "offline"},
                      {"registration", device.registration}};
  // Statuses are checked against the contract when they arrive; one stored before that, or
  // damaged since, only loses its details.
  if (const auto status = contract::decodeDeviceStatus(device.status_json); status) {
    if (status->users) {
      out["users"] = *status->users;
    }
    if (status->logs) {
      out["logs"] = *status->logs;
    }
    if (status->storage_percent) {
      out["storage"] = std::to_string(*status->storage_percent) + "%";
    }
    if (!status->firmware.empty()) {
      out["firmware"] = status->firmware;
    }
    if (!status->time_zone.empty()) {
      out["time_zone"] = status->time_zone;
    }
    if (status->clock_drift_s || !status->device_time.empty()) {
      ordered_json clock = ordered_json::object();
      clock["device_time"] = status->device_time;
      if (status->clock_drift_s) {
        clock["drift_s"] = *status->clock_drift_s;
      }
      clock["checked_at"] = status->clock_checked_at;
      if (!status->clock_policy.empty()) {
        clock["policy"] = status->clock_policy;
      }
      if (status->clock_threshold_s) {
        clock["threshold_s"] = *status->clock_threshold_s;
      }
      out["clock"] = std::move(clock);
    }
  }
  if (const auto reconciliation = devices::parseReconciliation(device.reconciliation)) {
    out["reconciliation"] = {{"terminal_records", reconciliation->terminal_records},
                             {"relay_records", reconciliation->relay_records},
                             {"missing", reconciliation->missing},
                             {"checked_at", reconciliation->checked_at}};
  }
  out["last_seen"] = device.last_seen ? ordered_json(formatRfc3339Seconds(*device.last_seen))
                                      : ordered_json(nullptr);
  out["site"] = device.site_id.empty() ? ordered_json(nullptr) : ordered_json(device.site_id);
  out["created_at"] = formatRfc3339Seconds(device.created_at);
  return out;
}

}  // namespace

ApiResponse createDevice(DevicesApi& api, ApiRequest& request) {
  auto parsed = jsonObjectBody(request);
  if (auto* error = std::get_if<ApiResponse>(&parsed)) {
    return *error;
  }
  const json& body = std::get<json>(parsed);
  if (!body.contains("serial_number") || !body["serial_number"].is_string() ||
      body["serial_number"].get<std::string>().empty() ||
      body["serial_number"].get<std::string>().size() > 64) {
    return invalidField("serial_number", "expected the terminal's serial number (1-64 characters)");
  }
  std::optional<std::string> name;
  std::optional<std::string> location;
  if (auto error = optionalString(body, "name", 100, name)) {
    return *error;
  }
  if (auto error = optionalString(body, "location", 200, location)) {
    return *error;
  }
  auto device =
      api.devices.registerDevice(request.tenant_id, body["serial_number"].get<std::string>(),
                                 name.value_or(""), location.value_or(""));
  if (!device) {
    return errorResponse(device.error());
  }
  ApiResponse response;
  response.status = 201;
  response.body = deviceJson(*device);
  return response;
}

ApiResponse listDevices(DevicesApi& api, ApiRequest& request) {
  auto listed = api.devices.listDevices(request.tenant_id);
  if (!listed) {
    return errorResponse(listed.error());
  }
  ApiResponse response;
  ordered_json data = ordered_json::array();
  for (const auto& device : *listed) {
    data.push_back(deviceJson(device));
  }
  response.body = {{"data", data}};
  return response;
}

ApiResponse getDevice(DevicesApi& api, ApiRequest& request) {
  auto device = api.devices.findDevice(request.tenant_id, request.params["serial"]);
  if (!device) {
    return errorResponse(device.error());
  }
  if (!device->has_value()) {
    return errorResponse(404, "not_found", "no device " + request.params["serial"]);
  }
  ApiResponse response;
  response.body = deviceJson(**device);
  return response;
}

ApiResponse patchDevice(DevicesApi& api, ApiRequest& request) {
  auto parsed = jsonObjectBody(request);
  if (auto* error = std::get_if<ApiResponse>(&parsed)) {
    return *error;
  }
  const json& body = std::get<json>(parsed);
  DeviceChanges changes;
  if (auto error = optionalString(body, "name", 100, changes.name)) {
    return *error;
  }
  if (auto error = optionalString(body, "location", 200, changes.location)) {
    return *error;
  }
  // A terminal stays with the site whose agent first reported it; moving it is explicit.
  if (body.contains("site")) {
    if (body["site"].is_null()) {
      changes.site_id = "";
    } else if (body["site"].is_string() && !body["site"].get<std::string>().empty() &&
               body["site"].get<std::string>().size() <= 64) {
      const std::string site_id = body["site"].get<std::string>();
      auto site = api.tenants.findSite(site_id);
      if (!site) {
        return errorResponse(site.error());
      }
      // Another tenant's site reads as no site at all: its existence is not ours to tell.
      if (!site->has_value() || (*site)->tenant_id != request.tenant_id) {
        return invalidField("site", "one of this account's site ids (there is no site " + site_id +
                                        "), or null to release the terminal");
      }
      changes.site_id = site_id;
    } else {
      return invalidField("site",
                          "one of this account's site ids, or null (the terminal then joins "
                          "the next site whose agent reports it)");
    }
  }
  auto device = api.devices.updateDevice(request.tenant_id, request.params["serial"], changes);
  if (!device) {
    return errorResponse(device.error());
  }
  ApiResponse response;
  response.body = deviceJson(*device);
  return response;
}

ApiResponse deleteDevice(DevicesApi& api, ApiRequest& request) {
  if (auto deleted = api.devices.deleteDevice(request.tenant_id, request.params["serial"]);
      !deleted) {
    return errorResponse(deleted.error());
  }
  ApiResponse response;
  response.body = {{"serial_number", request.params["serial"]}, {"deleted", true}};
  return response;
}

ApiResponse listEvents(DevicesApi& api, ApiRequest& request) {
  DeviceEventFilter filter;
  const auto limit = pageLimit(request);
  if (const auto* error = std::get_if<ApiResponse>(&limit)) {
    return *error;
  }
  filter.limit = std::get<std::size_t>(limit);
  for (const auto& [name, target] :
       {std::pair{"start_date", &filter.from}, std::pair{"end_date", &filter.to}}) {
    if (auto text = queryParam(request, name)) {
      auto parsed = parseDateOrRfc3339(*text);
      if (!parsed) {
        return invalidField(name,
                            "expected a date (2026-03-27) or an RFC 3339 timestamp "
                            "(2026-03-27T08:30:00Z)");
      }
      auto time = std::chrono::floor<std::chrono::seconds>(*parsed);
      // A bare end date includes that whole day.
      if (std::string_view(name) == "end_date" && text->size() == 10) {
        time += std::chrono::hours{24};
      }
      *target = time;
    }
  }
  filter.device_serial = queryParam(request, "device_id");
  filter.type = queryParam(request, "type");
  if (filter.type && !events::eventTypeNamed(*filter.type)) {
    return invalidField("type", "expected an event type: " + events::eventTypeList());
  }
  if (auto cursor = queryParam(request, "cursor")) {
    const auto seq = decodeSeqCursor(*cursor);
    if (!seq) {
      return invalidField("cursor", "expected a next_cursor value from an earlier page");
    }
    filter.after_seq = *seq;
  }
  auto rows = api.events.listEvents(request.tenant_id, filter);
  if (!rows) {
    return errorResponse(rows.error());
  }
  return pageResponse(std::move(*rows), filter.limit, deviceEventJson,
                      [](const StoredDeviceEvent& row) { return encodeSeqCursor(row.seq); });
}

}  // namespace punchlink::relay::api
