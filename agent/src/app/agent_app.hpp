// AgentApp: the composition root. Builds the outbox, the MQTT client, the uplink, every terminal
// protocol's terminals and the local status listener; wires them; starts them; stops them.
#pragma once

#include "app/agent_report.hpp"
#include "app/builtin_protocols.hpp"
#include "app/command_router.hpp"
#include "commands/command.hpp"
#include "config/agent_config.hpp"
#include "outbox/outbox.hpp"
#include "status/status_server.hpp"
#include "terminals/protocol_registry.hpp"
#include "terminals/terminal_protocol.hpp"
#include "uplink/uplink.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/mqtt_client.hpp>
#include <punchlink/common/service_notifier.hpp>
#include <punchlink/contract/topics.hpp>

#include <signal.h>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace punchlink::agent {

class AgentApp {
 public:
  // `protocols` (outliving the app) builds the terminals; the config was parsed with it.
  AgentApp(AgentConfig config,
           Logger logger,
           const Clock& clock,
           const ProtocolRegistry& protocols = builtinProtocols());
  ~AgentApp();
  AgentApp(const AgentApp&) = delete;
  AgentApp& operator=(const AgentApp&) = delete;
  AgentApp(AgentApp&&) = delete;
  AgentApp& operator=(AgentApp&&) = delete;

  // Opens the outbox, binds the status listener and whatever the terminals listen on, starts
  // MQTT, the uplink and the terminals.
  // Errors are startup errors: the caller prints them and exits non-zero.
  Status start();

  // Runs until one of `signals` arrives, doing periodic work (status, pruning) meanwhile.
  // Runs until SIGTERM/SIGINT, pinging the systemd watchdog from this loop.
  void runUntilSignal(const sigset_t& signals, ServiceNotifier& notifier);

  // Graceful stop: terminals first, then a bounded flush, the offline status, MQTT, the outbox.
  void stop();

  // The status document served locally and published (retained) on the status topic.
  // Prometheus text for the local /metrics.
  std::string metricsText();
  std::string statusJson(bool online);

 private:
  void onMessage(const mqtt_client::MqttMessage& message);
  void onConnection(bool connected);
  void publishRetained(const std::string& topic, const std::string& payload);
  void periodic();
  Terminal* findTerminal(const std::string& key);
  void forEachTerminal(const std::function<void(Terminal&)>& visit);
  std::int64_t nowMs() const;

  AgentConfig config_;
  Logger logger_;
  const Clock& clock_;
  const ProtocolRegistry& protocols_;
  contract::SiteTopics topics_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<ClockPolicies> clocks_;
  std::unique_ptr<mqtt_client::MqttClient> mqtt_;
  std::unique_ptr<Uplink> uplink_;
  std::unique_ptr<CommandRouter> router_;
  std::unique_ptr<AgentReport> report_;
  std::vector<TerminalGroupPtr> terminals_;  // one per protocol that has terminals
  StatusServerPtr status_server_;            // /healthz, /status and /metrics on status.listen
  std::mutex outbox_alarm_mutex_;
  bool outbox_alarm_ = false;
  bool started_ = false;
  std::chrono::system_clock::time_point started_at_;
};

std::string agentVersion();

}  // namespace punchlink::agent
