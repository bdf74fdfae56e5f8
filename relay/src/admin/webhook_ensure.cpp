#include "webhook_ensure.hpp"

#include "webhooks/webhook_signature.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/crypto.hpp>
#include <punchlink/common/utc_time.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

namespace punchlink::relay {

namespace {

// The event types of a stored `events` array in a comparable form: sorted (order carries no
// meaning); nullopt if the stored text is not an array of strings.
std::optional<std::vector<std::string>> sortedEvents(const std::string& events_json) {
  const auto events = nlohmann::json::parse(events_json, nullptr, false);
  if (!events.is_array()) {
    return std::nullopt;
  }
  std::vector<std::string> names;
  for (const auto& event : events) {
    if (!event.is_string()) {
      return std::nullopt;
    }
    names.push_back(event.get<std::string>());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

Result<EnsuredEndpoint> ensureWebhookEndpoint(Tenants& tenants,
                                              WebhookEndpoints& store,
                                              const WantedEndpoint& wanted,
                                              const std::string& known_secret,
                                              UtcMillis now) {
  auto tenant = tenants.findTenant(wanted.tenant_id);
  if (!tenant) {
    return tenant.error();
  }
  if (!tenant->has_value()) {
    return makeError(ErrorCode::NotFound, "no tenant " + wanted.tenant_id,
                     "list tenants with: punchlink-relay --config FILE tenants list");
  }
  auto endpoints = store.listEndpoints(wanted.tenant_id);
  if (!endpoints) {
    return endpoints.error();
  }
  const auto match = std::find_if(endpoints->begin(), endpoints->end(), [&](const auto& e) {
    return wanted.description.empty() ? e.url == wanted.url : e.description == wanted.description;
  });
  const std::string events_json = nlohmann::json(wanted.events).dump();
  EnsuredEndpoint ensured;
  if (match == endpoints->end()) {
    WebhookEndpoint endpoint;
    endpoint.id = "whk_" + crypto::randomHexToken(8);
    endpoint.tenant_id = wanted.tenant_id;
    endpoint.url = wanted.url;
    endpoint.description = wanted.description;
    endpoint.events = events_json;
    endpoint.max_events_per_request = wanted.max_events_per_request.value_or(1);
    endpoint.secret = webhooks::generateSecret();
    endpoint.created_at = std::chrono::floor<std::chrono::seconds>(now);
    endpoint.updated_at = endpoint.created_at;
    if (auto created = store.createEndpoint(endpoint); !created) {
      return created.error();
    }
    ensured.id = endpoint.id;
    ensured.secret = endpoint.secret;
    ensured.created = true;
    return ensured;
  }
  ensured.id = match->id;
  ensured.secret = match->secret;
  EndpointChanges changes;
  if (match->url != wanted.url) {
    changes.url = wanted.url;
    ensured.url_updated = true;
  }
  auto wanted_sorted = wanted.events;
  std::sort(wanted_sorted.begin(), wanted_sorted.end());
  if (sortedEvents(match->events) != wanted_sorted) {
    changes.events = events_json;
    ensured.events_updated = true;
  }
  if (wanted.max_events_per_request &&
      *wanted.max_events_per_request != match->max_events_per_request) {
    changes.max_events_per_request = wanted.max_events_per_request;
    ensured.per_request_updated = true;
  }
  if (!match->enabled) {
    changes.enabled = true;
    ensured.enabled = true;
  }
  if (ensured.url_updated || ensured.events_updated || ensured.per_request_updated ||
      ensured.enabled) {
    if (auto updated = store.updateEndpoint(wanted.tenant_id, match->id, changes, now); !updated) {
      return updated.error();
    }
  }
  if (known_secret != match->secret) {
    const std::string secret = webhooks::generateSecret();
    auto rotated = store.rotateSecret(wanted.tenant_id, match->id, secret, now, now);
    if (!rotated) {
      return rotated.error();
    }
    ensured.secret = secret;
    ensured.secret_rotated = true;
  }
  return ensured;
}

}  // namespace punchlink::relay
