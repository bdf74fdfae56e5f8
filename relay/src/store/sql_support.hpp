// Small helpers shared by the SqlStore's implementation files.
#pragma once

#include <punchlink/common/crypto.hpp>
#include <punchlink/common/utc_time.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace punchlink::relay::sql_support {

inline std::string newId(std::string_view prefix) {
  return std::string(prefix) + crypto::randomHexToken(8);
}

inline std::string rfc3339(UtcSeconds time) { return formatRfc3339(time); }

inline std::string nowText() {
  return rfc3339(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

}  // namespace punchlink::relay::sql_support
