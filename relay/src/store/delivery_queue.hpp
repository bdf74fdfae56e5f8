// Queues webhook deliveries for an event inside the caller's transaction (the transactional
// outbox): one row per enabled endpoint of the tenant subscribed to the event type.
#pragma once

#include "store/sql_database.hpp"

#include <punchlink/common/result.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace punchlink::relay {

class DeliveryQueue {
 public:
  // Reads the tenant's subscribed endpoints once (a batch of punches shares them).
  static Result<DeliveryQueue> prepare(sql::Database& db,
                                       const std::string& tenant_id,
                                       const std::string& event_type);

  // Queues the event for every subscribed endpoint (once per endpoint and event id); returns
  // how many deliveries are new.
  Result<std::size_t> queue(const std::string& event_id,
                            const std::string& body,
                            std::int64_t now_ms);

  // Records a non-punch event (device.online, command.failed, …) in the events table and, if it
  // is new, queues its deliveries.
  Result<std::size_t> record(const std::string& event_id,
                             const std::string& body,
                             std::int64_t now_ms);

  bool hasEndpoints() const noexcept { return !endpoint_ids_.empty(); }

 private:
  DeliveryQueue(sql::Database& db, std::string tenant_id, std::string event_type)
      : db_(&db), tenant_id_(std::move(tenant_id)), event_type_(std::move(event_type)) {}

  sql::Database* db_;
  std::string tenant_id_;
  std::string event_type_;
  std::vector<std::string> endpoint_ids_;
  sql::Statement insert_;
};

// True if an endpoint's `events` filter (a JSON array; empty = everything) includes the type.
bool endpointWants(const std::string& events_json, const std::string& event_type);

// "evt_" + 24 hex digits of SHA-256 over the parts: stable ids for events that are not punches,
// so a replayed status message or command result never makes a second event.
std::string derivedEventId(std::initializer_list<std::string_view> parts);

}  // namespace punchlink::relay
