#include "push_access.hpp"

#include <punchlink/common/crypto.hpp>

namespace punchlink::agent {

namespace {

PushAccess refuse(std::string cause, std::string reason, std::string reply) {
  return {PushAccess::Verdict::Refuse, std::move(reason), std::move(reply), std::move(cause)};
}

}  // namespace

PushAccess checkPushAccess(const PushDeviceConfig& device,
                           const adms::IclockQuery& query,
                           const std::string& address,
                           const std::optional<std::string>& pinned) {
  const std::string from = "refused a request from " + address + ": ";
  // Replies name no address and no key: whoever is refused may be the impostor.
  const std::string wrong_address =
      "serial " + device.serial + " may not call from this address; see the agent's log";
  if (!device.host.empty() && address != device.host) {
    return refuse("host", from + "only " + device.host + " may call as this serial (host)",
                  wrong_address);
  }
  if (!device.comm_key.empty()) {
    // ComKey rides on every request when the terminal has IsPushComKey on (§7).
    if (query.comm_key.empty()) {
      return refuse("key",
                    from +
                        "no ComKey, and the device has a comm_key (turn on the terminal's push "
                        "comm key and set it to the same value)",
                    "ComKey missing or wrong for serial " + device.serial);
    }
    if (!crypto::constantTimeEqual(query.comm_key, device.comm_key)) {
      return refuse("key",
                    from + "wrong ComKey (check comm_key against the terminal's push comm key)",
                    "ComKey missing or wrong for serial " + device.serial);
    }
  }
  if (!device.pinsAddress()) {
    return {};
  }
  if (!pinned) {
    return {PushAccess::Verdict::Pin, "", "", ""};
  }
  if (*pinned != address) {
    return refuse("pin",
                  from + "the serial is pinned to " + *pinned +
                      ", the address it first called from (if the terminal moved, release the "
                      "pin: punchlink-agent --config <file> --release-pin " +
                      device.serial + ")",
                  wrong_address);
  }
  return {};
}

}  // namespace punchlink::agent
