// The transactional outbox of webhook events over SQL: deliveries are rows written in the
// caller's transaction.
#include "events/subscription.hpp"
#include "store/sql_parts.hpp"
#include "store/sql_support.hpp"

namespace punchlink::relay {

using sql_support::millisText;
using sql_support::secondsText;
using sql_support::unixMs;

namespace {

class SqlEventFanout final : public EventFanout {
 public:
  SqlEventFanout(std::string tenant_id, std::vector<std::string> endpoints, sql::Statement insert)
      : tenant_id_(std::move(tenant_id)),
        endpoints_(std::move(endpoints)),
        insert_(std::move(insert)) {}

  bool hasSubscribers() const noexcept override { return !endpoints_.empty(); }

  Result<std::size_t> queue(const events::Event& event, UtcMillis now) override {
    std::size_t queued = 0;
    for (const auto& endpoint : endpoints_) {
      auto added =
          insert_.runWith(tenant_id_, endpoint, event.id, events::eventTypeName(event.type),
                          event.body, secondsText(now), unixMs(now), unixMs(now));
      if (!added) {
        return added.error();
      }
      queued += static_cast<std::size_t>(*added);
    }
    return queued;
  }

 private:
  std::string tenant_id_;
  std::vector<std::string> endpoints_;
  sql::Statement insert_;
};

}  // namespace

Result<EventFanoutPtr> SqlEventOutbox::fanout(const std::string& tenant_id,
                                              events::EventType type) {
  // Only called inside the caller's transaction, whose lock it shares: the fanout's statements
  // run on the connection under that same transaction.
  return sql_.with([&](sql::Database& db) -> Result<EventFanoutPtr> {
    if (!db.inTransaction()) {
      return makeError(ErrorCode::Internal,
                       "webhook deliveries can only be queued inside the transaction of the "
                       "change they report");
    }
    // Delivery ids are taken now and committed later: keyset pages of the log must wait.
    if (auto joined = db.joinAppendOrder(); !joined) {
      return joined.error();
    }
    auto rows = db.query(
        "SELECT id, events FROM webhook_endpoints WHERE tenant_id = ? AND enabled = 1", tenant_id);
    if (!rows) {
      return rows.error();
    }
    std::vector<std::string> subscribers;
    if (auto done = rows->each([&](sql::Statement& row) {
          if (events::subscribes(row.text(1), type)) {
            subscribers.push_back(row.text(0));
          }
        });
        !done) {
      return done.error();
    }
    auto insert = db.query(
        "INSERT INTO webhook_deliveries(tenant_id, endpoint_id, event_id, event_type, body, "
        "state, created_at, due_ms, created_ms) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?) "
        "ON CONFLICT(endpoint_id, event_id) DO NOTHING");
    if (!insert) {
      return insert.error();
    }
    return EventFanoutPtr(
        std::make_unique<SqlEventFanout>(tenant_id, std::move(subscribers), std::move(*insert)));
  });
}

Result<std::size_t> SqlEventOutbox::record(const std::string& tenant_id,
                                           const events::Event& event,
                                           UtcMillis now) {
  return sql_.write([&](sql::Database& db) -> Result<std::size_t> {
    auto added = db.run(
        "INSERT INTO events(event_id, tenant_id, event_type, body, created_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(tenant_id, event_id) DO NOTHING",
        event.id, tenant_id, events::eventTypeName(event.type), event.body, millisText(now));
    if (!added) {
      return added.error();
    }
    if (*added == 0) {
      return std::size_t{0};  // seen before: its deliveries were queued then
    }
    auto subscribers = fanout(tenant_id, event.type);
    if (!subscribers) {
      return subscribers.error();
    }
    return (*subscribers)->queue(event, now);
  });
}

}  // namespace punchlink::relay
