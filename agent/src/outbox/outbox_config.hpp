// The `outbox:` section (docs/agent-config.md#outbox): where the outbox lives, its size bound and
// alarm, how long acknowledged rows are kept. config/ parses it; here beside what it configures.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace punchlink::agent {

struct OutboxConfig {
  std::string path = "/var/lib/punchlink/outbox.db";
  std::uint64_t max_size = 1ULL << 30U;
  int alarm_percent = 80;
  std::chrono::seconds retention{std::chrono::hours{24 * 7}};
};

}  // namespace punchlink::agent
