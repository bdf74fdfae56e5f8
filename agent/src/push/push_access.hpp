// Whether a push request may speak for the serial it names (docs/push-terminals.md#how-terminals-
// authenticate). Attendance PUSH has no session: every request stands alone, so each one is
// checked against the device's `host`, its communication key and the address the serial is
// pinned to. Pure: the caller loads and stores the pin.
#pragma once

#include "push/push_config.hpp"

#include <punchlink/common/adms/adms_codec.hpp>

#include <optional>
#include <string>

namespace punchlink::agent {

struct PushAccess {
  enum class Verdict {
    Allow,
    Pin,     // allowed, and the first request of an unpinned serial: pin it to `address`
    Refuse,  // answered 403; the request must not touch stored data or queued commands
  };

  Verdict verdict = Verdict::Allow;
  // Refuse: why, for the agent's log and the terminal's last_error. It names addresses, which
  // the reply does not: the caller may be the impostor.
  std::string reason;
  // Refuse: the first line of the 403 body.
  std::string reply;
  // Refuse: a short tag for rate-limiting the log per serial and cause.
  std::string cause;
};

// `address` is the request's source address. `pinned` is the address stored for the serial, and
// is consulted only when device.pinsAddress(). The ComKey is compared in constant time.
PushAccess checkPushAccess(const PushDeviceConfig& device,
                           const adms::IclockQuery& query,
                           const std::string& address,
                           const std::optional<std::string>& pinned);

}  // namespace punchlink::agent
