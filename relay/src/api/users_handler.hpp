// /v1/users and /v1/commands: enrollment becomes a command to the terminal's agent, whose state
// (queued → sent → succeeded | failed) shows on the command and on the user.
#pragma once

#include "api/command_sender.hpp"
#include "api/router.hpp"
#include "store/store.hpp"

namespace punchlink::relay::api {

ApiResponse createUser(Store& store, CommandSender& sender, ApiRequest& request);
ApiResponse getUser(Store& store, ApiRequest& request);
ApiResponse getCommand(Store& store, ApiRequest& request);

}  // namespace punchlink::relay::api
