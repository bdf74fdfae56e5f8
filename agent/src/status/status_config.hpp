// The `status:` section (docs/agent-config.md#status): the local status listener's address and
// how often status is published. config/ parses it; here beside what it configures.
#pragma once

#include <chrono>
#include <string>

namespace punchlink::agent {

struct StatusConfig {
  std::string listen = "127.0.0.1:8787";  // empty: no local status listener
  std::chrono::milliseconds interval{60'000};
};

}  // namespace punchlink::agent
