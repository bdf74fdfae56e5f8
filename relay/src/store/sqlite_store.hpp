// The SQLite implementation of Store (WAL, synchronous=FULL). One connection guarded by a mutex:
// SQLite serialises writers anyway, and the relay's write rate fits one connection.
#pragma once

#include "store/store.hpp"

#include <punchlink/common/sqlite_db.hpp>

#include <mutex>

namespace punchlink::relay {

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path);

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
  Result<IngestOutcome> ingest(const Site& site, const PunchBatch& batch, UtcSeconds now) override;
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
  Result<std::int64_t> countPunches(const std::string& tenant_id) override;
  Result<std::int64_t> countQueuedDeliveries(const std::string& tenant_id) override;

 private:
  explicit SqliteStore(sqlite::Database db) : db_(std::move(db)) {}

  Result<std::int64_t> scalar(const std::string& sql, const std::string& bind);
  Result<std::vector<Device>> queryDevices(const std::string& where,
                                           const std::string& tenant_id,
                                           const std::string& serial);

  std::mutex mutex_;
  sqlite::Database db_;
};

// The webhook body of an attendance punch, exactly as DESIGN.md lays it out (compact JSON, keys
// in order, optional fields omitted when unknown).
std::string attendanceWebhookBody(const IncomingPunch& punch,
                                  const std::string& device_name,
                                  const std::string& device_location,
                                  const std::string& user_name);

}  // namespace punchlink::relay
