#include "relay_config.hpp"

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
  root.optionalSection("http", [&](YamlMap& map) {
    config.http.listen = map.get<std::string>("listen", config.http.listen);
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
  });
  root.section("broker", [&](YamlMap& map) {
    BrokerConfig& broker = config.broker;
    broker.url = map.required<std::string>("url");
    if (broker.url.rfind("mqtts://", 0) != 0 && broker.url.rfind("mqtt://", 0) != 0) {
      map.fail("url", "must start with mqtts:// (or mqtt:// for tests)");
    }
    broker.client_id = map.get<std::string>("client_id", broker.client_id);
    broker.username = map.get<std::string>("username", "");
    broker.password = map.get<std::string>("password", "");
    broker.password_file = map.get<std::string>("password_file", "");
    if (!broker.password.empty() && !broker.password_file.empty()) {
      map.fail("password_file", "give either password or password_file, not both");
    }
    if (!broker.password_file.empty()) {
      std::ifstream in(broker.password_file);
      if (!in) {
        map.fail("password_file", "cannot read " + broker.password_file);
      }
      std::getline(in, broker.password);
      while (!broker.password.empty() &&
             (broker.password.back() == '\r' || broker.password.back() == ' ')) {
        broker.password.pop_back();
      }
    }
    broker.ca_file = map.get<std::string>("ca_file", "");
    broker.verify_hostname = map.get("verify_hostname", true);
    broker.share_group = map.get<std::string>("share_group", broker.share_group);
  });
  return config;
}

}  // namespace

Result<RelayConfig> loadRelayConfig(const std::string& path) {
  auto doc = config::YamlDocument::loadFile(path);
  if (!doc) {
    return doc.error();
  }
  return config::parseYamlConfig(*doc, readConfig);
}

}  // namespace punchlink::relay
