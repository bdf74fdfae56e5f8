#include "rest_api.hpp"

#include "api/openapi_document.hpp"
#include "api/users_handler.hpp"
#include "tenancy/tenancy.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/device_status.hpp>

#include <algorithm>
#include <charconv>
#include <memory>
#include <variant>

namespace punchlink::relay::api {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

std::string seconds(UtcMillis time) {
  return formatRfc3339(std::chrono::floor<std::chrono::seconds>(time));
}

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
  }
  out["last_seen"] =
      device.last_seen ? ordered_json(seconds(*device.last_seen)) : ordered_json(nullptr);
  out["site"] = device.site_id.empty() ? ordered_json(nullptr) : ordered_json(device.site_id);
  out["created_at"] = seconds(device.created_at);
  return out;
}

ApiResponse listLogs(PunchLedger& punches, ApiRequest& request) {
  PunchFilter filter;
  const auto limit = pageLimit(request);
  if (const auto* error = std::get_if<ApiResponse>(&limit)) {
    return *error;
  }
  filter.limit = std::get<std::size_t>(limit);
  const auto query = [&](const char* name) { return queryParam(request, name); };
  for (const auto& [name, target] :
       {std::pair{"start_date", &filter.from}, std::pair{"end_date", &filter.to}}) {
    if (auto text = query(name)) {
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
  filter.user_id = query("user_id");
  filter.device_serial = query("device_id");
  if (auto cursor = query("cursor")) {
    const auto seq = decodeSeqCursor(*cursor);
    if (!seq) {
      return invalidField("cursor", "expected a next_cursor value from an earlier page");
    }
    filter.after_seq = *seq;
  }
  auto rows = punches.listPunches(request.tenant_id, filter);
  if (!rows) {
    return errorResponse(rows.error());
  }
  return pageResponse(
      std::move(*rows), filter.limit,
      [](const StoredPunch& row) {
        const json punch = json::parse(row.payload, nullptr, false);
        ordered_json item = {{"event_id", punch.value("event_id", "")},
                             {"user_id", punch.value("user_id", "")}};
        item["punch_type"] = punch.contains("punch_type") ? ordered_json(punch["punch_type"])
                                                          : ordered_json(nullptr);
        item["method"] = punch.value("method", "Other");
        item["timestamp"] = punch.value("timestamp", "");
        item["device_id"] = punch.value("device_serial", "");
        item["local_time"] = punch.value("local_time", "");
        item["state"] = punch.value("state", 0);
        item["verify"] = punch.value("verify", 0);
        item["received_at"] = seconds(row.received_at);
        return item;
      },
      [](const StoredPunch& row) { return encodeSeqCursor(row.seq); });
}

ApiResponse createDevice(DeviceRegistry& devices, ApiRequest& request) {
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
  auto device = devices.registerDevice(request.tenant_id, body["serial_number"].get<std::string>(),
                                       name.value_or(""), location.value_or(""));
  if (!device) {
    return errorResponse(device.error());
  }
  ApiResponse response;
  response.status = 201;
  response.body = deviceJson(*device);
  return response;
}

ApiResponse patchDevice(Tenants& tenants, DeviceRegistry& devices, ApiRequest& request) {
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
      auto site = tenants.findSite(site_id);
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
  auto device = devices.updateDevice(request.tenant_id, request.params["serial"], changes);
  if (!device) {
    return errorResponse(device.error());
  }
  ApiResponse response;
  response.body = deviceJson(*device);
  return response;
}

ApiResponse deleteDevice(DeviceRegistry& devices, ApiRequest& request) {
  if (auto deleted = devices.deleteDevice(request.tenant_id, request.params["serial"]); !deleted) {
    return errorResponse(deleted.error());
  }
  ApiResponse response;
  response.body = {{"serial_number", request.params["serial"]}, {"deleted", true}};
  return response;
}

}  // namespace

void addServiceRoutes(Router& router, ServiceProbes probes) {
  router.add("GET", "/healthz", [health = std::move(probes.health)](ApiRequest&) {
    ApiResponse response;
    response.body = health();
    return response;
  });
  router.add("GET", "/metrics", [metrics = std::move(probes.metrics)](ApiRequest&) {
    return textResponse("text/plain; version=0.0.4; charset=utf-8", metrics());
  });
}

Router makeRestApi(RestApiParts parts,
                   const RequestGuard& guard,
                   CommandSender& sender,
                   const Clock& clock,
                   ApiOptions options) {
  Router router;
  const auto users = std::make_shared<UsersApi>(
      UsersApi{parts.devices, parts.users, parts.commands, parts.tracker, sender, clock});
  const auto route = [&](const char* method, const char* pattern,
                         ApiResponse (*handler)(UsersApi&, ApiRequest&), Reach reach) {
    router.add(
        method, pattern,
        guard.wrap([users, handler](ApiRequest& request) { return handler(*users, request); },
                   reach));
  };
  // Writing users enrolls them on (or removes them from) the tenant's terminals.
  route("POST", "/v1/users", &createUser, Reach::Terminals);
  route("POST", "/v1/users/batch", &createUsersBatch, Reach::Terminals);
  route("GET", "/v1/users", &listUsers, Reach::Relay);
  route("GET", "/v1/users/{user_id}", &getUser, Reach::Relay);
  route("PUT", "/v1/users/{user_id}", &updateUser, Reach::Terminals);
  route("DELETE", "/v1/users/{user_id}", &deleteUser, Reach::Terminals);
  route("GET", "/v1/commands/{id}", &getCommand, Reach::Relay);
  DeviceRegistry& devices = parts.devices;
  PunchLedger& punches = parts.punches;
  router.add("GET", "/v1/openapi.json", [](ApiRequest&) {
    return textResponse("application/json", std::string(openApiDocument()));
  });
  router.add("GET", "/v1/logs",
             guard.wrap([&punches](ApiRequest& request) { return listLogs(punches, request); }));
  router.add("POST", "/v1/devices", guard.wrap([&devices](ApiRequest& request) {
    return createDevice(devices, request);
  }));
  router.add("GET", "/v1/devices", guard.wrap([&devices](ApiRequest& request) {
    auto listed = devices.listDevices(request.tenant_id);
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
  }));
  router.add("GET", "/v1/devices/{serial}", guard.wrap([&devices](ApiRequest& request) {
    auto device = devices.findDevice(request.tenant_id, request.params["serial"]);
    if (!device) {
      return errorResponse(device.error());
    }
    if (!device->has_value()) {
      return errorResponse(404, "not_found", "no device " + request.params["serial"]);
    }
    ApiResponse response;
    response.body = deviceJson(**device);
    return response;
  }));
  // Which site a terminal belongs to decides where its commands go: both are terminal changes.
  Tenants& tenants = parts.tenants;
  router.add("PATCH", "/v1/devices/{serial}",
             guard.wrap([&tenants, &devices](
                            ApiRequest& request) { return patchDevice(tenants, devices, request); },
                        Reach::Terminals));
  router.add("DELETE", "/v1/devices/{serial}",
             guard.wrap([&devices](ApiRequest& request) { return deleteDevice(devices, request); },
                        Reach::Terminals));
  addWebhookRoutes(router, {parts.endpoints, parts.deliveries, clock}, options.webhooks,
                   [&guard](Router::Handler handler) { return guard.wrap(std::move(handler)); });
  return router;
}

}  // namespace punchlink::relay::api
