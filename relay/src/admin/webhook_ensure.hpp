// `webhooks ensure`: brings one webhook endpoint of a tenant to a wanted state, creating it only
// if the tenant has none that matches, so a script (scripts/run.sh) can run it on every start.
#pragma once

#include "store/tenants.hpp"
#include "store/webhook_endpoints.hpp"

#include <punchlink/common/result.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace punchlink::relay {

struct WantedEndpoint {
  std::string tenant_id;
  std::string url;
  // Non-empty: the endpoint is the tenant's first (oldest) with this description, so its URL
  // may change between runs. Empty: the first with this URL.
  std::string description;
  std::vector<std::string> events;  // validated event types; empty: every type
  // Set: the endpoint's events per request (checked against kMaxEventsPerRequest); unset: a new
  // endpoint gets 1 and an existing one keeps what it has (the API may have changed it).
  std::optional<std::int64_t> max_events_per_request;
};

struct EnsuredEndpoint {
  std::string id;
  std::string secret;  // the endpoint's current secret
  bool created = false;
  bool url_updated = false;
  bool events_updated = false;
  bool per_request_updated = false;
  bool enabled = false;  // it was disabled (by hand, or by failing too long) and is enabled again
  bool secret_rotated = false;
};

// Finds the endpoint (WantedEndpoint::description), creates it or updates its URL and events
// and enables it. `known_secret` is the secret the caller holds (empty: none); unless it is the
// endpoint's current secret, the secret is rotated with no overlap, since the old one is lost
// or stale. The URL must have been checked against the relay's URL policy. Errors: NotFound for
// an unknown tenant, or the store's.
Result<EnsuredEndpoint> ensureWebhookEndpoint(Tenants& tenants,
                                              WebhookEndpoints& endpoints,
                                              const WantedEndpoint& wanted,
                                              const std::string& known_secret,
                                              UtcMillis now);

}  // namespace punchlink::relay
