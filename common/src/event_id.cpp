#include <punchlink/common/crypto.hpp>
#include <punchlink/common/event_id.hpp>

namespace punchlink {

std::string makeEventId(std::string_view device_serial,
                        std::string_view user_id,
                        LocalSeconds local_time) {
  std::string key;
  key.reserve(device_serial.size() + user_id.size() + 24);
  key += device_serial;
  key += '|';
  key += user_id;
  key += '|';
  key += formatLocalTime(local_time);
  const auto digest = crypto::sha256(key);
  return "evt_" + crypto::toHex(std::span(digest).first(12));
}

}  // namespace punchlink
