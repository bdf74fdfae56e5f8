// How webhook endpoint and delivery rows are selected and read, shared by the endpoints and the
// deliveries parts (a claim returns each delivery with its endpoint).
#pragma once

#include "store/records.hpp"
#include "store/sql_database.hpp"
#include "store/sql_support.hpp"

#include <string_view>

namespace punchlink::relay::sql_rows {

inline constexpr std::string_view kSelectEndpoints =
    "SELECT id, tenant_id, url, description, events, enabled, disabled_reason, secret, "
    "previous_secret, previous_secret_expires_ms, failing_since_ms, created_at, updated_at, "
    "max_events_per_request "
    "FROM webhook_endpoints ";

inline WebhookEndpoint endpointFrom(sql::Statement& row) {
  WebhookEndpoint endpoint;
  endpoint.id = row.text(0);
  endpoint.tenant_id = row.text(1);
  endpoint.url = row.text(2);
  endpoint.description = row.text(3);
  endpoint.events = row.text(4);
  endpoint.enabled = row.integer(5) != 0;
  endpoint.disabled_reason = row.text(6);
  endpoint.secret = row.text(7);
  endpoint.previous_secret = row.text(8);
  endpoint.previous_secret_expires = sql_support::fromUnixMs(row.integer(9));
  if (const std::int64_t since = row.integer(10); since != 0) {
    endpoint.failing_since = sql_support::fromUnixMs(since);
  }
  endpoint.created_at = sql_support::storedTime(row.text(11));
  endpoint.updated_at = sql_support::storedTime(row.text(12));
  endpoint.max_events_per_request = row.integer(13);
  return endpoint;
}

inline constexpr std::string_view kSelectDeliveries =
    "SELECT id, tenant_id, endpoint_id, event_id, event_type, body, state, attempts, due_ms, "
    "created_ms, created_at, delivered_at, last_error FROM webhook_deliveries ";

// What a claim reads of one endpoint (?1 endpoint, ?2 now in ms, ?3 how many): lapsed leases
// (a crashed node's), then queued deliveries that are due. Each is one range of the
// (endpoint_id, state, due_ms, id) index read in order, so a claim costs the same whatever the
// backlog (relay_store_test checks the plan).
inline constexpr std::string_view kClaimLapsed =
    "WHERE endpoint_id = ? AND state = 'delivering' AND lease_until_ms <= ? "
    "ORDER BY due_ms, id LIMIT ?";
inline constexpr std::string_view kClaimQueued =
    "WHERE endpoint_id = ? AND state = 'queued' AND due_ms <= ? ORDER BY due_ms, id LIMIT ?";

inline Delivery deliveryFrom(sql::Statement& row) {
  Delivery delivery;
  delivery.id = row.integer(0);
  delivery.tenant_id = row.text(1);
  delivery.endpoint_id = row.text(2);
  delivery.event_id = row.text(3);
  delivery.event_type = row.text(4);
  delivery.body = row.text(5);
  delivery.state = row.text(6);
  delivery.attempt_count = row.integer(7);
  if (const std::int64_t due = row.integer(8); due > 0 && delivery.state == "queued") {
    delivery.next_attempt = sql_support::fromUnixMs(due);
  }
  delivery.window_start = sql_support::fromUnixMs(row.integer(9));
  delivery.created_at = sql_support::storedTime(row.text(10));
  delivery.delivered_at = sql_support::storedOptionalTime(row.text(11));
  delivery.last_error = row.text(12);
  return delivery;
}

}  // namespace punchlink::relay::sql_rows
