// The /v1 REST API (DESIGN.md "REST API"): builds the router with every endpoint implemented so
// far. Every /v1 route requires `Authorization: Bearer <api key>` and sees only the key's tenant.
#pragma once

#include "api/router.hpp"
#include "api/webhooks_handler.hpp"
#include "commands/command_sender.hpp"
#include "commands/command_tracker.hpp"
#include "store/store.hpp"

#include <punchlink/common/clock.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace punchlink::relay::api {

struct ApiOptions {
  int rate_limit_per_minute = 100;  // per API key, fixed one-minute windows
  std::chrono::seconds idempotency_ttl{std::chrono::hours{24}};
  WebhookApiOptions webhooks;
};

// What the unauthenticated operational endpoints report, produced by the running service.
struct ServiceProbes {
  std::function<nlohmann::ordered_json()> health;  // GET /healthz
  std::function<std::string()> metrics;            // GET /metrics, Prometheus text format
};

// The store parts the routes use.
struct RestApiParts {
  ApiKeys& keys;
  ApiGuardStore& guard;
  DeviceRegistry& devices;
  PunchLedger& punches;
  UserDirectory& users;
  CommandLog& commands;
  CommandTracker& tracker;
  WebhookEndpoints& endpoints;
  DeliveryLog& deliveries;
};

// `clock` times rate-limit windows, idempotency-key expiry and the rows handlers create.
Router makeRestApi(RestApiParts parts,
                   CommandSender& sender,
                   const Clock& clock,
                   ApiOptions options,
                   ServiceProbes probes);

}  // namespace punchlink::relay::api
