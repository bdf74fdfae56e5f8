// zk-sim: a ZKTeco-family terminal emulator (ZK binary protocol on TCP and UDP) for tests,
// benchmarks and the local demo. See README.md in this folder.
#include "auto_punch.hpp"
#include "control_server.hpp"
#include "push_client.hpp"
#include "sim_cli.hpp"
#include "sim_device.hpp"
#include "sim_fixture.hpp"
#include "sim_server.hpp"

#include <punchlink/common/signals.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>

int main(int argc, char** argv) {
  using namespace punchlink::zksim;
  auto parsed = parseCli(argc, argv);
  if (!parsed) {
    std::fprintf(stderr, "zk-sim: %s\nRun zk-sim --help for the options.\n",
                 parsed.error().toString().c_str());
    return 2;
  }
  const CliOptions& cli = *parsed;
  if (cli.help) {
    std::fputs(usageText().c_str(), stdout);
    return 0;
  }
  // Signals are taken by sigwait below; blocked before any thread starts.
  const sigset_t signals = punchlink::blockTerminationSignals();
  try {
    SimDevice device(cli.identity);
    if (!cli.fixture.empty()) {
      if (auto loaded = loadFixture(device, cli.fixture); !loaded) {
        std::fprintf(stderr, "zk-sim: %s\n", loaded.error().toString().c_str());
        return 2;
      }
    }
    generateState(device, cli.generated);
    SimServer server(device, cli.sim, cli.server);
    server.start();
    std::unique_ptr<PushClient> push;
    if (!cli.push.url.empty()) {
      push = std::make_unique<PushClient>(device, cli.push);
      push->start();
    }
    ControlServer control(
        device,
        [&server, &push] {
          nlohmann::json state = {{"sessions", server.sessionCount()},
                                  {"zk_event_packets", server.eventPacketCount()}};
          if (push) {
            const PushClientStats stats = push->stats();
            state["push"] = {{"handshakes", stats.handshakes},
                             {"uploads", stats.uploads},
                             {"uploaded", stats.uploaded},
                             {"refused", stats.refused},
                             {"polls", stats.polls},
                             {"commands", stats.commands},
                             {"attlog_stamp", stats.attlog_stamp},
                             {"event_lines", stats.event_lines},
                             {"delay_s", stats.delay_s},
                             {"error_delay_s", stats.error_delay_s},
                             {"last_error", stats.last_error}};
          }
          return state;
        },
        cli.control_port, push ? cli.push.device_type : std::string{});
    // A seed of its own, derived from --seed, so the generated data stays as it was.
    AutoPuncher puncher(device, cli.auto_punch_per_minute, cli.generated.seed ^ 0x5eedU);
    std::printf("zk-sim ready tcp=%u udp=%u control=%u serial=%s\n",
                cli.server.tcp ? server.port() : 0U, cli.server.udp ? server.port() : 0U,
                control.port(), cli.identity.serial.c_str());
    std::fflush(stdout);
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    puncher.stop();
    if (push) {
      push->stop();
    }
    server.stop();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "zk-sim: %s\n", error.what());
    return 1;
  }
  return 0;
}
