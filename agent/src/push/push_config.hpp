// Push (ADMS/iclock) configuration: the `push:` section for the listener terminals call, and a
// push terminal's entry in `devices` (docs/agent-config.md#push, #devices).
#pragma once

#include "terminals/terminal_config.hpp"

#include <punchlink/common/yaml_read.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

namespace punchlink::agent {

// Longest communication key accepted; the vendor default is 88888888 (§7).
inline constexpr std::size_t kMaxPushCommKeyLength = 64;

// The iclock listener push terminals call (shared/reference/adms-push.md).
struct PushConfig final : ProtocolSettings {
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

  // ProtocolSettings
  void describe(std::ostream& out) const override;
};

// Who may speak for the serial (docs/push-terminals.md#how-terminals-authenticate): `host`, or
// else the address pinned on first contact unless pin_address is off, and `comm_key` if set.
struct PushDeviceConfig final : DeviceSettings {
  std::string serial;  // the SN it identifies itself with
  std::string host;    // the only address it may call from; empty: pinned, or any
  // Without `host`: the first address the serial calls from is kept in the outbox and others
  // are refused. Off for terminals whose address changes (DHCP without a reservation).
  bool pin_address = true;
  // The terminal's communication key (PushComKey), sent as ComKey= on every request when the
  // terminal has IsPushComKey on (§7). Empty: none is required.
  std::string comm_key;
  std::string time_zone = "UTC";

  // Whether requests are held to an address remembered from the first one.
  bool pinsAddress() const { return host.empty() && pin_address; }

  // DeviceSettings
  std::string configuredSerial() const override { return serial; }

  void describe(std::ostream& out) const override;
};

// Errors are located through map.fail().
PushConfig parsePushSection(config::YamlMap& map);
PushDeviceConfig parsePushDevice(config::YamlMap& map);

// The `push:` section of a parsed config (defaults if it has none).
const PushConfig& pushConfig(const TerminalSetup& setup);
// The listener runs when a push terminal is configured or unknown ones are accepted.
bool servesPush(const TerminalSetup& setup);

}  // namespace punchlink::agent
