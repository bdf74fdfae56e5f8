#include "delivery_queue.hpp"

#include "events/subscription.hpp"
#include "store/sql_support.hpp"

namespace punchlink::relay {

Result<DeliveryQueue> DeliveryQueue::prepare(sql::Database& db,
                                             const std::string& tenant_id,
                                             events::EventType type) {
  DeliveryQueue queue(db, tenant_id, type);
  if (auto appending = db.appendingRows(); !appending) {
    return appending.error();
  }
  auto endpoints =
      db.prepare("SELECT id, events FROM webhook_endpoints WHERE tenant_id = ? AND enabled = 1");
  if (!endpoints) {
    return endpoints.error();
  }
  endpoints->bind(1, tenant_id);
  if (auto done = endpoints->each([&](sql::Statement& row) {
        if (events::subscribes(row.text(1), type)) {
          queue.endpoint_ids_.push_back(row.text(0));
        }
      });
      !done) {
    return done.error();
  }
  auto insert = db.prepare(
      "INSERT INTO webhook_deliveries(tenant_id, endpoint_id, event_id, event_type, body, state, "
      "created_at, due_ms, created_ms) "
      "VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?) "
      "ON CONFLICT(endpoint_id, event_id) DO NOTHING");
  if (!insert) {
    return insert.error();
  }
  queue.insert_ = std::move(*insert);
  return queue;
}

Result<std::size_t> DeliveryQueue::queue(const std::string& event_id,
                                         const std::string& body,
                                         std::int64_t now_ms) {
  const std::string now_text = sql_support::rfc3339(
      std::chrono::floor<std::chrono::seconds>(UtcMillis{std::chrono::milliseconds{now_ms}}));
  std::size_t queued = 0;
  for (const auto& endpoint : endpoint_ids_) {
    insert_.reset();
    insert_.bind(1, tenant_id_)
        .bind(2, endpoint)
        .bind(3, event_id)
        .bind(4, event_type_)
        .bind(5, body)
        .bind(6, now_text)
        .bind(7, now_ms)
        .bind(8, now_ms);
    if (auto done = insert_.run(); !done) {
      return done.error();
    }
    queued += static_cast<std::size_t>(db_->changes());
  }
  return queued;
}

Result<std::size_t> DeliveryQueue::record(const events::Event& event, std::int64_t now_ms) {
  auto insert = db_->prepare(
      "INSERT INTO events(event_id, tenant_id, event_type, body, created_at) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT(event_id) DO NOTHING");
  if (!insert) {
    return insert.error();
  }
  insert->bind(1, event.id)
      .bind(2, tenant_id_)
      .bind(3, event_type_)
      .bind(4, event.body)
      .bind(5, formatRfc3339Millis(now_ms));
  if (auto done = insert->run(); !done) {
    return done.error();
  }
  if (db_->changes() == 0) {
    return std::size_t{0};  // seen before: its deliveries were queued then
  }
  return queue(event.id, event.body, now_ms);
}

}  // namespace punchlink::relay
