#include "relay_config.hpp"

#include <punchlink/common/password_file.hpp>
#include <punchlink/common/yaml_read.hpp>

#include <fstream>

namespace punchlink::relay {

namespace {

using config::YamlMap;

RelayConfig readConfig(YamlMap& root) {
  RelayConfig config;
  config.schema_version = root.getInRange("schema_version", 1, 1, 1);
  const auto level = parseLogLevel(root.get<std::string>("log_level", "info"));
  if (!level) {
    root.fail("log_level", level.error().toString());
  }
  config.log_level = *level;
  config.storage = root.get<std::string>("storage", config.storage);
  if (config.storage.empty()) {
    root.fail("storage", "must name a database, e.g. /var/lib/punchlink/relay.db");
  }
  config.storage_connections =
      root.getInRange<std::size_t>("storage_connections", config.storage_connections, 1, 64);
  root.optionalSection("http", [&](YamlMap& map) {
    config.http.listen = map.get<std::string>("listen", config.http.listen);
    config.http.admin_listen = map.get<std::string>("admin_listen", "");
    if (!config.http.admin_listen.empty() && config.http.admin_listen == config.http.listen) {
      map.fail("admin_listen", "must differ from http.listen");
    }
    config.http.tls_cert_file = map.get<std::string>("tls_cert_file", "");
    config.http.tls_key_file = map.get<std::string>("tls_key_file", "");
    if (config.http.tls_cert_file.empty() != config.http.tls_key_file.empty()) {
      map.fail(config.http.tls_cert_file.empty() ? "tls_cert_file" : "tls_key_file",
               "HTTPS needs both tls_cert_file and tls_key_file");
    }
    for (const char* key : {"tls_cert_file", "tls_key_file"}) {
      const std::string file = map.get<std::string>(key, "");
      if (!file.empty() && !std::ifstream(file)) {
        map.fail(key, "cannot read " + file);
      }
    }
    config.http.rate_limit_per_minute =
        map.getInRange("rate_limit_per_minute", config.http.rate_limit_per_minute, 1, 1'000'000);
    config.http.threads = map.getInRange("threads", config.http.threads, 2, 1024);
    config.http.connections_per_address =
        map.getInRange("connections_per_address", config.http.connections_per_address, 0, 1024);
    config.http.connection_deadline = map.getAtLeast(
        "connection_deadline", config.http.connection_deadline, std::chrono::milliseconds{100});
    config.http.busy_grace =
        map.getAtLeast("busy_grace", config.http.busy_grace, std::chrono::milliseconds{100});
  });
  root.section("broker", [&](YamlMap& map) {
    BrokerConfig& broker = config.broker;
    broker.url = map.required<std::string>("url");
    broker.client_id = map.get<std::string>("client_id", broker.client_id);
    broker.username = map.get<std::string>("username", "");
    auto password = config::readBrokerPassword(map, "url", broker.url);
    broker.password = std::move(password.password);
    broker.password_file = std::move(password.file);
    broker.ca_file = map.get<std::string>("ca_file", "");
    broker.verify_hostname = map.get("verify_hostname", true);
    broker.share_group = map.get<std::string>("share_group", broker.share_group);
  });
  root.optionalSection("webhooks", [&](YamlMap& map) {
    WebhookConfig& hooks = config.webhooks;
    hooks.workers = map.getInRange<std::size_t>("workers", hooks.workers, 1, 256);
    hooks.per_endpoint_concurrency = map.getInRange<std::size_t>(
        "per_endpoint_concurrency", hooks.per_endpoint_concurrency, 1, 64);
    hooks.per_endpoint_max_concurrency = map.getInRange<std::size_t>(
        "per_endpoint_max_concurrency",
        // Unset: the default, but never below the start nor above the workers.
        std::min(hooks.workers,
                 std::max(hooks.per_endpoint_max_concurrency, hooks.per_endpoint_concurrency)),
        1, 256);
    if (hooks.per_endpoint_concurrency > hooks.per_endpoint_max_concurrency) {
      map.fail("per_endpoint_concurrency", "must not exceed per_endpoint_max_concurrency");
    }
    if (hooks.per_endpoint_max_concurrency > hooks.workers) {
      map.fail("per_endpoint_max_concurrency",
               "must not exceed workers, or one endpoint could hold every worker");
    }
    const std::chrono::milliseconds millisecond{1};
    hooks.attempt_timeout =
        map.getAtLeast("attempt_timeout", hooks.attempt_timeout, std::chrono::milliseconds{100});
    hooks.initial_retry_delay =
        map.getAtLeast("initial_retry_delay", hooks.initial_retry_delay, millisecond);
    hooks.max_retry_delay =
        map.getAtLeast("max_retry_delay", hooks.max_retry_delay, hooks.initial_retry_delay);
    hooks.max_age = map.getAtLeast("max_age", hooks.max_age, hooks.initial_retry_delay);
    hooks.disable_after = map.getAtLeast("disable_after", hooks.disable_after, millisecond);
    hooks.rotation_overlap =
        map.getAtLeast("rotation_overlap", hooks.rotation_overlap, std::chrono::seconds{0});
    hooks.poll_interval =
        map.getAtLeast("poll_interval", hooks.poll_interval, std::chrono::milliseconds{10});
    hooks.allow_http = map.get("allow_http", hooks.allow_http);
    hooks.allow_private_networks = map.get("allow_private_networks", hooks.allow_private_networks);
    hooks.ca_file = map.get<std::string>("ca_file", "");
    if (!hooks.ca_file.empty() && !std::ifstream(hooks.ca_file)) {
      map.fail("ca_file", "cannot read " + hooks.ca_file);
    }
  });
  root.optionalSection("devices", [&](YamlMap& map) {
    DevicesConfig& devices = config.devices;
    devices.gap_alert_after =
        map.getAtLeast("gap_alert_after", devices.gap_alert_after, std::chrono::milliseconds{0});
    devices.clear_check_max_age = map.getAtLeast("clear_check_max_age", devices.clear_check_max_age,
                                                 std::chrono::milliseconds{1000});
    devices.command_max_age =
        map.getAtLeast("command_max_age", devices.command_max_age, std::chrono::milliseconds{1000});
  });
  root.optionalSection("console", [&](YamlMap& map) {
    ConsoleConfig& console = config.console;
    console.enabled = map.get("enabled", console.enabled);
    console.session_lifetime = map.getAtLeast("session_lifetime", console.session_lifetime,
                                              std::chrono::milliseconds{60'000});
    console.idle_timeout =
        map.getAtLeast("idle_timeout", console.idle_timeout, std::chrono::milliseconds{60'000});
    console.streams_per_tenant =
        map.getInRange("streams_per_tenant", console.streams_per_tenant, 1, 64);
  });
  root.optionalSection("limits", [&](YamlMap& map) {
    LimitsConfig& limits = config.limits;
    limits.webhook_endpoints_per_tenant = map.getInRange<std::size_t>(
        "webhook_endpoints_per_tenant", limits.webhook_endpoints_per_tenant, 1, 10'000);
    limits.api_keys_per_tenant =
        map.getInRange<std::size_t>("api_keys_per_tenant", limits.api_keys_per_tenant, 1, 10'000);
  });
  return config;
}

}  // namespace

Result<RelayConfig> loadRelayConfig(const std::string& path) {
  auto doc = config::YamlDocument::loadFile(path);
  if (!doc) {
    return doc.error();
  }
  return parseRelayConfig(*doc);
}

Result<RelayConfig> parseRelayConfig(const config::YamlDocument& doc) {
  return config::parseYamlConfig(doc, readConfig);
}

}  // namespace punchlink::relay
