// The relay's admin commands, run against the configured database:
//   tenants create NAME | tenants list
//   keys create --tenant ID [--test] [--label TEXT] | keys list --tenant ID | keys revoke KEY_ID
//   sites create --tenant ID SITE_ID
//   migrate
// Output goes to `out`, errors to `err`; returns the process exit code.
#pragma once

#include "store/store.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace punchlink::relay {

int runAdminCommand(Store& store,
                    const std::vector<std::string>& args,
                    std::ostream& out,
                    std::ostream& err);

}  // namespace punchlink::relay
