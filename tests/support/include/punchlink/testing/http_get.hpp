// GET a JSON document from a server the test started on loopback (status and health endpoints).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace punchlink::testing {

// Throws std::runtime_error on connection errors or a body that is not JSON.
// With `bearer`, sends Authorization: Bearer <bearer>.
nlohmann::json httpGetJson(std::uint16_t port,
                           const std::string& path,
                           const std::string& bearer = "");

}  // namespace punchlink::testing
