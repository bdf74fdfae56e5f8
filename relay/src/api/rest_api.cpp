#include "rest_api.hpp"

#include "api/commands_handler.hpp"
#include "api/devices_handler.hpp"
#include "api/openapi_document.hpp"
#include "api/record_views.hpp"
#include "api/stats_handler.hpp"
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
  return pageResponse(std::move(*rows), filter.limit, punchJson,
                      [](const StoredPunch& row) { return encodeSeqCursor(row.seq); });
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
                   const Clock& clock,
                   ApiOptions options) {
  Router router;
  // Each group of routes gets the parts it uses; `route` puts one behind the guard.
  const auto route = [&](const char* method, const char* pattern, auto api,
                         ApiResponse (*handler)(decltype(*api)&, ApiRequest&), Reach reach) {
    router.add(
        method, pattern,
        guard.wrap([api, handler](ApiRequest& request) { return handler(*api, request); }, reach));
  };
  const auto users = std::make_shared<UsersApi>(
      UsersApi{parts.devices, parts.users, parts.commands, parts.issuer, clock});
  // Writing users enrolls them on (or removes them from) the tenant's terminals.
  route("POST", "/v1/users", users, &createUser, Reach::Terminals);
  route("POST", "/v1/users/batch", users, &createUsersBatch, Reach::Terminals);
  route("GET", "/v1/users", users, &listUsers, Reach::Relay);
  route("GET", "/v1/users/{user_id}", users, &getUser, Reach::Relay);
  route("PUT", "/v1/users/{user_id}", users, &updateUser, Reach::Terminals);
  route("DELETE", "/v1/users/{user_id}", users, &deleteUser, Reach::Terminals);
  const auto commands =
      std::make_shared<CommandsApi>(CommandsApi{parts.devices, parts.punches, parts.commands,
                                                parts.issuer, clock, options.clear_check_max_age});
  route("GET", "/v1/commands/{id}", commands, &getCommand, Reach::Relay);
  route("POST", "/v1/devices/{serial}/commands", commands, &createDeviceCommand, Reach::Terminals);
  route("GET", "/v1/devices/{serial}/commands", commands, &listDeviceCommands, Reach::Relay);
  const auto devices =
      std::make_shared<DevicesApi>(DevicesApi{parts.tenants, parts.devices, parts.device_events});
  route("POST", "/v1/devices", devices, &createDevice, Reach::Relay);
  route("GET", "/v1/devices", devices, &listDevices, Reach::Relay);
  route("GET", "/v1/devices/{serial}", devices, &getDevice, Reach::Relay);
  // Which site a terminal belongs to decides where its commands go: both are terminal changes.
  route("PATCH", "/v1/devices/{serial}", devices, &patchDevice, Reach::Terminals);
  route("DELETE", "/v1/devices/{serial}", devices, &deleteDevice, Reach::Terminals);
  route("GET", "/v1/events", devices, &listEvents, Reach::Relay);
  const auto stream = std::make_shared<StreamApi>(
      StreamApi{parts.punches, parts.device_events, clock, options.stream,
                std::make_shared<StreamSlots>(options.stream.per_tenant, options.stream.total)});
  route("GET", "/v1/stream", stream, &openStream, Reach::Relay);
  const auto stats = std::make_shared<StatsApi>(StatsApi{parts.punches, parts.tenants});
  route("GET", "/v1/stats/punches", stats, &punchesByHour, Reach::Relay);
  route("GET", "/v1/sites", stats, &listSites, Reach::Relay);
  PunchLedger& punches = parts.punches;
  router.add("GET", "/v1/openapi.json", [](ApiRequest&) {
    return textResponse("application/json", std::string(openApiDocument()));
  });
  router.add("GET", "/v1/logs",
             guard.wrap([&punches](ApiRequest& request) { return listLogs(punches, request); }));
  addWebhookRoutes(router, {parts.endpoints, parts.deliveries, clock}, options.webhooks,
                   [&guard](Router::Handler handler) { return guard.wrap(std::move(handler)); });
  return router;
}

}  // namespace punchlink::relay::api
