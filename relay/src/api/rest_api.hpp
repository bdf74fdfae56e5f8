// The /v1 REST API (DESIGN.md "REST API"): builds the router with every endpoint implemented so
// far. Every /v1 route requires `Authorization: Bearer <api key>` and sees only the key's tenant.
#pragma once

#include "api/request_guard.hpp"
#include "api/router.hpp"
#include "api/stream_handler.hpp"
#include "api/webhooks_handler.hpp"
#include "commands/command_issuer.hpp"
#include "store/store.hpp"

#include <punchlink/common/clock.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace punchlink::relay::api {

struct ApiOptions {
  WebhookApiOptions webhooks;
  // How recent a comparison of records clear_attendance needs (devices.clear_check_max_age).
  std::chrono::milliseconds clear_check_max_age{std::chrono::minutes{15}};
  StreamOptions stream;  // GET /v1/stream
};

// What the unauthenticated operational endpoints report, produced by the running service.
struct ServiceProbes {
  std::function<nlohmann::ordered_json()> health;  // GET /healthz
  std::function<std::string()> metrics;            // GET /metrics, Prometheus text format
};

// The store parts the routes use.
struct RestApiParts {
  Tenants& tenants;
  DeviceRegistry& devices;
  PunchLedger& punches;
  DeviceEventLog& device_events;
  UserDirectory& users;
  CommandLog& commands;
  CommandIssuer& issuer;  // records commands and hands them to sites' agents
  WebhookEndpoints& endpoints;
  DeliveryLog& deliveries;
};

// The /v1 routes, each behind `guard` (which must outlive the router); `clock` stamps the rows
// handlers create.
Router makeRestApi(RestApiParts parts,
                   const RequestGuard& guard,
                   const Clock& clock,
                   ApiOptions options);

// GET /healthz and GET /metrics, unauthenticated: on the API's router, or on the admin
// listener's alone when there is one (http.admin_listen).
void addServiceRoutes(Router& router, ServiceProbes probes);

}  // namespace punchlink::relay::api
