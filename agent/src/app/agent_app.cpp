#include "agent_app.hpp"

#include <punchlink/common/metrics_writer.hpp>
#include <punchlink/common/signals.hpp>
#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/agent_status.hpp>
#include <punchlink/contract/command_result.hpp>
#include <punchlink/contract/device_status.hpp>

namespace punchlink::agent {

std::string agentVersion() { return "0.1.0"; }

AgentApp::AgentApp(AgentConfig config,
                   Logger logger,
                   const Clock& clock,
                   const ProtocolRegistry& protocols)
    : config_(std::move(config)),
      logger_(std::move(logger)),
      clock_(clock),
      protocols_(protocols),
      topics_(config_.site_id) {}

AgentApp::~AgentApp() { stop(); }

std::int64_t AgentApp::nowMs() const { return epochMillis(clock_.now()); }

Status AgentApp::start() {
  started_at_ = clock_.now();
  auto outbox =
      Outbox::open(config_.outbox.path, config_.outbox.max_size, config_.outbox.alarm_percent);
  if (!outbox) {
    return outbox.error();
  }
  outbox_ = std::move(outbox.value());

  mqtt_client::MqttClientOptions options;
  options.server_uri = config_.uplink.broker;
  options.client_id = config_.uplink.client_id;
  options.username = config_.uplink.username;
  options.password = config_.uplink.password;
  options.ca_file = config_.uplink.ca_file;
  options.cert_file = config_.uplink.cert_file;
  options.key_file = config_.uplink.key_file;
  options.verify_hostname = config_.uplink.verify_hostname;
  options.clean_start = false;
  contract::AgentStatus will;
  will.site_id = config_.site_id;
  will.reason = "connection lost";
  options.will =
      mqtt_client::MqttWill{topics_.status(), contract::encodeAgentStatus(will), 1, true};
  auto client = mqtt_client::MqttClient::create(options, logger_.child("mqtt"));
  if (!client) {
    return client.error();
  }
  mqtt_ = std::move(client.value());
  mqtt_->setMessageHandler([this](const mqtt_client::MqttMessage& message) { onMessage(message); });
  mqtt_->setConnectionHandler(
      [this](bool connected, const std::string&) { onConnection(connected); });
  (void)mqtt_->subscribe(topics_.acks(), 1, std::chrono::seconds{5});
  (void)mqtt_->subscribe(topics_.commands(), 1, std::chrono::seconds{5});

  uplink_ = std::make_unique<Uplink>(config_.uplink, config_.site_id, *outbox_, *mqtt_,
                                     logger_.child("uplink"), clock_);
  std::map<std::string, ClockSettings> configured_clocks;
  for (const auto& device : config_.devices) {
    if (device.clock) {
      configured_clocks.emplace(device.name, *device.clock);
    }
  }
  clocks_ = std::make_unique<ClockPolicies>(*outbox_, config_.clock, std::move(configured_clocks));
  router_ = std::make_unique<CommandRouter>(
      config_.site_id, *outbox_, *mqtt_,
      [this](const std::string& key) { return findTerminal(key); }, config_.command_expiry,
      *clocks_, logger_.child("commands"), clock_);
  report_ = std::make_unique<AgentReport>(
      ReportSources{
          config_.site_id, agentVersion(), config_.outbox.max_size, started_at_, outbox_.get(),
          uplink_.get(), mqtt_.get(),
          [this](const std::function<void(Terminal&)>& visit) { forEachTerminal(visit); }},
      clock_);

  if (!config_.status.listen.empty()) {
    auto server = StatusServer::start(config_.status.listen, {[this] { return statusJson(true); },
                                                              [this] { return metricsText(); }});
    if (!server) {
      return server.error();
    }
    status_server_ = std::move(server.value());
  }

  const TerminalSinks sinks{[this](const std::string& key, const std::string& json) {
                              publishRetained(topics_.deviceStatus(key), json);
                            },
                            [this](const Command& command, const CommandOutcome& outcome) {
                              router_->publishResult(command, outcome);
                            },
                            [this](std::size_t) { uplink_->wake(); }};
  const TerminalContext context{*outbox_, sinks, logger_, clock_, config_.status.interval,
                                *clocks_};
  for (const auto& protocol : protocols_.all()) {
    auto terminals = protocol->open(config_.terminalSetup(), context);
    if (!terminals) {
      return terminals.error();
    }
    if (*terminals) {
      terminals_.push_back(std::move(terminals.value()));
    }
  }
  mqtt_->start();
  uplink_->start();
  for (auto& terminals : terminals_) {
    terminals->start();
  }
  started_ = true;
  logger_.info("agent started", {{"site", config_.site_id},
                                 {"devices", std::to_string(config_.devices.size())},
                                 {"outbox", config_.outbox.path}});
  return {};
}

void AgentApp::runUntilSignal(const sigset_t& signals, ServiceNotifier& notifier) {
  auto next_periodic = clock_.steadyNow();
  while (true) {
    notifier.keepAlive();
    if (awaitTerminationSignal(signals, std::chrono::seconds{1})) {
      logger_.info("stopping on signal");
      return;
    }
    if (clock_.steadyNow() >= next_periodic) {
      periodic();
      next_periodic = clock_.steadyNow() + config_.status.interval;
    }
  }
}

void AgentApp::periodic() {
  if (auto pruned = outbox_->prune(
          nowMs() -
          std::chrono::duration_cast<std::chrono::milliseconds>(config_.outbox.retention).count());
      pruned && *pruned > 0) {
    logger_.debug("pruned acknowledged punches", {{"rows", std::to_string(*pruned)}});
  }
  auto stats = outbox_->stats();
  if (stats) {
    const std::lock_guard lock(outbox_alarm_mutex_);
    if (stats->alarm != outbox_alarm_) {
      outbox_alarm_ = stats->alarm;
      if (stats->alarm) {
        logger_.error(
            "outbox alarm: nearly full; punches are kept, but the relay is not taking "
            "them fast enough",
            {{"size", std::to_string(stats->size_bytes)},
             {"pending", std::to_string(stats->pending)},
             {"hint",
              "check the uplink (broker reachable? credentials?) or raise "
              "outbox.max_size"}});
      } else {
        logger_.info("outbox alarm cleared");
      }
    }
  }
  if (mqtt_ && mqtt_->isConnected()) {
    publishRetained(topics_.status(), statusJson(true));
  }
}

std::string AgentApp::statusJson(bool online) {
  return report_ ? report_->statusJson(online) : std::string();
}

std::string AgentApp::metricsText() { return report_ ? report_->metricsText() : std::string(); }

void AgentApp::publishRetained(const std::string& topic, const std::string& payload) {
  if (!mqtt_ || !mqtt_->isConnected()) {
    return;  // republished on (re)connect
  }
  if (auto published = mqtt_->publish({topic, payload, 1, true, "", ""}, std::chrono::seconds{5});
      !published) {
    logger_.limited(LogLevel::Warning, "status-publish", "cannot publish status",
                    {{"topic", topic}, {"error", published.error().toString()}});
  }
}

void AgentApp::onConnection(bool connected) {
  if (!connected) {
    return;
  }
  publishRetained(topics_.status(), statusJson(true));
  forEachTerminal([&](Terminal& device) {
    const std::string status = device.statusJson();
    if (!status.empty()) {
      const std::string serial = device.serial();
      publishRetained(topics_.deviceStatus(serial.empty() ? device.name() : serial), status);
    }
  });
  uplink_->wake();
}

void AgentApp::onMessage(const mqtt_client::MqttMessage& message) {
  if (message.topic == topics_.acks()) {
    uplink_->onAck(message.payload);
  } else if (message.topic == topics_.commands()) {
    router_->onCommand(message.payload);
  }
}

Terminal* AgentApp::findTerminal(const std::string& key) {
  for (auto& terminals : terminals_) {
    if (Terminal* found = terminals->find(key)) {
      return found;
    }
  }
  return nullptr;
}

void AgentApp::forEachTerminal(const std::function<void(Terminal&)>& visit) {
  for (auto& terminals : terminals_) {
    terminals->forEach(visit);
  }
}

void AgentApp::stop() {
  if (!started_) {
    return;
  }
  started_ = false;
  for (auto& terminals : terminals_) {
    terminals->stop();
  }
  if (status_server_) {
    status_server_->stop();
  }
  uplink_->stop(std::chrono::milliseconds{3000});
  // A clean shutdown says so; the broker's last will covers crashes.
  publishRetained(topics_.status(), statusJson(false));
  mqtt_->stop();
  terminals_.clear();
  router_.reset();
  report_.reset();
  uplink_.reset();
  mqtt_.reset();
  outbox_.reset();
  logger_.info("agent stopped");
}

}  // namespace punchlink::agent
