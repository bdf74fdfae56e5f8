// What the relay keeps, as plain values: the rows the store's interfaces take and return. Times
// are UTC with millisecond precision (UtcMillis) everywhere across the store's boundary.
#pragma once

#include <punchlink/common/utc_time.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace punchlink::relay {

struct Tenant {
  std::string id;  // "ten_…"
  std::string name;
  UtcMillis created_at{};
};

struct ApiKeyInfo {
  std::string id;  // "key_…"
  std::string tenant_id;
  std::string prefix;  // first characters of the secret, for recognising it in lists
  std::string mode;    // live | test
  std::string label;
  UtcMillis created_at{};
  std::optional<UtcMillis> revoked_at;
};

struct NewApiKey {
  ApiKeyInfo info;
  std::string secret;  // shown once; only its SHA-256 is stored
};

struct Site {
  std::string id;
  std::string tenant_id;
  UtcMillis created_at{};
};

// A site and what its agent last said of itself (contract::AgentStatus JSON).
struct SiteAgent {
  std::string site_id;
  bool agent_online = false;
  std::string agent_status;  // may be empty
  std::optional<UtcMillis> agent_seen_at;
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
  std::optional<UtcMillis> last_seen;
  UtcMillis created_at{};
  std::string reconciliation{};  // the last comparison of records (JSON), may be empty
};

// A terminal's records against the relay's: the gap, and whether it has been reported.
struct RecordGap {
  std::string reconciliation;      // JSON: terminal_records, relay_records, missing, checked_at
  std::optional<UtcMillis> since;  // when records were first seen missing; none: no gap
  bool notified = false;           // device.records_missing went out for this gap
};

// A terminal as ingest sees it: what its events name it by, and whether it is online.
struct DeviceState {
  std::string site_id;
  std::string name;
  std::string location;
  bool online = false;
};

struct PunchFilter {
  std::optional<UtcMillis> from;  // inclusive
  std::optional<UtcMillis> to;    // exclusive
  std::optional<std::string> user_id;
  std::optional<std::string> device_serial;
  std::int64_t after_seq = 0;  // keyset cursor: rows with a larger seq
  std::size_t limit = 100;
};

// A count for one UTC hour ("2026-03-27T08").
struct HourCount {
  std::string hour;
  std::int64_t count = 0;
};

// Webhook attempts of one UTC hour.
struct HourAttempts {
  std::string hour;  // "2026-03-27T08"
  std::int64_t attempts = 0;
  std::int64_t delivered = 0;  // answered 2xx
  std::optional<double> latency_ms_avg;
};

struct StoredPunch {
  std::int64_t seq = 0;
  std::string event_id;
  std::string device_serial;
  std::string user_id;
  std::string timestamp;
  std::string local_time;
  std::string punch_type;  // empty for states without a name
  std::string method;
  std::string details;  // JSON object, contract::encodePunchDetails
  UtcMillis received_at{};
};

struct UserRecord {
  std::string tenant_id;
  std::string user_id;
  std::string name;
  std::string department;
  std::int64_t card = 0;
  std::int64_t privilege = 0;
  std::int64_t template_count = 0;
  UtcMillis created_at{};
  UtcMillis updated_at{};
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
  UtcMillis created_at{};
  UtcMillis updated_at{};
};

// Where a page of a device's commands (newest first) stopped.
struct CommandPosition {
  UtcMillis created_at{};
  std::string id;
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
  std::string previous_secret;  // still signing until previous_secret_expires
  UtcMillis previous_secret_expires{};
  std::optional<UtcMillis> failing_since;   // empty: the last attempt succeeded (or none yet)
  std::int64_t max_events_per_request = 1;  // above 1: batched delivery
  UtcMillis created_at{};
  UtcMillis updated_at{};
};

struct EndpointChanges {
  std::optional<std::string> url;
  std::optional<std::string> events;
  std::optional<std::string> description;
  std::optional<bool> enabled;
  std::optional<std::int64_t> max_events_per_request;
};

// One HTTP attempt of a delivery, as the delivery log shows it.
struct DeliveryAttempt {
  std::int64_t attempt = 0;  // 1-based
  UtcMillis at{};
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
  std::optional<UtcMillis> next_attempt;  // when a queued delivery is due
  UtcMillis window_start{};               // start of the retry window (reset by resend/recover)
  UtcMillis created_at{};
  std::optional<UtcMillis> delivered_at;
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
  UtcMillis next_attempt{};  // Retry
  std::string reason;        // Failed: why it gave up
};

// An attempt of a leased delivery and what follows from it, to be recorded.
struct AttemptRecord {
  std::int64_t delivery_id = 0;
  std::string endpoint_id;
  DeliveryAttempt attempt;
  AttemptOutcome outcome;
};

struct DeliveryCounts {
  std::int64_t pending = 0;  // queued or being attempted
  std::int64_t failed = 0;
};

// A claimed delivery with its endpoint as of the claim (URL, secrets, failure streak), so an
// attempt needs no further read.
struct ClaimedDelivery {
  Delivery delivery;
  WebhookEndpoint endpoint;
};

// The outcome of presenting an Idempotency-Key.
struct IdempotencyClaim {
  enum class Kind { Claimed, Stored, InProgress, Mismatch };
  Kind kind = Kind::Claimed;  // Claimed: run the request, then finishIdempotencyKey()
  std::string request_hash;
  std::int64_t status = 0;  // Stored: the first response's status and body
  std::string response;
};

}  // namespace punchlink::relay
