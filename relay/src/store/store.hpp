// Store: everything the relay keeps. One interface, so handlers and ingest never see SQL.
// SqlStore implements it on SQLite (the default) and on PostgreSQL (several relay nodes).
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/punch_batch.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace punchlink::relay {

struct Tenant {
  std::string id;  // "ten_…"
  std::string name;
  std::string created_at;
};

struct ApiKeyInfo {
  std::string id;  // "key_…"
  std::string tenant_id;
  std::string prefix;  // first characters of the secret, for recognising it in lists
  std::string mode;    // live | test
  std::string label;
  std::string created_at;
  std::optional<std::string> revoked_at;
};

struct NewApiKey {
  ApiKeyInfo info;
  std::string secret;  // shown once; only its SHA-256 is stored
};

struct Site {
  std::string id;
  std::string tenant_id;
  std::string created_at;
};

struct Device {
  std::string serial;
  std::string tenant_id;
  std::string site_id;
  std::string name;
  std::string location;
  std::string registration;  // registered | pending
  std::string status_json;   // the agent's last status message, may be empty
  bool online = false;
  std::string last_seen;
  std::string created_at;
};

struct PunchFilter {
  std::optional<std::string> from;  // RFC 3339, inclusive
  std::optional<std::string> to;    // RFC 3339, exclusive
  std::optional<std::string> user_id;
  std::optional<std::string> device_serial;
  std::int64_t after_seq = 0;  // keyset cursor: rows with a larger seq
  std::size_t limit = 100;
};

struct StoredPunch {
  std::int64_t seq = 0;
  std::string payload;  // the punch as the agent sent it
  std::string received_at;
};

struct UserRecord {
  std::string tenant_id;
  std::string user_id;
  std::string name;
  std::string department;
  std::int64_t card = 0;
  std::int64_t privilege = 0;
  std::int64_t template_count = 0;
  std::string created_at;
  std::string updated_at;
};

// A command sent to a terminal through its site's agent: queued → sent → succeeded | failed.
struct CommandRecord {
  std::string id;  // "cmd_…"
  std::string tenant_id;
  std::string site_id;
  std::string device_serial;
  std::string type;
  std::string user_id;  // the user it concerns, if any
  std::string payload;  // the command message as published
  std::string state;
  std::string error;
  std::string result;  // JSON from the agent, may be empty
  std::string created_at;
  std::string updated_at;
};

// A webhook endpoint of a tenant. `events` is a JSON array of event types (empty: all).
struct WebhookEndpoint {
  std::string id;  // "whk_…"
  std::string tenant_id;
  std::string url;
  std::string description;
  std::string events = "[]";
  bool enabled = true;
  std::string disabled_reason;
  std::string secret;           // "whsec_…"
  std::string previous_secret;  // still signing until previous_secret_expires_ms
  std::int64_t previous_secret_expires_ms = 0;
  std::int64_t failing_since_ms = 0;  // 0: the last attempt succeeded (or none yet)
  std::string created_at;
  std::string updated_at;
};

struct EndpointChanges {
  std::optional<std::string> url;
  std::optional<std::string> events;
  std::optional<std::string> description;
  std::optional<bool> enabled;
};

// One HTTP attempt of a delivery, as the delivery log shows it.
struct DeliveryAttempt {
  std::int64_t attempt = 0;      // 1-based
  std::string at;                // RFC 3339 with milliseconds
  std::int64_t status_code = 0;  // 0: no HTTP response (refused, timeout, TLS error)
  std::int64_t latency_ms = 0;
  std::string error;
  std::string response_excerpt;
};

// A webhook delivery: one event to one endpoint. state: queued | delivering | delivered | failed.
struct Delivery {
  std::int64_t id = 0;
  std::string tenant_id;
  std::string endpoint_id;
  std::string event_id;
  std::string event_type;
  std::string body;
  std::string state;
  std::int64_t attempt_count = 0;
  std::int64_t due_ms = 0;
  std::int64_t created_ms = 0;  // start of the retry window (reset by resend/recover)
  std::string created_at;
  std::string delivered_at;
  std::string last_error;
  std::vector<DeliveryAttempt> attempts;  // filled by the delivery-log queries only
};

struct DeliveryFilter {
  std::optional<std::string> status;  // pending | delivered | failed
  std::optional<std::string> event_id;
  std::int64_t after_id = 0;
  std::size_t limit = 100;
};

// What a dispatcher does with a delivery after an attempt.
struct AttemptOutcome {
  enum class Kind { Delivered, Retry, Failed };
  Kind kind = Kind::Retry;
  std::int64_t next_due_ms = 0;  // Retry
  std::string reason;            // Failed: why it gave up
};

struct DeliveryCounts {
  std::int64_t pending = 0;  // queued or being attempted
  std::int64_t failed = 0;
};

// The outcome of presenting an Idempotency-Key.
struct IdempotencyClaim {
  enum class Kind { Claimed, Stored, InProgress, Mismatch };
  Kind kind = Kind::Claimed;  // Claimed: run the request, then finishIdempotencyKey()
  std::string request_hash;
  std::int64_t status = 0;  // Stored: the first response's status and body
  std::string response;
};

struct IngestOutcome {
  std::vector<std::string> acked;  // committed now or before
  std::vector<contract::RejectedPunch> rejected;
  std::size_t stored_new = 0;
  std::size_t deliveries_queued = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Applies pending schema migrations; idempotent.
  virtual Status migrate() = 0;

  virtual Result<Tenant> createTenant(const std::string& name) = 0;
  virtual Result<std::vector<Tenant>> listTenants() = 0;
  virtual Result<std::optional<Tenant>> findTenant(const std::string& id) = 0;

  virtual Result<NewApiKey> createApiKey(const std::string& tenant_id,
                                         bool live,
                                         const std::string& label) = 0;
  virtual Result<std::vector<ApiKeyInfo>> listApiKeys(const std::string& tenant_id) = 0;
  virtual Status revokeApiKey(const std::string& key_id) = 0;
  // The key for a presented secret, if it exists and is not revoked.
  virtual Result<std::optional<ApiKeyInfo>> authenticate(const std::string& secret) = 0;

  virtual Result<Site> createSite(const std::string& tenant_id, const std::string& site_id) = 0;
  virtual Result<std::optional<Site>> findSite(const std::string& site_id) = 0;

  // In ONE transaction: stores the batch's new punches (idempotent by event_id), registers
  // unknown devices as pending, and queues the webhook deliveries the new punches cause.
  // Punches of devices that belong to another tenant are rejected.
  virtual Result<IngestOutcome> ingest(const Site& site,
                                       const contract::PunchBatch& batch,
                                       UtcSeconds now) = 0;

  // The site's agent came online or went away (its last will). When it goes, its terminals are
  // marked offline (each with its offline event), since nothing reports on them any more.
  virtual Status recordAgentStatus(const Site& site,
                                   const std::string& status_json,
                                   bool online,
                                   UtcSeconds now) = 0;

  virtual Status recordDeviceStatus(const Site& site,
                                    const std::string& serial,
                                    const std::string& status_json,
                                    bool online,
                                    UtcSeconds now) = 0;

  // Devices are always looked up within a tenant: another tenant's device is "not found".
  virtual Result<Device> registerDevice(const std::string& tenant_id,
                                        const std::string& serial,
                                        const std::string& name,
                                        const std::string& location) = 0;
  virtual Result<std::vector<Device>> listDevices(const std::string& tenant_id) = 0;
  virtual Result<std::optional<Device>> findDevice(const std::string& tenant_id,
                                                   const std::string& serial) = 0;
  virtual Result<Device> updateDevice(const std::string& tenant_id,
                                      const std::string& serial,
                                      const std::optional<std::string>& name,
                                      const std::optional<std::string>& location) = 0;
  virtual Status deleteDevice(const std::string& tenant_id, const std::string& serial) = 0;

  // Punches in insertion order (seq), filtered; `limit + 1` rows tell whether more follow.
  virtual Result<std::vector<StoredPunch>> listPunches(const std::string& tenant_id,
                                                       const PunchFilter& filter) = 0;

  virtual Status upsertUser(const UserRecord& user) = 0;
  virtual Result<std::optional<UserRecord>> findUser(const std::string& tenant_id,
                                                     const std::string& user_id) = 0;

  // Users in user_id order after `after_user_id`; `limit + 1` rows tell whether more follow.
  virtual Result<std::vector<UserRecord>> listUsers(const std::string& tenant_id,
                                                    const std::string& after_user_id,
                                                    std::size_t limit) = 0;
  virtual Status deleteUser(const std::string& tenant_id, const std::string& user_id) = 0;
  // Devices the user was (or is being) enrolled on: enroll commands that did not fail, minus
  // devices a later delete succeeded on.
  virtual Result<std::vector<std::string>> enrolledDevices(const std::string& tenant_id,
                                                           const std::string& user_id) = 0;

  virtual Status createCommand(const CommandRecord& command) = 0;
  // Moves a command of `site_id` to `state` unless it is final already (results may arrive late
  // or twice).
  virtual Status updateCommand(const std::string& site_id,
                               const std::string& command_id,
                               const std::string& state,
                               const std::string& error,
                               const std::string& result) = 0;
  virtual Result<std::optional<CommandRecord>> findCommand(const std::string& tenant_id,
                                                           const std::string& command_id) = 0;
  // Commands of every tenant still "queued" (never handed to the broker), oldest first.
  virtual Result<std::vector<CommandRecord>> queuedCommands(std::size_t limit) = 0;
  virtual Result<std::vector<CommandRecord>> commandsForUser(const std::string& tenant_id,
                                                             const std::string& user_id) = 0;

  // Counts a request of `key_id` in the fixed window starting at `window_start` (unix seconds)
  // and returns the window's count so far. In the database, so every relay node shares it.
  virtual Result<std::int64_t> hitRateLimit(const std::string& key_id,
                                            std::int64_t window_start) = 0;

  // Claims an Idempotency-Key for a request (hash of method, path and body), or reports the
  // stored first response, a request still running, or a different request under the same key.
  // Keys created before `expired_before` (unix seconds) are forgotten.
  virtual Result<IdempotencyClaim> claimIdempotencyKey(const std::string& key_id,
                                                       const std::string& idempotency_key,
                                                       const std::string& request_hash,
                                                       std::int64_t now,
                                                       std::int64_t expired_before) = 0;
  virtual Status finishIdempotencyKey(const std::string& key_id,
                                      const std::string& idempotency_key,
                                      int http_status,
                                      const std::string& response) = 0;

  // ---- Webhook endpoints (always within a tenant) ----
  virtual Status createWebhookEndpoint(const WebhookEndpoint& endpoint) = 0;
  virtual Result<std::vector<WebhookEndpoint>> listWebhookEndpoints(
      const std::string& tenant_id) = 0;
  virtual Result<std::optional<WebhookEndpoint>> findWebhookEndpoint(const std::string& tenant_id,
                                                                     const std::string& id) = 0;
  // Enabling an endpoint clears its disabled reason and failure streak.
  virtual Result<WebhookEndpoint> updateWebhookEndpoint(const std::string& tenant_id,
                                                        const std::string& id,
                                                        const EndpointChanges& changes) = 0;
  // Removes the endpoint with its deliveries and their attempts.
  virtual Status deleteWebhookEndpoint(const std::string& tenant_id, const std::string& id) = 0;
  // The new secret signs from now on; the old one keeps signing until `previous_expires_ms`.
  virtual Result<WebhookEndpoint> rotateWebhookSecret(const std::string& tenant_id,
                                                      const std::string& id,
                                                      const std::string& new_secret,
                                                      std::int64_t previous_expires_ms) = 0;

  // ---- Webhook deliveries (the dispatcher's side; any tenant) ----
  // A claimed delivery with its endpoint as of the claim (URL, secrets, failure streak), so an
  // attempt needs no further read.
  struct ClaimedDelivery {
    Delivery delivery;
    WebhookEndpoint endpoint;
  };

  // Marks up to `limit` due deliveries of enabled endpoints as `delivering`, leased to `owner`
  // until `now_ms + lease_ms`, at most `per_endpoint[endpoint] ` (or `default_capacity` for
  // endpoints not listed) for each endpoint; a lapsed lease (a crashed node) is due again.
  virtual Result<std::vector<ClaimedDelivery>> claimDueDeliveries(
      const std::string& owner,
      std::int64_t now_ms,
      std::int64_t lease_ms,
      std::size_t limit,
      const std::map<std::string, std::size_t>& per_endpoint_capacity,
      std::size_t default_capacity) = 0;
  // Returns `owner`'s leases to the queue (at start-up after a crash: nothing is lost).
  virtual Status releaseLeases(const std::string& owner) = 0;
  // Appends the attempt to the delivery's log and applies the outcome; updates the endpoint's
  // failure streak (failing_since_ms) from the attempt. Conflict if `owner` no longer holds the
  // delivery's lease (it lapsed and another node took it): then nothing is written.
  virtual Status recordAttempt(const std::string& owner,
                               std::int64_t delivery_id,
                               const DeliveryAttempt& attempt,
                               const AttemptOutcome& outcome,
                               std::int64_t now_ms) = 0;
  // An endpoint the dispatcher gives up on (410 Gone, failing too long): disabled with the
  // reason, and an endpoint-disabled event recorded.
  virtual Status disableWebhookEndpoint(const std::string& endpoint_id,
                                        const std::string& reason,
                                        std::int64_t now_ms) = 0;

  // ---- Delivery log (within a tenant) ----
  virtual Result<std::vector<Delivery>> listDeliveries(const std::string& tenant_id,
                                                       const std::string& endpoint_id,
                                                       const DeliveryFilter& filter) = 0;
  virtual Result<std::optional<Delivery>> findDelivery(const std::string& tenant_id,
                                                       const std::string& endpoint_id,
                                                       std::int64_t delivery_id) = 0;
  // Queues a delivery again now, with a fresh retry window; its event id and body stay.
  virtual Result<Delivery> resendDelivery(const std::string& tenant_id,
                                          const std::string& endpoint_id,
                                          std::int64_t delivery_id,
                                          std::int64_t now_ms) = 0;
  // Queues again every failed delivery of the endpoint created at or after `since_ms`.
  virtual Result<std::int64_t> recoverDeliveries(const std::string& tenant_id,
                                                 const std::string& endpoint_id,
                                                 std::int64_t since_ms,
                                                 std::int64_t now_ms) = 0;
  virtual Result<DeliveryCounts> deliveryCounts() = 0;

  virtual Result<std::int64_t> countPunches(const std::string& tenant_id) = 0;
  virtual Result<std::int64_t> countQueuedDeliveries(const std::string& tenant_id) = 0;
};

using StorePtr = std::unique_ptr<Store>;

// "postgres://…" (libpq URI), "sqlite:/path/to/relay.db" or a plain path.
Result<StorePtr> openStore(const std::string& location);

}  // namespace punchlink::relay
