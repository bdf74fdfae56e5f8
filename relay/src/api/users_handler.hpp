// /v1/users and /v1/commands: user changes become commands to terminals through their sites'
// agents, whose state (queued → sent → succeeded | failed) shows on the command and on the user.
#pragma once

#include "api/command_sender.hpp"
#include "api/router.hpp"
#include "store/store.hpp"

namespace punchlink::relay::api {

ApiResponse createUser(Store& store, CommandSender& sender, ApiRequest& request);
ApiResponse createUsersBatch(Store& store, CommandSender& sender, ApiRequest& request);
ApiResponse listUsers(Store& store, ApiRequest& request);
ApiResponse getUser(Store& store, ApiRequest& request);
ApiResponse updateUser(Store& store, CommandSender& sender, ApiRequest& request);
ApiResponse deleteUser(Store& store, CommandSender& sender, ApiRequest& request);
ApiResponse getCommand(Store& store, ApiRequest& request);

}  // namespace punchlink::relay::api
