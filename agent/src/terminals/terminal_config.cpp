#include "terminal_config.hpp"

#include <nlohmann/json.hpp>

namespace punchlink::agent {

void readTimeZone(config::YamlMap& map, std::string_view key, std::string& zone_name) {
  zone_name = map.get<std::string>(key, zone_name);
  if (auto zone = TimeZone::find(zone_name); !zone) {
    map.fail(key, zone.error().toString());
  }
}

std::string yamlQuoted(const std::string& value) {
  // Config strings are UTF-8 (the reader refuses others); replace, never throw, regardless.
  return nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TimeZone configuredZone(const std::string& zone_name) {
  auto zone = TimeZone::find(zone_name);
  return zone ? zone.value() : TimeZone::find("UTC").value();
}

}  // namespace punchlink::agent
