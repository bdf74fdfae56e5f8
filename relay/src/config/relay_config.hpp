// The relay's configuration: plain structs parsed once from YAML (docs/relay-config.md).
#pragma once

#include <punchlink/common/log.hpp>
#include <punchlink/common/result.hpp>

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
  // PEM certificate chain and private key: both set serves HTTPS instead of HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  int rate_limit_per_minute = 100;  // per API key
};

struct RelayConfig {
  int schema_version = 1;
  LogLevel log_level = LogLevel::Info;
  std::string storage = "/var/lib/punchlink/relay.db";
  HttpConfig http;
  BrokerConfig broker;
};

Result<RelayConfig> loadRelayConfig(const std::string& path);

}  // namespace punchlink::relay
