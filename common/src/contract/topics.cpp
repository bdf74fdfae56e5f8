#include <punchlink/contract/topics.hpp>

#include <algorithm>

namespace punchlink::contract {

namespace {

constexpr std::string_view kRoot = "punchlink/v1/sites/";
constexpr std::string_view kDevices = "devices/";
constexpr std::string_view kStatus = "status";

// The suffix under "<root><site>/" of each kind (DeviceStatus has the device key in between).
std::string_view suffixOf(TopicKind kind) {
  switch (kind) {
    case TopicKind::Punches:
      return "punches";
    case TopicKind::Acks:
      return "acks";
    case TopicKind::AgentStatus:
    case TopicKind::DeviceStatus:
      return kStatus;
    case TopicKind::Commands:
      return "commands";
    case TopicKind::CommandResults:
      return "command-results";
  }
  return {};
}

constexpr TopicKind kSiteLevelKinds[] = {TopicKind::Punches, TopicKind::Acks,
                                         TopicKind::AgentStatus, TopicKind::Commands,
                                         TopicKind::CommandResults};

std::string underSite(std::string_view site, TopicKind kind, std::string_view device_key) {
  std::string topic(kRoot);
  topic.append(site).push_back('/');
  if (kind == TopicKind::DeviceStatus) {
    topic.append(kDevices).append(device_key).push_back('/');
  }
  return topic.append(suffixOf(kind));
}

}  // namespace

bool isValidSiteId(std::string_view site_id) noexcept {
  return !site_id.empty() && site_id.size() <= 64 &&
         std::all_of(site_id.begin(), site_id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
         });
}

SiteTopics::SiteTopics(std::string_view site_id) : prefix_(site_id) {}

std::string SiteTopics::topic(TopicKind kind) const { return underSite(prefix_, kind, ""); }

std::string SiteTopics::deviceStatus(std::string_view device_key) const {
  return underSite(prefix_, TopicKind::DeviceStatus, device_key);
}

std::string everySite(TopicKind kind) { return underSite("+", kind, "+"); }

std::string everySiteShared(std::string_view share_group, TopicKind kind) {
  return "$share/" + std::string(share_group) + "/" + everySite(kind);
}

std::string siteAclPattern() { return std::string(kRoot) + "%u/#"; }

std::optional<TopicRef> parseTopic(std::string_view topic) {
  if (topic.substr(0, kRoot.size()) != kRoot) {
    return std::nullopt;
  }
  topic.remove_prefix(kRoot.size());
  const auto slash = topic.find('/');
  if (slash == std::string_view::npos || !isValidSiteId(topic.substr(0, slash))) {
    return std::nullopt;
  }
  TopicRef ref;
  ref.site_id = std::string(topic.substr(0, slash));
  const std::string_view rest = topic.substr(slash + 1);
  for (const TopicKind kind : kSiteLevelKinds) {
    if (rest == suffixOf(kind)) {
      ref.kind = kind;
      return ref;
    }
  }
  // devices/<key>/status, where the key is one level (no '/').
  if (rest.substr(0, kDevices.size()) == kDevices &&
      rest.size() > kDevices.size() + kStatus.size()) {
    const std::string_view key =
        rest.substr(kDevices.size(), rest.size() - kDevices.size() - kStatus.size() - 1);
    if (!key.empty() && key.find('/') == std::string_view::npos &&
        rest.substr(rest.size() - kStatus.size() - 1) == "/status") {
      ref.kind = TopicKind::DeviceStatus;
      ref.device_key = std::string(key);
      return ref;
    }
  }
  return std::nullopt;
}

}  // namespace punchlink::contract
