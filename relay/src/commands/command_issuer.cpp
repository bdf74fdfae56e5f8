#include "commands/command_issuer.hpp"

#include <punchlink/common/crypto.hpp>

namespace punchlink::relay {

UtcMillis CommandIssuer::now() const {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now());
}

Result<CommandRecord> CommandIssuer::issue(const Device& device, contract::Command message) {
  const UtcMillis created = now();
  message.command_id = "cmd_" + crypto::randomHexToken(10);
  message.device = device.serial;
  message.expires_at = std::chrono::floor<std::chrono::seconds>(created + max_age_);
  CommandRecord command;
  command.id = message.command_id;
  command.tenant_id = device.tenant_id;
  command.site_id = device.site_id;
  command.device_serial = device.serial;
  command.type = contract::commandTypeName(message.type);
  command.user_id = message.user.user_id;
  command.state = "queued";
  command.payload = contract::encodeCommand(message);
  command.created_at = created;
  command.updated_at = created;
  if (auto recorded = commands_.createCommand(command); !recorded) {
    return recorded.error();
  }
  if (sender_.send(command.site_id, command.payload)) {
    (void)tracker_.transition(command.site_id, command.id, "sent", "", "", now());
    command.state = "sent";
  }
  return command;
}

}  // namespace punchlink::relay
