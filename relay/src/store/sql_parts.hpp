// The SQL store's parts, one per interface, each over the shared SqlContext. Declared together
// for the composition (sql_store.cpp); each is implemented in its own sql_*.cpp.
#pragma once

#include "store/api_guard_store.hpp"
#include "store/command_log.hpp"
#include "store/console_sessions.hpp"
#include "store/delivery_queue.hpp"
#include "store/device_event_log.hpp"
#include "store/device_registry.hpp"
#include "store/event_outbox.hpp"
#include "store/punch_ledger.hpp"
#include "store/sql_context.hpp"
#include "store/tenants.hpp"
#include "store/user_directory.hpp"
#include "store/webhook_endpoints.hpp"

#include <punchlink/common/clock.hpp>

namespace punchlink::relay {

class SqlTenants final : public Tenants {
 public:
  SqlTenants(SqlContext& sql, const Clock& clock) : sql_(sql), clock_(clock) {}

  // Tenants
  Result<Tenant> createTenant(const std::string& name) override;
  Result<std::vector<Tenant>> listTenants() override;
  Result<std::optional<Tenant>> findTenant(const std::string& id) override;
  Result<Site> createSite(const std::string& tenant_id, const std::string& site_id) override;
  Result<std::optional<Site>> findSite(const std::string& site_id) override;
  Result<std::vector<SiteAgent>> listSites(const std::string& tenant_id) override;
  Status recordAgentStatus(const Site& site,
                           const std::string& status_json,
                           bool online,
                           UtcMillis now) override;

 private:
  SqlContext& sql_;
  const Clock& clock_;
};

class SqlApiKeys final : public ApiKeys {
 public:
  explicit SqlApiKeys(SqlContext& sql) : sql_(sql) {}

  // ApiKeys
  Status createApiKey(const NewApiKey& key, const std::string& secret_hash) override;
  Result<std::vector<ApiKeyInfo>> listApiKeys(const std::string& tenant_id) override;
  Status revokeApiKey(const std::string& key_id, UtcMillis now) override;
  Result<std::optional<ApiKeyInfo>> findActiveKey(const std::string& secret_hash) override;
  Result<std::optional<ApiKeyInfo>> findActiveKeyById(const std::string& key_id) override;

 private:
  SqlContext& sql_;
};

class SqlDevices final : public DeviceRegistry, public DeviceSightings {
 public:
  SqlDevices(SqlContext& sql, const Clock& clock) : sql_(sql), clock_(clock) {}

  // DeviceRegistry
  Result<Device> registerDevice(const std::string& tenant_id,
                                const std::string& serial,
                                const std::string& name,
                                const std::string& location) override;
  Result<std::vector<Device>> listDevices(const std::string& tenant_id) override;
  Result<std::optional<Device>> findDevice(const std::string& tenant_id,
                                           const std::string& serial) override;
  Result<Device> updateDevice(const std::string& tenant_id,
                              const std::string& serial,
                              const DeviceChanges& changes) override;
  Status deleteDevice(const std::string& tenant_id, const std::string& serial) override;

  // DeviceSightings
  Result<std::optional<DeviceState>> find(const std::string& tenant_id,
                                          const std::string& serial,
                                          bool for_update) override;
  Result<bool> addPending(const Site& site,
                          const std::string& serial,
                          const std::string& name,
                          UtcMillis now) override;
  Status recordStatus(const Site& site,
                      const std::string& serial,
                      const std::string& status_json,
                      const std::string& name,
                      bool online,
                      UtcMillis now) override;
  Result<RecordGap> recordGap(const std::string& tenant_id, const std::string& serial) override;
  Status storeRecordGap(const std::string& tenant_id,
                        const std::string& serial,
                        const RecordGap& gap) override;
  Result<std::vector<std::string>> onlineAtSite(const Site& site) override;
  Result<bool> markOffline(const std::string& tenant_id, const std::string& serial) override;

 private:
  Result<std::vector<Device>> query(sql::Database& db,
                                    const std::string& tenant_id,
                                    const std::optional<std::string>& serial);

  SqlContext& sql_;
  const Clock& clock_;
};

class SqlConsoleSessions final : public ConsoleSessions {
 public:
  explicit SqlConsoleSessions(SqlContext& sql) : sql_(sql) {}

  // ConsoleSessions
  Status createSession(const ConsoleSession& session) override;
  Result<std::optional<ConsoleSession>> findSession(const std::string& id_hash) override;
  Status touchSession(const std::string& id_hash, UtcMillis now) override;
  Status deleteSession(const std::string& id_hash) override;
  Result<std::int64_t> deleteEndedSessions(UtcMillis now, UtcMillis idle_before) override;
  Result<std::int64_t> trimSessions(const std::string& key_id, std::int64_t keep) override;

 private:
  SqlContext& sql_;
};

class SqlDeviceEvents final : public DeviceEventLog {
 public:
  explicit SqlDeviceEvents(SqlContext& sql) : sql_(sql) {}

  // DeviceEventLog
  Result<bool> appendEvent(const Site& site,
                           const DeviceEventRow& event,
                           UtcMillis received_at) override;
  Result<std::vector<StoredDeviceEvent>> listEvents(const std::string& tenant_id,
                                                    const DeviceEventFilter& filter) override;
  Result<std::int64_t> latestSeq(const std::string& tenant_id) override;

 private:
  SqlContext& sql_;
};

class SqlPunches final : public PunchLedger {
 public:
  explicit SqlPunches(SqlContext& sql) : sql_(sql) {}

  // PunchLedger
  Result<bool> appendPunch(const Site& site,
                           const contract::ReceivedPunch& punch,
                           UtcMillis received_at) override;
  Result<std::vector<StoredPunch>> listPunches(const std::string& tenant_id,
                                               const PunchFilter& filter) override;
  Result<std::int64_t> countPunches(const std::string& tenant_id) override;
  Result<std::int64_t> latestSeq(const std::string& tenant_id) override;
  Result<std::vector<HourCount>> countByHour(const std::string& tenant_id,
                                             UtcMillis from,
                                             UtcMillis to) override;
  Result<std::int64_t> countDevicePunches(const std::string& tenant_id,
                                          const std::string& serial,
                                          const std::string& local_from,
                                          const std::string& local_to) override;

 private:
  SqlContext& sql_;
};

class SqlUsers final : public UserDirectory {
 public:
  explicit SqlUsers(SqlContext& sql) : sql_(sql) {}

  // UserDirectory
  Status upsertUser(const UserRecord& user, UtcMillis now) override;
  Result<std::optional<UserRecord>> findUser(const std::string& tenant_id,
                                             const std::string& user_id) override;
  Result<std::vector<UserRecord>> listUsers(const std::string& tenant_id,
                                            const std::string& after_user_id,
                                            std::size_t limit) override;
  Status deleteUser(const std::string& tenant_id, const std::string& user_id) override;

 private:
  SqlContext& sql_;
};

class SqlCommands final : public CommandLog {
 public:
  explicit SqlCommands(SqlContext& sql) : sql_(sql) {}

  // CommandLog
  Status createCommand(const CommandRecord& command) override;
  Result<std::optional<CommandRecord>> transitionCommand(const std::string& site_id,
                                                         const std::string& command_id,
                                                         const std::string& state,
                                                         const std::string& error,
                                                         const std::string& result,
                                                         UtcMillis now) override;
  Status storeRedactedPayload(const std::string& command_id, const std::string& payload) override;
  Result<std::vector<CommandRecord>> unredactedFinished(std::size_t limit) override;
  Result<std::optional<CommandRecord>> findCommand(const std::string& tenant_id,
                                                   const std::string& command_id) override;
  Result<std::vector<CommandRecord>> queuedCommands(std::size_t limit) override;
  Result<std::vector<CommandRecord>> unansweredCommands(UtcMillis created_before,
                                                        std::size_t limit) override;
  Result<std::vector<CommandRecord>> deviceCommands(const std::string& tenant_id,
                                                    const std::string& serial,
                                                    const std::optional<CommandPosition>& before,
                                                    std::size_t limit) override;
  Result<std::vector<CommandRecord>> commandsForUser(const std::string& tenant_id,
                                                     const std::string& user_id) override;
  Result<std::vector<std::string>> enrolledDevices(const std::string& tenant_id,
                                                   const std::string& user_id,
                                                   const std::vector<std::string>& writes,
                                                   const std::string& removal) override;

 private:
  SqlContext& sql_;
};

class SqlApiGuard final : public ApiGuardStore {
 public:
  explicit SqlApiGuard(SqlContext& sql) : sql_(sql) {}

  // ApiGuardStore
  Result<std::vector<std::int64_t>> addRateLimitHits(std::span<const RateLimitHits> hits) override;
  Result<IdempotencyClaim> claimIdempotencyKey(const std::string& key_id,
                                               const std::string& idempotency_key,
                                               const std::string& request_hash,
                                               UtcMillis now,
                                               UtcMillis expired_before) override;
  Status finishIdempotencyKey(const std::string& key_id,
                              const std::string& idempotency_key,
                              int http_status,
                              const std::string& response) override;

 private:
  SqlContext& sql_;
};

class SqlWebhookEndpoints final : public WebhookEndpoints {
 public:
  explicit SqlWebhookEndpoints(SqlContext& sql) : sql_(sql) {}

  // WebhookEndpoints
  Status createEndpoint(const WebhookEndpoint& endpoint) override;
  Result<bool> createEndpointWithin(const WebhookEndpoint& endpoint,
                                    std::size_t max_per_tenant) override;
  Result<std::vector<WebhookEndpoint>> listEndpoints(const std::string& tenant_id) override;
  Result<std::optional<WebhookEndpoint>> findEndpoint(const std::string& tenant_id,
                                                      const std::string& id) override;
  Result<WebhookEndpoint> updateEndpoint(const std::string& tenant_id,
                                         const std::string& id,
                                         const EndpointChanges& changes,
                                         UtcMillis now) override;
  Status deleteEndpoint(const std::string& tenant_id, const std::string& id) override;
  Result<WebhookEndpoint> rotateSecret(const std::string& tenant_id,
                                       const std::string& id,
                                       const std::string& new_secret,
                                       UtcMillis previous_expires,
                                       UtcMillis now) override;
  Result<std::optional<WebhookEndpoint>> disableEndpoint(const std::string& endpoint_id,
                                                         const std::string& reason,
                                                         UtcMillis now) override;

 private:
  SqlContext& sql_;
};

class SqlDeliveries final : public DeliveryQueue, public DeliveryLog {
 public:
  explicit SqlDeliveries(SqlContext& sql) : sql_(sql) {}

  // DeliveryQueue
  Result<std::vector<ClaimedDelivery>> claimDue(
      const std::string& owner,
      UtcMillis now,
      std::chrono::milliseconds lease,
      std::size_t limit,
      const std::map<std::string, std::size_t>& per_endpoint_capacity,
      std::size_t default_capacity) override;
  Status releaseLeases(const std::string& owner) override;
  Result<std::vector<Status>> recordAttempts(const std::string& owner,
                                             const std::vector<AttemptRecord>& records,
                                             UtcMillis now) override;
  Result<DeliveryCounts> counts() override;

  // DeliveryLog
  Result<std::vector<Delivery>> listDeliveries(const std::string& tenant_id,
                                               const std::string& endpoint_id,
                                               const DeliveryFilter& filter) override;
  Result<std::optional<Delivery>> findDelivery(const std::string& tenant_id,
                                               const std::string& endpoint_id,
                                               std::int64_t delivery_id) override;
  Result<Delivery> resendDelivery(const std::string& tenant_id,
                                  const std::string& endpoint_id,
                                  std::int64_t delivery_id,
                                  UtcMillis now) override;
  Result<std::int64_t> recoverDeliveries(const std::string& tenant_id,
                                         const std::string& endpoint_id,
                                         UtcMillis since,
                                         UtcMillis now) override;
  Result<std::int64_t> countDeliveries(const std::string& tenant_id) override;
  Result<std::vector<HourAttempts>> attemptsByHour(const std::string& tenant_id,
                                                   const std::string& endpoint_id,
                                                   UtcMillis since) override;

 private:
  Result<std::vector<Status>> recordInTransaction(const std::string& owner,
                                                  const std::vector<AttemptRecord>& records,
                                                  UtcMillis now);
  // PostgreSQL: vacuums the deliveries table after every kVacuumEvery outcomes recorded.
  void vacuumWhenDue(std::size_t recorded);

  SqlContext& sql_;
  std::atomic<std::size_t> recorded_since_vacuum_{0};
  std::size_t turn_ = 0;  // rotates which endpoint claimDue() serves first
};

class SqlEventOutbox final : public EventOutbox {
 public:
  explicit SqlEventOutbox(SqlContext& sql) : sql_(sql) {}

  // EventOutbox
  Result<EventFanoutPtr> fanout(const std::string& tenant_id, events::EventType type) override;
  Result<std::size_t> record(const std::string& tenant_id,
                             const events::Event& event,
                             UtcMillis now) override;

 private:
  SqlContext& sql_;
};

}  // namespace punchlink::relay
