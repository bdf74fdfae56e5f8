// The agent's configuration: plain structs with defaults, parsed once from YAML (STYLE.md §6).
// Every key is documented in docs/agent-config.md; packaging/agent.example.yaml shows them all.
#pragma once

#include <punchlink/common/log.hpp>
#include <punchlink/common/result.hpp>
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

struct DeviceConfig {
  std::string name;
  std::string host;
  std::uint16_t port = 4370;
  std::string transport = "tcp";
  std::uint32_t comm_key = 0;
  std::string time_zone = "UTC";
  DeviceMode mode = DeviceMode::Realtime;
  std::chrono::milliseconds poll_interval{60'000};
  std::chrono::milliseconds resync_interval{std::chrono::hours{1}};
  std::chrono::milliseconds timeout{5'000};
};

struct AgentConfig {
  int schema_version = 1;
  std::string site_id;
  LogLevel log_level = LogLevel::Info;
  UplinkConfig uplink;
  OutboxConfig outbox;
  StatusConfig status;
  std::chrono::milliseconds command_expiry{std::chrono::hours{24}};
  std::vector<DeviceConfig> devices;
};

// Parses and validates; errors carry file:line:col and the key path. Reads password_file.
Result<AgentConfig> loadAgentConfig(const std::string& path);
Result<AgentConfig> parseAgentConfig(const config::YamlDocument& doc);

// The effective configuration as YAML, with secrets replaced by "<redacted>".
std::string describeAgentConfig(const AgentConfig& config);

}  // namespace punchlink::agent
