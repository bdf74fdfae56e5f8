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
                              publishCommandResult(command, outcome);
                            },
                            [this](std::size_t) { uplink_->wake(); }};
  const TerminalContext context{*outbox_, sinks, logger_, clock_, config_.status.interval};
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
  contract::AgentStatus status;
  status.site_id = config_.site_id;
  status.online = online;
  status.agent_version = agentVersion();
  status.started_at = formatRfc3339(std::chrono::floor<std::chrono::seconds>(started_at_));
  status.broker_connected = mqtt_ && mqtt_->isConnected();
  if (outbox_) {
    if (auto stats = outbox_->stats()) {
      contract::OutboxStatus outbox{
          stats->pending, stats->total, stats->size_bytes, config_.outbox.max_size,
          stats->alarm,   stats->full,  std::nullopt};
      if (stats->oldest_pending_ms) {
        outbox.oldest_pending_age_s = (nowMs() - *stats->oldest_pending_ms) / 1000;
      }
      status.outbox = outbox;
    }
  }
  if (uplink_) {
    const auto stats = uplink_->stats();
    status.uplink = contract::UplinkStatus{stats.batches_sent, stats.punches_sent,
                                           stats.punches_acked, stats.punches_rejected};
  }
  forEachTerminal([&](Terminal& device) {
    std::string device_status = device.statusJson();
    if (device_status.empty()) {
      contract::DeviceStatus named;
      named.name = device.name();
      device_status = contract::encodeDeviceStatus(named);
    }
    status.devices.push_back(std::move(device_status));
  });
  return contract::encodeAgentStatus(status);
}

std::string AgentApp::metricsText() {
  MetricsWriter out;
  out.gauge("punchlink_agent_broker_connected", "1 while the agent is connected to the broker",
            mqtt_ && mqtt_->isConnected() ? 1 : 0);
  if (outbox_) {
    if (auto stats = outbox_->stats()) {
      out.gauge("punchlink_agent_outbox_pending", "Punches not yet acknowledged by the relay",
                stats->pending);
      out.gauge("punchlink_agent_outbox_rows", "Rows in the outbox (pending and retained)",
                stats->total);
      out.gauge("punchlink_agent_outbox_size_bytes", "Size of the outbox database",
                static_cast<std::int64_t>(stats->size_bytes));
      out.gauge("punchlink_agent_outbox_oldest_pending_age_seconds",
                "Age of the oldest unacknowledged punch (0 when none)",
                stats->oldest_pending_ms ? (nowMs() - *stats->oldest_pending_ms) / 1000 : 0);
      out.gauge("punchlink_agent_outbox_alarm", "1 when the outbox is above its alarm size",
                stats->alarm ? 1 : 0);
    }
  }
  if (uplink_) {
    const auto stats = uplink_->stats();
    out.counter("punchlink_agent_batches_sent_total", "Punch batches published",
                stats.batches_sent);
    out.counter("punchlink_agent_punches_sent_total", "Punches published (resends included)",
                stats.punches_sent);
    out.counter("punchlink_agent_punches_acked_total", "Punches the relay acknowledged",
                stats.punches_acked);
    out.counter("punchlink_agent_punches_rejected_total", "Punches the relay rejected",
                stats.punches_rejected);
  }
  std::int64_t online = 0;
  std::int64_t terminals = 0;
  forEachTerminal([&](Terminal& device) {
    online += device.online() ? 1 : 0;
    ++terminals;
  });
  out.gauge("punchlink_agent_devices", "Terminals configured (and push terminals discovered)",
            terminals);
  out.gauge("punchlink_agent_devices_online", "Terminals currently reachable", online);
  return out.text();
}

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
    onCommand(message.payload);
  }
}

Terminal* AgentApp::findDevice(const std::string& key) {
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

void AgentApp::onCommand(const std::string& payload) {
  auto command = contract::decodeCommand(payload);
  if (!command) {
    // Malformed: answer with a failure naming the problem (and the id, if it had one).
    logger_.warn("rejected a malformed command", {{"error", command.error().message}});
    const auto header = contract::peekCommandHeader(payload);
    Command rejected;
    rejected.command_id = command.error().hint;
    rejected.device = header.device;
    rejected.type_text = header.type.empty() ? "unknown" : header.type;
    publishCommandResult(rejected, {false, command.error().message, ""});
    return;
  }
  // Replays are idempotent: a finished command's stored result is published again.
  if (auto stored = outbox_->commandResult(command->command_id); stored && stored->has_value()) {
    (void)mqtt_->publish({topics_.commandResults(), **stored, 1, false, "", ""},
                         std::chrono::seconds{5});
    return;
  }
  {
    const std::lock_guard lock(commands_mutex_);
    if (!commands_in_flight_.insert(command->command_id).second) {
      return;  // already queued or running
    }
  }
  Terminal* device = findDevice(command->device);
  if (device == nullptr) {
    publishCommandResult(
        *command,
        {false, "no terminal \"" + command->device + "\" at site " + config_.site_id, ""});
    return;
  }
  auto expires = clock_.now() + config_.command_expiry;
  if (command->expires_at) {
    expires = std::min<std::chrono::system_clock::time_point>(expires, *command->expires_at);
  }
  device->enqueue(std::move(command.value()), expires);
}

void AgentApp::publishCommandResult(const Command& command, const CommandOutcome& outcome) {
  const std::string json = contract::encodeCommandResult(
      {command.command_id, command.device,
       command.type_text.empty() ? std::string(commandTypeName(command.type)) : command.type_text,
       outcome.succeeded, outcome.error, outcome.result_json,
       std::chrono::floor<std::chrono::seconds>(clock_.now())});
  if (!command.command_id.empty()) {
    (void)outbox_->saveCommandResult(command.command_id, json, nowMs());
    const std::lock_guard lock(commands_mutex_);
    commands_in_flight_.erase(command.command_id);
  }
  if (mqtt_) {
    if (auto published = mqtt_->publish({topics_.commandResults(), json, 1, false, "", ""},
                                        std::chrono::seconds{5});
        !published) {
      logger_.warn("cannot publish a command result; it is stored and sent again on replay",
                   {{"command_id", command.command_id}, {"error", published.error().toString()}});
    }
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
  uplink_.reset();
  mqtt_.reset();
  outbox_.reset();
  logger_.info("agent stopped");
}

}  // namespace punchlink::agent
