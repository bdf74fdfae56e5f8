// The Store over SQL: one SqlContext (connections and transactions) and a part per interface.
#include "store/sql_parts.hpp"
#include "store/store.hpp"

namespace punchlink::relay {

namespace {

class SqlStore final : public Store {
 public:
  SqlStore(std::vector<sql::DatabasePtr> pool, const Clock& clock)
      : clock_(clock),
        sql_(std::move(pool)),
        tenants_(sql_, clock),
        keys_(sql_),
        devices_(sql_, clock),
        punches_(sql_),
        device_events_(sql_),
        users_(sql_),
        commands_(sql_),
        guard_(sql_),
        endpoints_(sql_),
        deliveries_(sql_),
        outbox_(sql_),
        sessions_(sql_) {}

  Status migrate() override {
    return sql_.migrate(std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now()));
  }

  UnitOfWork& unitOfWork() override { return sql_; }

  Tenants& tenants() override { return tenants_; }

  ApiKeys& apiKeys() override { return keys_; }

  DeviceRegistry& devices() override { return devices_; }

  DeviceSightings& sightings() override { return devices_; }

  PunchLedger& punches() override { return punches_; }

  DeviceEventLog& deviceEvents() override { return device_events_; }

  UserDirectory& users() override { return users_; }

  CommandLog& commands() override { return commands_; }

  ApiGuardStore& apiGuard() override { return guard_; }

  WebhookEndpoints& endpoints() override { return endpoints_; }

  DeliveryQueue& deliveryQueue() override { return deliveries_; }

  DeliveryLog& deliveryLog() override { return deliveries_; }

  EventOutbox& outbox() override { return outbox_; }

  ConsoleSessions& consoleSessions() override { return sessions_; }

  std::size_t connections() const override { return sql_.connections(); }

 private:
  const Clock& clock_;
  SqlContext sql_;
  SqlTenants tenants_;
  SqlApiKeys keys_;
  SqlDevices devices_;
  SqlPunches punches_;
  SqlDeviceEvents device_events_;
  SqlUsers users_;
  SqlCommands commands_;
  SqlApiGuard guard_;
  SqlWebhookEndpoints endpoints_;
  SqlDeliveries deliveries_;
  SqlEventOutbox outbox_;
  SqlConsoleSessions sessions_;
};

}  // namespace

Result<StorePtr> openStore(const std::string& location,
                           const Clock& clock,
                           std::size_t connections) {
  std::vector<sql::DatabasePtr> pool;
  do {
    auto db = sql::open(location);
    if (!db) {
      return db.error();
    }
    pool.push_back(std::move(*db));
  } while (pool.front()->dialect() == sql::Dialect::Postgres && pool.size() < connections);
  return StorePtr(std::make_unique<SqlStore>(std::move(pool), clock));
}

}  // namespace punchlink::relay
