// The relay's admin commands, run against the configured database:
//   tenants create NAME | tenants list
//   keys create --tenant ID [--test] [--label TEXT] | keys list --tenant ID | keys revoke KEY_ID
//   sites create --tenant ID SITE_ID
//   webhooks ensure --tenant ID --url URL --secret-file PATH [--description TEXT] [--events A,B]
//   migrate
// Output goes to `out`, errors to `err`; returns the process exit code: 0, 1 when the command
// failed, 2 for a usage error (an unknown, repeated or malformed argument).
#pragma once

#include "store/store.hpp"
#include "webhooks/url_policy.hpp"

#include <limits>
#include <ostream>
#include <string>
#include <vector>

namespace punchlink::relay {

// What admin commands take from the relay's configuration.
struct AdminOptions {
  webhooks::UrlPolicy url_policy;  // webhooks.allow_http / allow_private_networks
  // Active keys per tenant; the relay sets limits.api_keys_per_tenant.
  std::size_t max_api_keys = std::numeric_limits<std::size_t>::max();
};

// `clock` stamps what the commands create.
int runAdminCommand(Store& store,
                    const AdminOptions& options,
                    const Clock& clock,
                    const std::vector<std::string>& args,
                    std::ostream& out,
                    std::ostream& err);

}  // namespace punchlink::relay
