// punchlink-agent: argv → config → AgentApp → run → exit code. Nothing else lives here.
#include "app/agent_app.hpp"
#include "app/builtin_protocols.hpp"
#include "app/maintenance.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/service_notifier.hpp>
#include <punchlink/common/signals.hpp>

#include <cstdio>
#include <cstring>
#include <malloc.h>
#include <string>

namespace {

int usage(FILE* out) {
  std::fputs(
      "usage: punchlink-agent --config FILE        run the agent\n"
      "       punchlink-agent --check-config FILE  validate FILE and print the effective config\n"
      "       punchlink-agent --config FILE --release-pin SERIAL\n"
      "                                            forget the address push terminal SERIAL is\n"
      "                                            pinned to (docs/push-terminals.md)\n"
      "       punchlink-agent --version\n",
      out);
  return out == stdout ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace punchlink;
#ifdef M_ARENA_MAX
  // glibc gives threads their own malloc arenas, up to 8 per core. The agent runs a thread per
  // terminal that mostly waits on its socket, so arenas only cost memory: with 50 terminals two
  // arenas keep the RSS about 350 kB lower (bench/README.md, part 5).
  mallopt(M_ARENA_MAX, 2);
#endif
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("punchlink-agent %s\n", agent::agentVersion().c_str());
    return 0;
  }
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    return usage(stdout);
  }
  const bool release_pin = argc == 5 && std::strcmp(argv[1], "--config") == 0 &&
                           std::strcmp(argv[3], "--release-pin") == 0;
  if (!release_pin && (argc != 3 || (std::strcmp(argv[1], "--config") != 0 &&
                                     std::strcmp(argv[1], "--check-config") != 0))) {
    return usage(stderr);
  }
  auto config = agent::loadAgentConfig(argv[2]);
  if (!config) {
    std::fprintf(stderr, "punchlink-agent: %s\n", config.error().toString().c_str());
    return 2;
  }
  if (release_pin) {
    auto released = agent::releasePushPin(*config, argv[4]);
    if (!released) {
      std::fprintf(stderr, "punchlink-agent: %s\n", released.error().toString().c_str());
      return 1;
    }
    std::printf("%s\n", released->c_str());
    return 0;
  }
  if (std::strcmp(argv[1], "--check-config") == 0) {
    std::printf("# %s is valid; effective configuration:\n%s", argv[2],
                agent::describeAgentConfig(*config).c_str());
    return 0;
  }
  const sigset_t signals = blockTerminationSignals();  // before any thread starts

  SystemClock clock;
  Logger logger("agent", config->log_level, StderrSink::detect(), clock);
  agent::AgentApp app(std::move(config.value()), logger, clock);
  if (auto started = app.start(); !started) {
    std::fprintf(stderr, "punchlink-agent: %s\n", started.error().toString().c_str());
    return 1;
  }
  ServiceNotifier notifier;
  notifier.ready("reading terminals, forwarding punches");
  app.runUntilSignal(signals, notifier);
  notifier.stopping();
  app.stop();
  return 0;
}
