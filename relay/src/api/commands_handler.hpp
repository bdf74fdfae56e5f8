// Commands over REST: a command's state (GET /v1/commands/{id}), and terminal commands sent to a
// device (POST and GET /v1/devices/{serial}/commands). The command JSON and the rule for which
// devices a command can reach are shared with the users endpoints, which send commands too.
#pragma once

#include "api/api_types.hpp"
#include "commands/command_issuer.hpp"
#include "store/command_log.hpp"
#include "store/device_registry.hpp"
#include "store/punch_ledger.hpp"

#include <punchlink/common/clock.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <variant>

namespace punchlink::relay::api {

struct CommandsApi {
  DeviceRegistry& devices;
  PunchLedger& punches;
  CommandLog& commands;
  CommandIssuer& issuer;
  const Clock& clock;
  // How recent a comparison of records clear_attendance needs.
  std::chrono::milliseconds clear_check_max_age{std::chrono::minutes{15}};
};

// A command as the API shows it.
nlohmann::ordered_json commandJson(const CommandRecord& command);

// The tenant's device that a command can reach (it needs a site), or the error response.
std::variant<Device, ApiResponse> reachableDevice(DeviceRegistry& devices,
                                                  const std::string& tenant_id,
                                                  const std::string& serial);

ApiResponse getCommand(CommandsApi& api, ApiRequest& request);
ApiResponse createDeviceCommand(CommandsApi& api, ApiRequest& request);
ApiResponse listDeviceCommands(CommandsApi& api, ApiRequest& request);

}  // namespace punchlink::relay::api
