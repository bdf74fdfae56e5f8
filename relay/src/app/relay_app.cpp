#include "relay_app.hpp"

#include "api/rest_api.hpp"

#include <punchlink/common/metrics_writer.hpp>
#include <punchlink/common/signals.hpp>
#include <punchlink/contract/topics.hpp>

#include <nlohmann/json.hpp>

namespace punchlink::relay {

std::string relayVersion() { return "0.1.0"; }

Status MqttCommandSender::send(const std::string& site_id, const std::string& payload) {
  return mqtt_.publish({contract::SiteTopics(site_id).commands(), payload, 1, false, "", ""},
                       std::chrono::seconds{5});
}

RelayApp::RelayApp(RelayConfig config, StorePtr store, Logger logger, const Clock& clock)
    : config_(std::move(config)),
      store_(std::move(store)),
      logger_(std::move(logger)),
      clock_(clock) {}

RelayApp::~RelayApp() { stop(); }

Status RelayApp::start() {
  mqtt_client::MqttClientOptions options;
  options.server_uri = config_.broker.url;
  options.client_id = config_.broker.client_id;
  options.username = config_.broker.username;
  options.password = config_.broker.password;
  options.ca_file = config_.broker.ca_file;
  options.verify_hostname = config_.broker.verify_hostname;
  options.clean_start = false;
  auto client = mqtt_client::MqttClient::create(options, logger_.child("mqtt"));
  if (!client) {
    return client.error();
  }
  mqtt_ = std::move(client.value());
  Store& store = *store_;
  tracker_ = std::make_unique<CommandTracker>(store.unitOfWork(), store.commands(), store.users(),
                                              store.outbox());
  punch_ingest_ = std::make_unique<PunchIngest>(
      PunchIngestParts{store.unitOfWork(), store.sightings(), store.punches(), store.deviceEvents(),
                       store.users(), store.outbox()});
  status_ingest_ = std::make_unique<StatusIngest>(
      StatusIngestParts{store.unitOfWork(), store.tenants(), store.sightings(), store.punches(),
                        store.deviceEvents(), store.outbox()},
      config_.devices.gap_alert_after);
  ingest_ = std::make_unique<IngestConsumer>(
      IngestTargets{store.tenants(), *punch_ingest_, *status_ingest_, *tracker_}, *mqtt_,
      logger_.child("ingest"), clock_);
  // A lane per connection: on PostgreSQL sites are stored at once (SQLite has one writer).
  ingest_lanes_ =
      std::make_unique<IngestLanes>(store.connections(), kIngestLaneLimits,
                                    [this](const std::vector<mqtt_client::MqttMessage>& waiting) {
                                      ingest_->onMessages(waiting);
                                    });
  mqtt_->setMessageHandler(
      [this](const mqtt_client::MqttMessage& message) { ingest_lanes_->post(message); });
  // Kept by the client and made again after every reconnect that lost the session.
  for (const auto& filter : IngestConsumer::subscriptions(config_.broker.share_group)) {
    if (auto subscribed = mqtt_->subscribe(filter, 1, std::chrono::seconds{5}); !subscribed) {
      return subscribed;
    }
  }
  const WebhookConfig& hooks = config_.webhooks;
  webhooks::WebhookHttpOptions http_options;
  http_options.timeout = hooks.attempt_timeout;
  http_options.ca_file = hooks.ca_file;
  http_options.policy = {hooks.allow_http, hooks.allow_private_networks};
  // One kept-alive connection for each attempt an endpoint may have in flight.
  http_options.max_idle_per_origin = hooks.per_endpoint_max_concurrency;
  webhook_http_ = std::make_unique<webhooks::WebhookHttpClient>(http_options);
  webhooks::DispatcherOptions dispatch;
  dispatch.node_id = config_.broker.client_id;
  dispatch.workers = hooks.workers;
  dispatch.per_endpoint_concurrency = hooks.per_endpoint_concurrency;
  dispatch.per_endpoint_max_concurrency = hooks.per_endpoint_max_concurrency;
  dispatch.poll_interval = hooks.poll_interval;
  dispatch.attempt_timeout = hooks.attempt_timeout;
  dispatch.retry.backoff.initial = hooks.initial_retry_delay;
  dispatch.retry.backoff.max = hooks.max_retry_delay;
  dispatch.retry.max_age = hooks.max_age;
  dispatch.retry.disable_after = hooks.disable_after;
  dispatch.user_agent = "punchlink/" + relayVersion();
  dispatcher_ = std::make_unique<webhooks::WebhookDispatcher>(
      webhooks::DispatcherStores{store.deliveryQueue(), store.endpoints(), store.outbox(),
                                 store.unitOfWork()},
      *webhook_http_, clock_, logger_.child("webhooks"), dispatch);
  ingest_->setDeliveriesQueuedHandler([this] { dispatcher_->poke(); });

  sender_ = std::make_unique<MqttCommandSender>(*mqtt_);
  issuer_ = std::make_unique<CommandIssuer>(store.commands(), *tracker_, *sender_, clock_,
                                            config_.devices.command_max_age);
  CommandResendOptions resend;
  resend.max_age = config_.devices.command_max_age;
  resender_ = std::make_unique<CommandResender>(store.commands(), *tracker_, *sender_, clock_,
                                                logger_.child("commands"), resend);
  mqtt_->setConnectionHandler([this](bool connected, const std::string&) {
    if (connected) {
      resender_->poke();
    }
  });
  limiter_ = std::make_unique<api::RateLimiter>(store.apiGuard(), clock_,
                                                config_.http.rate_limit_per_minute);
  limit_flusher_ = std::make_unique<api::RateLimitFlusher>(*limiter_, api::kRateLimitFlushInterval);
  if (config_.console.enabled) {
    console_sessions_ = std::make_unique<tenancy::ConsoleSessionService>(
        store.consoleSessions(), store.apiKeys(), store.tenants(), clock_,
        tenancy::ConsoleSessionOptions{config_.console.session_lifetime,
                                       config_.console.idle_timeout});
  }
  guard_ = std::make_unique<api::RequestGuard>(store.apiKeys(), store.apiGuard(), *limiter_, clock_,
                                               api::RequestGuardOptions{}, console_sessions_.get());
  api::ApiOptions api_options;
  api_options.webhooks.url_policy = http_options.policy;
  api_options.webhooks.rotation_overlap = hooks.rotation_overlap;
  api_options.webhooks.deliveries_queued = [this] { dispatcher_->poke(); };
  api_options.webhooks.max_endpoints = config_.limits.webhook_endpoints_per_tenant;
  api_options.clear_check_max_age = config_.devices.clear_check_max_age;
  // A stream ends before the listener's deadline would cut it; the client resumes at once.
  api_options.stream.duration = std::min<std::chrono::milliseconds>(
      std::chrono::seconds{25}, config_.http.connection_deadline * 4 / 5);
  api_options.stream.per_tenant = config_.console.streams_per_tenant;
  // A quarter of the HTTP threads at most, so streams never starve API calls.
  api_options.stream.total = std::max(1, config_.http.threads / 4);
  router_ = std::make_unique<api::Router>(api::makeRestApi(
      {store.tenants(), store.devices(), store.punches(), store.deviceEvents(), store.users(),
       store.commands(), *issuer_, store.endpoints(), store.deliveryLog()},
      *guard_, clock_, api_options));
  if (console_sessions_) {
    api::addConsoleRoutes(*router_, *console_sessions_);
  }
  const api::ServiceProbes probes{[this] { return nlohmann::ordered_json::parse(healthJson()); },
                                  [this] { return metricsText(); }};
  const HttpListenerOptions limits{.max_threads = config_.http.threads,
                                   .keep_alive = true,
                                   .connection_deadline = config_.http.connection_deadline,
                                   .per_address = config_.http.connections_per_address,
                                   .busy_grace = config_.http.busy_grace};
  if (config_.http.admin_listen.empty()) {
    api::addServiceRoutes(*router_, probes);
  } else {
    admin_router_ = std::make_unique<api::Router>();
    api::addServiceRoutes(*admin_router_, probes);
    auto admin = api::HttpServer::start({config_.http.admin_listen, "", "", {.max_threads = 4}},
                                        *admin_router_, logger_.child("admin-http"));
    if (!admin) {
      return admin.error();
    }
    admin_http_ = std::move(admin.value());
  }
  auto http = api::HttpServer::start(
      {config_.http.listen, config_.http.tls_cert_file, config_.http.tls_key_file, limits},
      *router_, logger_.child("http"));
  if (!http) {
    return http.error();
  }
  http_ = std::move(http.value());
  dispatcher_->start();
  mqtt_->start();
  started_ = true;
  logger_.info(
      "relay started",
      {{"http", config_.http.listen},
       {"admin_http", config_.http.admin_listen.empty() ? "-" : config_.http.admin_listen},
       {"https", config_.http.tls_cert_file.empty() ? "no" : "yes"},
       {"broker", config_.broker.url},
       {"storage", config_.storage.rfind("postgres", 0) == 0 ? "postgresql" : config_.storage}});
  return {};
}

void RelayApp::runUntilSignal(const sigset_t& signals, ServiceNotifier& notifier) {
  do {
    notifier.keepAlive();
  } while (!awaitTerminationSignal(signals, std::chrono::seconds{1}));
  logger_.info("stopping on signal");
}

void RelayApp::stop() {
  if (!started_) {
    return;
  }
  started_ = false;
  http_.reset();
  admin_http_.reset();
  limit_flusher_.reset();  // flushes this node's last counts
  ingest_lanes_->stop();   // the batch being stored is acked; the queued ones come again
  mqtt_->stop();
  dispatcher_->stop();
  resender_.reset();
  logger_.info("relay stopped");
}

std::string RelayApp::healthJson() const {
  const auto stats = ingest_ ? ingest_->stats() : IngestStats{};
  return nlohmann::json{{"status", "ok"},
                        {"version", relayVersion()},
                        {"broker_connected", mqtt_ && mqtt_->isConnected()},
                        {"ingest",
                         {{"batches", stats.batches},
                          {"punches_stored", stats.punches_stored},
                          {"punches_duplicate", stats.punches_duplicate},
                          {"punches_rejected", stats.punches_rejected},
                          {"batches_refused", stats.batches_refused}}}}
      .dump();
}

std::optional<DeliveryCounts> RelayApp::queueCounts() const {
  const std::lock_guard lock(queue_counts_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (!queue_counts_ || now - queue_counts_at_ >= kQueueCountsMaxAge) {
    if (auto counts = store_->deliveryQueue().counts()) {
      queue_counts_ = *counts;
      queue_counts_at_ = now;
    }
  }
  return queue_counts_;
}

std::string RelayApp::metricsText() const {
  const auto stats = ingest_ ? ingest_->stats() : IngestStats{};
  MetricsWriter out;
  out.gauge("punchlink_relay_broker_connected", "1 while the relay is connected to the broker",
            mqtt_ && mqtt_->isConnected() ? 1 : 0);
  out.counter("punchlink_relay_ingest_batches_total", "Punch batches received from agents",
              stats.batches);
  out.counter("punchlink_relay_punches_stored_total", "Punches stored for the first time",
              stats.punches_stored);
  out.counter("punchlink_relay_punches_clock_suspect_total",
              "Punches stored flagged clock_suspect (the terminal's clock cannot have been right)",
              stats.punches_clock_suspect);
  out.counter("punchlink_relay_device_events_stored_total",
              "Door, alarm, denied-access and clock events stored for the first time",
              stats.device_events_stored);
  out.counter("punchlink_relay_punches_duplicate_total",
              "Punches received again (already stored, acked again)", stats.punches_duplicate);
  out.counter("punchlink_relay_punches_rejected_total", "Punches rejected as invalid",
              stats.punches_rejected);
  out.counter("punchlink_relay_batches_refused_total",
              "Batches not acked (unknown site, malformed payload, storage error)",
              stats.batches_refused);
  const auto hooks = dispatcher_ ? dispatcher_->stats() : webhooks::DispatcherStats{};
  out.counter("punchlink_relay_webhook_attempts_total", "Webhook HTTP attempts", hooks.attempts);
  out.counter("punchlink_relay_webhook_delivered_total", "Webhook deliveries that got a 2xx",
              hooks.delivered);
  out.counter("punchlink_relay_webhook_retries_total", "Failed attempts scheduled for a retry",
              hooks.retries_scheduled);
  out.counter("punchlink_relay_webhook_failed_total",
              "Deliveries given up after the maximum age (resendable)", hooks.failed);
  out.counter("punchlink_relay_webhook_endpoints_disabled_total",
              "Endpoints disabled (410 Gone or failing too long)", hooks.endpoints_disabled);
  out.histogram("punchlink_relay_webhook_attempt_latency_ms",
                "Webhook attempt latency in milliseconds (request sent to answer read)",
                webhooks::kLatencyBucketsMs, hooks.latency_le, hooks.attempts,
                static_cast<double>(hooks.latency_ms_total));
  if (http_) {
    out.family("punchlink_relay_http_requests_total", "HTTP requests answered, by status code",
               "counter");
    for (const auto& [status, count] : http_->requestsByStatus()) {
      out.labelled("punchlink_relay_http_requests_total", "code", std::to_string(status),
                   std::to_string(count));
    }
  }
  if (const auto counts = queueCounts()) {
    out.family("punchlink_relay_webhook_deliveries",
               "Webhook deliveries in the store still to go (pending) or given up (failed)",
               "gauge");
    out.labelled("punchlink_relay_webhook_deliveries", "status", "pending",
                 std::to_string(counts->pending));
    out.labelled("punchlink_relay_webhook_deliveries", "status", "failed",
                 std::to_string(counts->failed));
  }
  return out.text();
}

}  // namespace punchlink::relay
