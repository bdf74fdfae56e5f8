// The agent's configuration: plain structs with defaults, parsed once from YAML (STYLE.md §6).
// Every key is documented in docs/agent-config.md; packaging/agent.example.yaml shows them all.
#pragma once

#include <punchlink/common/log.hpp>
#include <punchlink/common/result.hpp>
#include <punchlink/common/time_zone.hpp>
#include <punchlink/common/yaml_read.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace punchlink::agent {

struct UplinkConfig {
  std::string broker;  // mqtts://host:port
  std::string client_id;
  std::string username;
  std::string password;  // from `password` or `password_file`
  std::string password_file;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool verify_hostname = true;
  std::size_t batch_size = 100;
  std::chrono::milliseconds batch_delay{200};
  std::chrono::milliseconds ack_timeout{30'000};
  double drain_rate = 200;  // punches per second once a backlog drains
  std::size_t drain_burst = 500;
};

struct OutboxConfig {
  std::string path = "/var/lib/punchlink/outbox.db";
  std::uint64_t max_size = 1ULL << 30U;
  int alarm_percent = 80;
  std::chrono::seconds retention{std::chrono::hours{24 * 7}};
};

struct StatusConfig {
  std::string listen = "127.0.0.1:8787";  // empty: no local status listener
  std::chrono::milliseconds interval{60'000};
};

enum class DeviceMode { Realtime, Poll };

// How the agent reaches a terminal: it connects to ZK binary ones; push ones call the agent.
enum class DeviceProtocol { ZkBinary, Push };

struct DeviceConfig {
  std::string name;
  DeviceProtocol protocol = DeviceProtocol::ZkBinary;
  std::string serial;  // push: the SN it identifies itself with (required)
  std::string host;    // zk: where to connect; push: the only address it may call from (optional)
  std::uint16_t port = 4370;
  std::string transport = "tcp";
  std::uint32_t comm_key = 0;
  std::string time_zone = "UTC";
  DeviceMode mode = DeviceMode::Realtime;
  std::chrono::milliseconds poll_interval{60'000};
  std::chrono::milliseconds resync_interval{std::chrono::hours{1}};
  std::chrono::milliseconds timeout{5'000};
};

// The iclock listener push terminals call (shared/reference/adms-push.md).
struct PushConfig {
  std::string listen = "0.0.0.0:8081";
  // Serve serials that are not configured, as terminals named after their serial (discovery).
  bool accept_unknown = false;
  std::string unknown_time_zone = "UTC";
  std::chrono::seconds delay{10};        // between getrequest polls, told to the terminals
  std::chrono::seconds error_delay{30};  // before a terminal retries a refused request
  std::chrono::milliseconds offline_after{60'000};    // no request for this long: offline
  std::chrono::milliseconds command_timeout{60'000};  // no result: send again
  int command_attempts = 5;                           // sends before a command fails
  std::uint64_t max_body = 16ULL << 20U;              // larger uploads get 413
};

struct AgentConfig {
  int schema_version = 1;
  std::string site_id;
  LogLevel log_level = LogLevel::Info;
  UplinkConfig uplink;
  OutboxConfig outbox;
  StatusConfig status;
  std::chrono::milliseconds command_expiry{std::chrono::hours{24}};
  PushConfig push;
  std::vector<DeviceConfig> devices;

  // The listener runs when a push terminal is configured or unknown ones are accepted.
  bool servesPush() const;
};

// The device's zone; config loading has checked the name, so this never fails for a loaded config.
TimeZone deviceZone(const DeviceConfig& device);

// Parses and validates; errors carry file:line:col and the key path. Reads password_file.
Result<AgentConfig> loadAgentConfig(const std::string& path);
Result<AgentConfig> parseAgentConfig(const config::YamlDocument& doc);

// The effective configuration as YAML, with secrets replaced by "<redacted>".
std::string describeAgentConfig(const AgentConfig& config);

}  // namespace punchlink::agent
