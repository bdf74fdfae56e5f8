// The MQTT topic tree shared by agents and the relay (docs/mqtt-contract.md "Topic tree"): the
// only place a topic is spelled. Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace punchlink::contract {

// The largest payload either side sends or accepts (a batch of kMaxBatchPunches fits); brokers
// are configured with a max_packet_size just above it (packaging/mosquitto-punchlink.conf).
inline constexpr std::size_t kMaxPayloadBytes = (std::size_t{8} << 20U) - 4096;

enum class TopicKind {
  Punches,         // agent → relay: batches of punches
  Acks,            // relay → agent: what the relay has committed
  AgentStatus,     // agent → relay, retained: the agent's status and last will
  DeviceStatus,    // agent → relay, retained: one terminal's status
  Commands,        // relay → agent: a command for a terminal
  CommandResults,  // agent → relay: a command's outcome
};

// A site id as the topic tree and the broker accounts use it: 1-64 characters from a-z, A-Z,
// 0-9, '-', '_' and '.'; never a topic wildcard or separator.
bool isValidSiteId(std::string_view site_id) noexcept;

// One site's topics (what its agent publishes and subscribes to).
class SiteTopics {
 public:
  explicit SiteTopics(std::string_view site_id);

  std::string topic(TopicKind kind) const;
  // DeviceStatus of one terminal: keyed by its serial, or its configured name before it is known.
  std::string deviceStatus(std::string_view device_key) const;

  std::string punches() const { return topic(TopicKind::Punches); }

  std::string acks() const { return topic(TopicKind::Acks); }

  std::string status() const { return topic(TopicKind::AgentStatus); }

  std::string commands() const { return topic(TopicKind::Commands); }

  std::string commandResults() const { return topic(TopicKind::CommandResults); }

 private:
  std::string prefix_;
};

// The filter matching `kind` for every site (the relay's subscriptions).
std::string everySite(TopicKind kind);
// The same through an MQTT 5 shared subscription: nodes of one group split the messages.
std::string everySiteShared(std::string_view share_group, TopicKind kind);

// The broker ACL pattern that confines a site's account (named after its site id) to its tree.
std::string siteAclPattern();

struct TopicRef {
  TopicKind kind = TopicKind::Punches;
  std::string site_id;
  std::string device_key;  // DeviceStatus only
};

// What a received topic names, or nullopt for topics outside the tree (or malformed site ids).
std::optional<TopicRef> parseTopic(std::string_view topic);

}  // namespace punchlink::contract
