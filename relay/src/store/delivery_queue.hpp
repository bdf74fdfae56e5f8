// Queues webhook deliveries for an event inside the caller's transaction (the transactional
// outbox): one row per enabled endpoint of the tenant subscribed to the event type.
#pragma once

#include "events/event_bodies.hpp"
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
                                       events::EventType type);

  // Queues the event for every subscribed endpoint (once per endpoint and event id); returns
  // how many deliveries are new.
  Result<std::size_t> queue(const std::string& event_id,
                            const std::string& body,
                            std::int64_t now_ms);

  // Records an event that is not a punch (punches have their own table) in the events table
  // and, if it is new, queues its deliveries. Its type must be the queue's.
  Result<std::size_t> record(const events::Event& event, std::int64_t now_ms);

  bool hasEndpoints() const noexcept { return !endpoint_ids_.empty(); }

 private:
  DeliveryQueue(sql::Database& db, std::string tenant_id, events::EventType type)
      : db_(&db), tenant_id_(std::move(tenant_id)), event_type_(events::eventTypeName(type)) {}

  sql::Database* db_;
  std::string tenant_id_;
  std::string event_type_;
  std::vector<std::string> endpoint_ids_;
  sql::Statement insert_;
};

}  // namespace punchlink::relay
