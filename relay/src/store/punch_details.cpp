#include "store/punch_details.hpp"

#include <nlohmann/json.hpp>

namespace punchlink::relay {

std::string encodePunchDetails(const contract::Punch& punch) {
  nlohmann::ordered_json out = {
      {"device_name", punch.device_name}, {"time_zone", punch.time_zone}, {"state", punch.state},
      {"verify", punch.verify},           {"workcode", punch.workcode},   {"source", punch.source}};
  if (punch.temperature) {
    out["temperature"] = *punch.temperature;
  }
  if (punch.mask_detected) {
    out["mask_detected"] = *punch.mask_detected;
  }
  if (!punch.flags.empty()) {
    out["flags"] = punch.flags;
  }
  // Text from terminals may hold invalid UTF-8: replaced rather than refused, as on the way in.
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace punchlink::relay
