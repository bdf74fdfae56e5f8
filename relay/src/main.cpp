// punchlink-relay: argv → config → store → serve or an admin command → exit code.
#include "admin/admin_cli.hpp"
#include "app/relay_app.hpp"
#include "config/relay_config.hpp"
#include "store/store.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/service_notifier.hpp>
#include <punchlink/common/signals.hpp>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

namespace {

int usage() {
  std::fputs(
      "usage: punchlink-relay serve --config FILE\n"
      "       punchlink-relay --check-config FILE\n"
      "       punchlink-relay --version\n"
      "       punchlink-relay --config FILE <admin command>   (tenants, keys, sites, webhooks,\n"
      "                                                        migrate; see docs/relay.md)\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace punchlink;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && args[0] == "--version") {
    std::printf("punchlink-relay %s\n", relay::relayVersion().c_str());
    return 0;
  }
  // Find --config/--check-config FILE anywhere; the rest is the command.
  std::string config_path;
  bool check_only = false;
  std::vector<std::string> command;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "--config" || args[i] == "--check-config") && i + 1 < args.size()) {
      check_only = args[i] == "--check-config";
      config_path = args[++i];
    } else {
      command.push_back(args[i]);
    }
  }
  if (config_path.empty() || (!check_only && command.empty())) {
    return usage();
  }
  auto config = relay::loadRelayConfig(config_path);
  if (!config) {
    std::fprintf(stderr, "punchlink-relay: %s\n", config.error().toString().c_str());
    return 2;
  }
  if (check_only) {
    std::printf("%s is valid\n", config_path.c_str());
    return 0;
  }
  SystemClock clock;
  auto store = relay::openStore(config->storage, clock, config->storage_connections);
  if (!store) {
    std::fprintf(stderr, "punchlink-relay: %s\n", store.error().toString().c_str());
    return 1;
  }
  if (auto migrated = (*store)->migrate(); !migrated) {
    std::fprintf(stderr, "punchlink-relay: %s\n", migrated.error().toString().c_str());
    return 1;
  }
  if (command[0] != "serve") {
    const relay::AdminOptions admin{
        {config->webhooks.allow_http, config->webhooks.allow_private_networks},
        config->limits.api_keys_per_tenant};
    return relay::runAdminCommand(**store, admin, clock, command, std::cout, std::cerr);
  }
  const sigset_t signals = blockTerminationSignals();
  Logger logger("relay", config->log_level, StderrSink::detect(), clock);
  relay::RelayApp app(std::move(config.value()), std::move(store.value()), logger, clock);
  if (auto started = app.start(); !started) {
    std::fprintf(stderr, "punchlink-relay: %s\n", started.error().toString().c_str());
    return 1;
  }
  ServiceNotifier notifier;
  notifier.ready("serving the API, taking punches from the broker");
  app.runUntilSignal(signals, notifier);
  notifier.stopping();
  app.stop();
  return 0;
}
