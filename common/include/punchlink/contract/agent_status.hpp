// A site's agent status (docs/mqtt-contract.md "status"): retained on the agent's status topic,
// published on connect and periodically, and as the broker's last will when the agent's
// connection dies. Pure.
#pragma once

#include <punchlink/common/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace punchlink::contract {

struct OutboxStatus {
  std::int64_t pending = 0;
  std::int64_t rows = 0;
  std::uint64_t size_bytes = 0;
  std::uint64_t max_size_bytes = 0;
  bool alarm = false;
  bool full = false;
  std::optional<std::int64_t> oldest_pending_age_s;

  friend bool operator==(const OutboxStatus&, const OutboxStatus&) = default;
};

struct UplinkStatus {
  std::uint64_t batches_sent = 0;
  std::uint64_t punches_sent = 0;
  std::uint64_t punches_acked = 0;
  std::uint64_t punches_rejected = 0;

  friend bool operator==(const UplinkStatus&, const UplinkStatus&) = default;
};

struct AgentStatus {
  std::string site_id;
  bool online = false;
  std::string reason;  // why it is offline (the last will says "connection lost")
  std::string agent_version;
  std::string started_at;  // RFC 3339
  std::optional<bool> broker_connected;
  std::optional<OutboxStatus> outbox;
  std::optional<UplinkStatus> uplink;
  // Each terminal's status document (encodeDeviceStatus), or {"name": …} before its first.
  std::vector<std::string> devices;

  friend bool operator==(const AgentStatus&, const AgentStatus&) = default;
};

// Fields left empty are left out; `devices` is always a list unless the status is a last will
// (offline with a reason and nothing else).
std::string encodeAgentStatus(const AgentStatus& status);

// InvalidInput unless `online` is true or false; the relay reads the site, online, the reason
// and the outbox backlog, and ignores the rest.
Result<AgentStatus> decodeAgentStatus(std::string_view payload);

}  // namespace punchlink::contract
