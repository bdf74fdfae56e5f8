// The /v1 REST API (DESIGN.md "REST API"): builds the router with every endpoint implemented so
// far. Every /v1 route requires `Authorization: Bearer <api key>` and sees only the key's tenant.
#pragma once

#include "api/command_sender.hpp"
#include "api/router.hpp"
#include "store/store.hpp"

#include <functional>
#include <string>

namespace punchlink::relay::api {

// `health` produces the /healthz document (no authentication).
Router makeRestApi(Store& store,
                   CommandSender& sender,
                   std::function<nlohmann::ordered_json()> health);

}  // namespace punchlink::relay::api
