// Store over SQL: SQLite (WAL, synchronous=FULL) for one node, PostgreSQL for several nodes on
// one database. The queries are the same on both; where the engines differ (claiming deliveries
// with row locks, schema types) the dialect decides. One connection guarded by a mutex per
// process: SQLite serialises writers anyway, and on PostgreSQL nodes scale out by processes.
#pragma once

#include "store/sql_database.hpp"
#include "store/store.hpp"

#include <mutex>

namespace punchlink::relay {

class SqlStore final : public Store {
 public:
  // "postgres://…" or "postgresql://…" (a libpq URI), "sqlite:PATH" or a plain SQLite path.
  static Result<std::unique_ptr<SqlStore>> open(const std::string& location);

  sql::Dialect dialect() const { return db_->dialect(); }

  // Store
  Status migrate() override;
  Result<Tenant> createTenant(const std::string& name) override;
  Result<std::vector<Tenant>> listTenants() override;
  Result<std::optional<Tenant>> findTenant(const std::string& id) override;
  Result<NewApiKey> createApiKey(const std::string& tenant_id,
                                 bool live,
                                 const std::string& label) override;
  Result<std::vector<ApiKeyInfo>> listApiKeys(const std::string& tenant_id) override;
  Status revokeApiKey(const std::string& key_id) override;
  Result<std::optional<ApiKeyInfo>> authenticate(const std::string& secret) override;
  Result<Site> createSite(const std::string& tenant_id, const std::string& site_id) override;
  Result<std::optional<Site>> findSite(const std::string& site_id) override;
  Result<IngestOutcome> ingest(const Site& site,
                               const contract::PunchBatch& batch,
                               UtcSeconds now) override;
  Status recordAgentStatus(const Site& site,
                           const std::string& status_json,
                           bool online,
                           UtcSeconds now) override;
  Status recordDeviceStatus(const Site& site,
                            const std::string& serial,
                            const std::string& status_json,
                            bool online,
                            UtcSeconds now) override;
  Result<Device> registerDevice(const std::string& tenant_id,
                                const std::string& serial,
                                const std::string& name,
                                const std::string& location) override;
  Result<std::vector<Device>> listDevices(const std::string& tenant_id) override;
  Result<std::optional<Device>> findDevice(const std::string& tenant_id,
                                           const std::string& serial) override;
  Result<Device> updateDevice(const std::string& tenant_id,
                              const std::string& serial,
                              const std::optional<std::string>& name,
                              const std::optional<std::string>& location) override;
  Status deleteDevice(const std::string& tenant_id, const std::string& serial) override;
  Result<std::vector<StoredPunch>> listPunches(const std::string& tenant_id,
                                               const PunchFilter& filter) override;
  Status upsertUser(const UserRecord& user) override;
  Result<std::optional<UserRecord>> findUser(const std::string& tenant_id,
                                             const std::string& user_id) override;
  Result<std::vector<UserRecord>> listUsers(const std::string& tenant_id,
                                            const std::string& after_user_id,
                                            std::size_t limit) override;
  Status deleteUser(const std::string& tenant_id, const std::string& user_id) override;
  Result<std::vector<std::string>> enrolledDevices(const std::string& tenant_id,
                                                   const std::string& user_id) override;
  Status createCommand(const CommandRecord& command) override;
  Status updateCommand(const std::string& site_id,
                       const std::string& command_id,
                       const std::string& state,
                       const std::string& error,
                       const std::string& result) override;
  Result<std::optional<CommandRecord>> findCommand(const std::string& tenant_id,
                                                   const std::string& command_id) override;
  Result<std::vector<CommandRecord>> queuedCommands(std::size_t limit) override;
  Result<std::vector<CommandRecord>> commandsForUser(const std::string& tenant_id,
                                                     const std::string& user_id) override;
  Result<std::int64_t> hitRateLimit(const std::string& key_id, std::int64_t window_start) override;
  Result<IdempotencyClaim> claimIdempotencyKey(const std::string& key_id,
                                               const std::string& idempotency_key,
                                               const std::string& request_hash,
                                               std::int64_t now,
                                               std::int64_t expired_before) override;
  Status finishIdempotencyKey(const std::string& key_id,
                              const std::string& idempotency_key,
                              int http_status,
                              const std::string& response) override;
  Status createWebhookEndpoint(const WebhookEndpoint& endpoint) override;
  Result<std::vector<WebhookEndpoint>> listWebhookEndpoints(const std::string& tenant_id) override;
  Result<std::optional<WebhookEndpoint>> findWebhookEndpoint(const std::string& tenant_id,
                                                             const std::string& id) override;
  Result<WebhookEndpoint> updateWebhookEndpoint(const std::string& tenant_id,
                                                const std::string& id,
                                                const EndpointChanges& changes) override;
  Status deleteWebhookEndpoint(const std::string& tenant_id, const std::string& id) override;
  Result<WebhookEndpoint> rotateWebhookSecret(const std::string& tenant_id,
                                              const std::string& id,
                                              const std::string& new_secret,
                                              std::int64_t previous_expires_ms) override;
  Result<std::vector<ClaimedDelivery>> claimDueDeliveries(
      const std::string& owner,
      std::int64_t now_ms,
      std::int64_t lease_ms,
      std::size_t limit,
      const std::map<std::string, std::size_t>& per_endpoint_capacity,
      std::size_t default_capacity) override;
  Status releaseLeases(const std::string& owner) override;
  Status recordAttempt(const std::string& owner,
                       std::int64_t delivery_id,
                       const DeliveryAttempt& attempt,
                       const AttemptOutcome& outcome,
                       std::int64_t now_ms) override;
  Status disableWebhookEndpoint(const std::string& endpoint_id,
                                const std::string& reason,
                                std::int64_t now_ms) override;
  Result<std::vector<Delivery>> listDeliveries(const std::string& tenant_id,
                                               const std::string& endpoint_id,
                                               const DeliveryFilter& filter) override;
  Result<std::optional<Delivery>> findDelivery(const std::string& tenant_id,
                                               const std::string& endpoint_id,
                                               std::int64_t delivery_id) override;
  Result<Delivery> resendDelivery(const std::string& tenant_id,
                                  const std::string& endpoint_id,
                                  std::int64_t delivery_id,
                                  std::int64_t now_ms) override;
  Result<std::int64_t> recoverDeliveries(const std::string& tenant_id,
                                         const std::string& endpoint_id,
                                         std::int64_t since_ms,
                                         std::int64_t now_ms) override;
  Result<DeliveryCounts> deliveryCounts() override;
  Result<std::int64_t> countPunches(const std::string& tenant_id) override;
  Result<std::int64_t> countQueuedDeliveries(const std::string& tenant_id) override;

 private:
  explicit SqlStore(sql::DatabasePtr db) : db_(std::move(db)) {}

  Status applyMigrations();
  Result<std::int64_t> scalar(const std::string& sql, const std::string& bind);
  Result<std::vector<Device>> queryDevices(const std::string& where,
                                           const std::string& tenant_id,
                                           const std::string& serial);

  // The *Locked helpers and the event queueing run with mutex_ held (inside a transaction for
  // the latter), in sql_store_webhooks.cpp.
  Result<std::optional<WebhookEndpoint>> findEndpointLocked(const std::string& tenant_id,
                                                            const std::string& id);
  // The endpoint, or NotFound.
  Result<WebhookEndpoint> requireEndpointLocked(const std::string& tenant_id,
                                                const std::string& id);
  Result<std::optional<Delivery>> findDeliveryLocked(const std::string& tenant_id,
                                                     const std::string& endpoint_id,
                                                     std::int64_t delivery_id);
  Status loadAttempts(std::vector<Delivery>& deliveries);
  Status queueDeviceEvent(const std::string& tenant_id,
                          const std::string& serial,
                          bool online,
                          UtcSeconds now);
  Status queueCommandEvents(const std::string& command_id);

  std::mutex mutex_;
  sql::DatabasePtr db_;
};

}  // namespace punchlink::relay
