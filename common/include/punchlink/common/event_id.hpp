// The deterministic identity of a punch (DESIGN.md "Identity of a punch"): derived only from the
// device serial, the user id and the device-local timestamp to the second, so the same punch
// read as a real-time event, from the log, after a restart or over push gets the same id.
#pragma once

#include <punchlink/common/time_zone.hpp>

#include <string>
#include <string_view>

namespace punchlink {

// "evt_" + the first 24 hex digits of SHA-256("<serial>|<user_id>|<YYYY-MM-DD HH:MM:SS>").
std::string makeEventId(std::string_view device_serial,
                        std::string_view user_id,
                        LocalSeconds local_time);

}  // namespace punchlink
