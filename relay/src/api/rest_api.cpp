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

struct Guard {
  ApiKeys& keys;
  ApiGuardStore& store;
  const Clock& clock;
  ApiOptions options;
};

std::string seconds(UtcMillis time) {
  return formatRfc3339(std::chrono::floor<std::chrono::seconds>(time));
}

UtcMillis nowOf(const Clock& clock) {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(clock.now());
}

bool mutates(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

// Runs `handler` under an Idempotency-Key: the first response is stored and replayed for
// retries of the same request; the same key with a different request is a 409.
ApiResponse withIdempotency(const Guard& guard,
                            const std::string& key_id,
                            ApiRequest& request,
                            const Router::Handler& handler) {
  const auto header = request.header("idempotency-key");
  if (!header || !mutates(request.method)) {
    return handler(request);
  }
  if (header->empty() || header->size() > 255) {
    return invalidField("Idempotency-Key", "expected 1 to 255 characters");
  }
  const std::string request_hash =
      crypto::toHex(crypto::sha256(request.method + "\n" + request.path + "\n" + request.body));
  const UtcMillis now = nowOf(guard.clock);
  auto claim = guard.store.claimIdempotencyKey(key_id, *header, request_hash, now,
                                               now - guard.options.idempotency_ttl);
  if (!claim) {
    return errorResponse(claim.error());
  }
  switch (claim->kind) {
    case IdempotencyClaim::Kind::Mismatch:
      return errorResponse(409, "idempotency_key_reused",
                           "this Idempotency-Key was used with a different request; use a new key");
    case IdempotencyClaim::Kind::InProgress:
      return errorResponse(409, "idempotency_in_progress",
                           "a request with this Idempotency-Key is still being processed");
    case IdempotencyClaim::Kind::Stored: {
      ApiResponse replay;
      replay.status = static_cast<int>(claim->status);
      replay.body = ordered_json::parse(claim->response, nullptr, false);
      replay.headers.emplace_back("Idempotent-Replayed", "true");
      return replay;
    }
    case IdempotencyClaim::Kind::Claimed:
      break;
  }
  ApiResponse response = handler(request);
  (void)guard.store.finishIdempotencyKey(key_id, *header, response.status, response.body.dump());
  return response;
}

// Wraps a handler with Bearer authentication (the key's tenant lands in request.tenant_id), the
// per-key rate limit (X-RateLimit-* on every response, 429 with Retry-After), and
// Idempotency-Key handling.
Router::Handler authenticated(const std::shared_ptr<Guard>& guard, Router::Handler handler) {
  return [guard, handler = std::move(handler)](ApiRequest& request) -> ApiResponse {
    const auto header = request.header("authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (!header || header->size() <= kBearer.size() || header->rfind(kBearer, 0) != 0) {
      ApiResponse response = errorResponse(401, "unauthenticated",
                                           "missing API key: send Authorization: Bearer <key>");
      response.headers.emplace_back("WWW-Authenticate", "Bearer");
      return response;
    }
    auto key = tenancy::authenticate(guard->keys, header->substr(kBearer.size()));
    if (!key) {
      return errorResponse(key.error());
    }
    if (!key->has_value()) {
      ApiResponse response = errorResponse(401, "unauthenticated", "invalid or revoked API key");
      response.headers.emplace_back("WWW-Authenticate", "Bearer");
      return response;
    }
    request.tenant_id = (*key)->tenant_id;

    const std::int64_t now =
        std::chrono::floor<std::chrono::seconds>(nowOf(guard->clock)).time_since_epoch().count();
    const std::int64_t window = now - now % 60;
    auto hits = guard->store.hitRateLimit((*key)->id, UtcMillis{std::chrono::seconds{window}});
    if (!hits) {
      return errorResponse(hits.error());
    }
    const int limit = guard->options.rate_limit_per_minute;
    const std::int64_t reset = window + 60 - now;
    ApiResponse response;
    if (*hits > limit) {
      response = errorResponse(429, "rate_limited",
                               "rate limit of " + std::to_string(limit) +
                                   " requests per minute exceeded; retry in " +
                                   std::to_string(reset) + " s");
      response.headers.emplace_back("Retry-After", std::to_string(reset));
    } else {
      response = withIdempotency(*guard, (*key)->id, request, handler);
    }
    response.headers.emplace_back("X-RateLimit-Limit", std::to_string(limit));
    response.headers.emplace_back("X-RateLimit-Remaining",
                                  std::to_string(std::max<std::int64_t>(0, limit - *hits)));
    response.headers.emplace_back("X-RateLimit-Reset", std::to_string(reset));
    return response;
  };
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

}  // namespace

Router makeRestApi(RestApiParts parts,
                   CommandSender& sender,
                   const Clock& clock,
                   ApiOptions options,
                   ServiceProbes probes) {
  Router router;
  const auto guard = std::make_shared<Guard>(Guard{parts.keys, parts.guard, clock, options});
  const auto users = std::make_shared<UsersApi>(
      UsersApi{parts.devices, parts.users, parts.commands, parts.tracker, sender, clock});
  const auto route = [&](const char* method, const char* pattern,
                         ApiResponse (*handler)(UsersApi&, ApiRequest&)) {
    router.add(method, pattern, authenticated(guard, [users, handler](ApiRequest& request) {
                 return handler(*users, request);
               }));
  };
  route("POST", "/v1/users", &createUser);
  route("POST", "/v1/users/batch", &createUsersBatch);
  route("GET", "/v1/users", &listUsers);
  route("GET", "/v1/users/{user_id}", &getUser);
  route("PUT", "/v1/users/{user_id}", &updateUser);
  route("DELETE", "/v1/users/{user_id}", &deleteUser);
  route("GET", "/v1/commands/{id}", &getCommand);
  DeviceRegistry& devices = parts.devices;
  PunchLedger& punches = parts.punches;
  router.add("GET", "/healthz", [health = std::move(probes.health)](ApiRequest&) {
    ApiResponse response;
    response.body = health();
    return response;
  });
  router.add("GET", "/metrics", [metrics = std::move(probes.metrics)](ApiRequest&) {
    return textResponse("text/plain; version=0.0.4; charset=utf-8", metrics());
  });
  router.add("GET", "/v1/openapi.json", [](ApiRequest&) {
    return textResponse("application/json", std::string(openApiDocument()));
  });
  router.add("GET", "/v1/logs", authenticated(guard, [&punches](ApiRequest& request) {
               return listLogs(punches, request);
             }));
  router.add("POST", "/v1/devices", authenticated(guard, [&devices](ApiRequest& request) {
               return createDevice(devices, request);
             }));
  router.add("GET", "/v1/devices", authenticated(guard, [&devices](ApiRequest& request) {
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
  router.add("GET", "/v1/devices/{serial}", authenticated(guard, [&devices](ApiRequest& request) {
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
  router.add("PATCH", "/v1/devices/{serial}", authenticated(guard, [&devices](ApiRequest& request) {
               auto parsed = jsonObjectBody(request);
               if (auto* error = std::get_if<ApiResponse>(&parsed)) {
                 return *error;
               }
               const json& body = std::get<json>(parsed);
               std::optional<std::string> name;
               std::optional<std::string> location;
               if (auto error = optionalString(body, "name", 100, name)) {
                 return *error;
               }
               if (auto error = optionalString(body, "location", 200, location)) {
                 return *error;
               }
               auto device = devices.updateDevice(request.tenant_id, request.params["serial"], name,
                                                  location);
               if (!device) {
                 return errorResponse(device.error());
               }
               ApiResponse response;
               response.body = deviceJson(*device);
               return response;
             }));
  router.add("DELETE", "/v1/devices/{serial}",
             authenticated(guard, [&devices](ApiRequest& request) {
               if (auto deleted = devices.deleteDevice(request.tenant_id, request.params["serial"]);
                   !deleted) {
                 return errorResponse(deleted.error());
               }
               ApiResponse response;
               response.body = {{"serial_number", request.params["serial"]}, {"deleted", true}};
               return response;
             }));
  addWebhookRoutes(router, {parts.endpoints, parts.deliveries, clock}, options.webhooks,
                   [&guard](Router::Handler handler) { return authenticated(guard, handler); });
  return router;
}

}  // namespace punchlink::relay::api
