// One terminal's status (docs/mqtt-contract.md "devices/<serial>/status"), retained by the
// broker, kept by the relay and shown by GET /v1/devices. ZK binary and push terminals fill
// different fields; every field but `online` is optional. Pure.
#pragma once

#include <punchlink/common/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace punchlink::contract {

struct DeviceStatus {
  std::string name;    // the agent's configured name
  std::string serial;  // empty before the first connect
  bool online = false;
  std::string reason;    // why it is offline
  std::string protocol;  // "push" for push terminals; empty for ZK binary ones
  std::string host;
  std::optional<std::int64_t> port;
  std::string transport;  // tcp | udp
  std::string time_zone;
  std::string device_type;  // push handshake DeviceType
  std::string push_version;
  std::string firmware;
  std::string platform;
  std::string device_name;  // the model as the terminal reports it
  std::optional<std::int64_t> users;
  std::optional<std::int64_t> fingers;
  std::optional<std::int64_t> logs;
  std::optional<std::int64_t> faces;
  std::optional<std::int64_t> log_capacity;
  std::optional<std::int64_t> storage_percent;  // 0-100
  std::optional<std::int64_t> clock_drift_s;    // terminal minus agent, when both were read
  std::string device_time;       // the terminal's clock when read, YYYY-MM-DD HH:MM:SS
  std::string clock_checked_at;  // RFC 3339: the agent's clock at that moment
  std::string clock_policy;      // off | alert | auto (contract::ClockPolicy)
  std::optional<std::int64_t> clock_threshold_s;
  // The terminal's log as last read: `logs` records, the oldest and newest of them (device-local
  // times; empty when the protocol does not tell), and when the agent read it (RFC 3339).
  std::string log_oldest;
  std::string log_newest;
  std::string log_checked_at;
  std::string last_seen;  // RFC 3339
  std::string last_error;
  std::string last_error_at;
  std::optional<std::int64_t> pending_commands;

  friend bool operator==(const DeviceStatus&, const DeviceStatus&) = default;
};

// Compact JSON; empty strings and absent numbers are left out.
std::string encodeDeviceStatus(const DeviceStatus& status);

// InvalidInput naming the first field of the wrong type or out of range (a count that is not a
// non-negative integer, a storage_percent over 100, text with control characters); fields it
// does not know are ignored.
Result<DeviceStatus> decodeDeviceStatus(std::string_view payload);

}  // namespace punchlink::contract
