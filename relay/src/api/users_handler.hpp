// /v1/users: user changes become commands to terminals through their sites' agents, whose state
// (queued → sent → succeeded | failed) shows on the command (/v1/commands) and on the user.
#pragma once

#include "api/router.hpp"
#include "commands/command_issuer.hpp"
#include "store/command_log.hpp"
#include "store/device_registry.hpp"
#include "store/user_directory.hpp"

#include <punchlink/common/clock.hpp>

namespace punchlink::relay::api {

// What the user and command routes work with.
struct UsersApi {
  DeviceRegistry& devices;
  UserDirectory& users;
  CommandLog& commands;
  CommandIssuer& issuer;
  const Clock& clock;

  UtcMillis now() const {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(clock.now());
  }
};

ApiResponse createUser(UsersApi& api, ApiRequest& request);
ApiResponse createUsersBatch(UsersApi& api, ApiRequest& request);
ApiResponse listUsers(UsersApi& api, ApiRequest& request);
ApiResponse getUser(UsersApi& api, ApiRequest& request);
ApiResponse updateUser(UsersApi& api, ApiRequest& request);
ApiResponse deleteUser(UsersApi& api, ApiRequest& request);

}  // namespace punchlink::relay::api
