// RelayApp: the composition root of `punchlink-relay serve`: store, MQTT ingest, HTTP listener.
#pragma once

#include "api/console_handler.hpp"
#include "api/http_server.hpp"
#include "api/rate_limiter.hpp"
#include "api/request_guard.hpp"
#include "api/router.hpp"
#include "commands/command_issuer.hpp"
#include "commands/command_resender.hpp"
#include "commands/command_sender.hpp"
#include "commands/command_tracker.hpp"
#include "config/relay_config.hpp"
#include "ingest/ingest_consumer.hpp"
#include "ingest/ingest_lanes.hpp"
#include "ingest/punch_ingest.hpp"
#include "ingest/status_ingest.hpp"
#include "store/store.hpp"
#include "webhooks/webhook_dispatcher.hpp"
#include "webhooks/webhook_http_client.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/mqtt_client.hpp>
#include <punchlink/common/service_notifier.hpp>

#include <signal.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

namespace punchlink::relay {

// Publishes commands to a site's agent over MQTT.
class MqttCommandSender final : public CommandSender {
 public:
  explicit MqttCommandSender(mqtt_client::Publisher& mqtt) : mqtt_(mqtt) {}

  Status send(const std::string& site_id, const std::string& payload) override;

 private:
  mqtt_client::Publisher& mqtt_;
};

class RelayApp {
 public:
  RelayApp(RelayConfig config, StorePtr store, Logger logger, const Clock& clock);
  ~RelayApp();
  RelayApp(const RelayApp&) = delete;
  RelayApp& operator=(const RelayApp&) = delete;
  RelayApp(RelayApp&&) = delete;
  RelayApp& operator=(RelayApp&&) = delete;

  Status start();
  // Runs until SIGTERM/SIGINT, pinging the systemd watchdog from this loop.
  void runUntilSignal(const sigset_t& signals, ServiceNotifier& notifier);
  void stop();

  std::string healthJson() const;
  std::string metricsText() const;

 private:
  // The webhook queue's counts, read from the store at most every kQueueCountsMaxAge.
  std::optional<DeliveryCounts> queueCounts() const;

  RelayConfig config_;
  StorePtr store_;
  Logger logger_;
  const Clock& clock_;
  std::unique_ptr<mqtt_client::MqttClient> mqtt_;
  std::unique_ptr<CommandTracker> tracker_;
  std::unique_ptr<PunchIngest> punch_ingest_;
  std::unique_ptr<StatusIngest> status_ingest_;
  std::unique_ptr<IngestConsumer> ingest_;
  std::unique_ptr<IngestLanes> ingest_lanes_;
  std::unique_ptr<MqttCommandSender> sender_;
  std::unique_ptr<CommandIssuer> issuer_;
  std::unique_ptr<CommandResender> resender_;
  std::unique_ptr<tenancy::ConsoleSessionService> console_sessions_;
  std::unique_ptr<webhooks::WebhookHttpClient> webhook_http_;
  std::unique_ptr<webhooks::WebhookDispatcher> dispatcher_;
  std::unique_ptr<api::RateLimiter> limiter_;
  std::unique_ptr<api::RateLimitFlusher> limit_flusher_;
  std::unique_ptr<api::RequestGuard> guard_;
  std::unique_ptr<api::Router> router_;
  std::unique_ptr<api::Router> admin_router_;
  std::unique_ptr<api::HttpServer> http_;
  std::unique_ptr<api::HttpServer> admin_http_;
  // /metrics answers from counts at most this old, so scraping it (or flooding it) costs the
  // database one query per interval.
  static constexpr std::chrono::seconds kQueueCountsMaxAge{5};
  // What an ingest lane queues before the MQTT client's thread waits (agents keep a few batches
  // in flight each, so this covers many sites without holding much memory): 64 messages, and
  // 16 MiB however large they are.
  static constexpr LaneLimits kIngestLaneLimits{64, std::size_t{16} << 20U};
  mutable std::mutex queue_counts_mutex_;
  mutable std::optional<DeliveryCounts> queue_counts_;
  mutable std::chrono::steady_clock::time_point queue_counts_at_;
  bool started_ = false;
};

std::string relayVersion();

}  // namespace punchlink::relay
