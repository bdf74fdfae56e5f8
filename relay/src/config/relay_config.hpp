// The relay's configuration: plain structs parsed once from YAML (docs/relay-config.md).
#pragma once

#include <punchlink/common/log.hpp>
#include <punchlink/common/result.hpp>
#include <punchlink/common/yaml_read.hpp>

#include <chrono>
#include <string>

namespace punchlink::relay {

struct BrokerConfig {
  std::string url;  // mqtts://host:port
  std::string client_id = "punchlink-relay";
  std::string username;
  std::string password;
  std::string password_file;
  std::string ca_file;
  bool verify_hostname = true;
  // MQTT 5 shared-subscription group: relay nodes in one group split the agents' batches.
  std::string share_group = "punchlink-relay";
};

struct HttpConfig {
  std::string listen = "127.0.0.1:8080";
  // Set: /healthz and /metrics are served here (plain HTTP) and no longer on `listen`.
  std::string admin_listen;
  // PEM certificate chain and private key: both set serves HTTPS instead of HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  int rate_limit_per_minute = 100;  // per API key
  // Guards against clients that hold connections open (docs/security.md "HTTP listeners"):
  // requests served at once, connections at once from one address (IPv6: per /64), and the
  // longest a connection may stay open; while every thread is taken, how long a connection
  // may take to deliver a request before it is cut to make room.
  int threads = 64;
  int connections_per_address = 8;
  std::chrono::milliseconds connection_deadline{30'000};
  std::chrono::milliseconds busy_grace{1'000};
};

// Webhook delivery (docs/relay.md "Webhooks"). Durations are short in tests so the whole retry
// schedule runs in seconds.
struct WebhookConfig {
  std::size_t workers = 32;
  std::size_t per_endpoint_concurrency = 2;       // in flight per endpoint to start with
  std::size_t per_endpoint_max_concurrency = 16;  // grown to while its receiver answers fast
  std::chrono::milliseconds attempt_timeout{15'000};
  std::chrono::milliseconds initial_retry_delay{1'000};
  std::chrono::milliseconds max_retry_delay{std::chrono::hours{1}};
  std::chrono::milliseconds max_age{std::chrono::hours{72}};
  std::chrono::milliseconds disable_after{std::chrono::hours{120}};
  std::chrono::seconds rotation_overlap{std::chrono::hours{24}};
  std::chrono::milliseconds poll_interval{500};
  bool allow_http = false;
  bool allow_private_networks = false;
  std::string ca_file;  // CA bundle receivers' certificates must chain to; empty: system store
};

// Per-tenant caps: what one tenant can make the relay keep (docs/security.md).
struct LimitsConfig {
  std::size_t webhook_endpoints_per_tenant = 20;
  std::size_t api_keys_per_tenant = 10;  // active ones
};

// Terminals (docs/relay.md "Devices"): how long records may be missing before
// device.records_missing goes out, and how recent a comparison clear_attendance needs; how long a
// command may wait for its terminal before it fails.
struct DevicesConfig {
  std::chrono::milliseconds gap_alert_after{std::chrono::minutes{10}};
  std::chrono::milliseconds clear_check_max_age{std::chrono::minutes{15}};
  std::chrono::milliseconds command_max_age{std::chrono::hours{24}};
};

// The operator console (docs/console.md): served at /console/ on the API listener.
struct ConsoleConfig {
  bool enabled = true;
  std::chrono::milliseconds session_lifetime{std::chrono::hours{12}};
  std::chrono::milliseconds idle_timeout{std::chrono::minutes{30}};
  int streams_per_tenant = 4;  // open /v1/stream answers per tenant on each node
};

struct RelayConfig {
  int schema_version = 1;
  LogLevel log_level = LogLevel::Info;
  std::string storage = "/var/lib/punchlink/relay.db";
  // PostgreSQL: connections this node opens (SQLite has one).
  std::size_t storage_connections = 4;
  HttpConfig http;
  BrokerConfig broker;
  WebhookConfig webhooks;
  LimitsConfig limits;
  DevicesConfig devices;
  ConsoleConfig console;
};

// Parses and validates; errors carry file:line:col and the key path. Reads password_file.
Result<RelayConfig> loadRelayConfig(const std::string& path);
Result<RelayConfig> parseRelayConfig(const config::YamlDocument& doc);

}  // namespace punchlink::relay
