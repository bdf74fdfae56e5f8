#include "maintenance.hpp"

#include "outbox/outbox.hpp"

#include <punchlink/common/adms/adms_codec.hpp>

#include <filesystem>

namespace punchlink::agent {

Result<std::string> releasePushPin(const AgentConfig& config, const std::string& serial) {
  if (!adms::isValidSerial(serial)) {
    return makeError(ErrorCode::InvalidInput, "\"" + serial + "\" is not a terminal serial",
                     "give the serial as the agent's log or status names it, e.g. CQZ7231560042");
  }
  // Opening would create an empty outbox, which has no pins; a wrong path deserves a word.
  std::error_code error;
  if (!std::filesystem::exists(config.outbox.path, error)) {
    return makeError(ErrorCode::NotFound, "no outbox at " + config.outbox.path,
                     "check outbox.path in the config; the agent creates it when it first runs");
  }
  auto outbox =
      Outbox::open(config.outbox.path, config.outbox.max_size, config.outbox.alarm_percent);
  if (!outbox) {
    return Error{outbox.error().code, outbox.error().message,
                 "run this as the agent's user (e.g. sudo -u punchlink), who owns the outbox"};
  }
  auto released = (*outbox)->releaseAddressPin(serial);
  if (!released) {
    return released.error();
  }
  if (!*released) {
    return "serial " + serial + " has no address pin; nothing to release";
  }
  return "released serial " + serial + " from " + **released +
         "; its next request pins the address it comes from";
}

}  // namespace punchlink::agent
