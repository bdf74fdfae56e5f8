// zk-sim's command line. Kept apart from main() so the parser is unit-tested.
#pragma once

#include "auto_punch.hpp"
#include "push_client.hpp"
#include "sim_device.hpp"
#include "sim_fixture.hpp"
#include "sim_server.hpp"
#include "sim_session.hpp"

#include <punchlink/common/result.hpp>

#include <string>

namespace punchlink::zksim {

struct CliOptions {
  SimIdentity identity;
  SimOptions sim;
  ServerOptions server;
  GeneratedState generated;
  std::uint16_t control_port = 0;
  std::uint32_t auto_punch_per_minute = 0;  // 0: no punches of its own
  std::string fixture;
  PushClientOptions push;  // push mode when push.url is set
  bool help = false;
};

Result<CliOptions> parseCli(int argc, const char* const* argv);
std::string usageText();

}  // namespace punchlink::zksim
