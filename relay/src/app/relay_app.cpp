#include "relay_app.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <nlohmann/json.hpp>

namespace punchlink::relay {

namespace {

class HealthHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit HealthHandler(const RelayApp& app) : app_(app) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    std::string body;
    if (request.getURI() == "/healthz") {
      body = app_.healthJson();
    } else {
      response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
      body = R"({"error":"not found","code":"not_found"})";
    }
    response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    response.send() << body;
  }

 private:
  const RelayApp& app_;
};

class HealthFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HealthFactory(const RelayApp& app) : app_(app) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new HealthHandler(app_);  // Poco takes ownership
  }

 private:
  const RelayApp& app_;
};

}  // namespace

std::string relayVersion() { return "0.1.0"; }

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
  ingest_ = std::make_unique<IngestConsumer>(*store_, *mqtt_, config_.broker.share_group,
                                             logger_.child("ingest"), clock_);
  mqtt_->setMessageHandler(
      [this](const mqtt_client::MqttMessage& message) { ingest_->onMessage(message); });
  if (auto subscribed = ingest_->subscribe(); !subscribed) {
    return subscribed;
  }
  try {
    Poco::Net::ServerSocket socket{Poco::Net::SocketAddress(config_.http.listen)};
    auto* params = new Poco::Net::HTTPServerParams;  // Poco takes ownership
    params->setMaxThreads(8);
    http_ = std::make_unique<Poco::Net::HTTPServer>(new HealthFactory(*this), socket, params);
    http_->start();
  } catch (const std::exception& error) {
    return makeError(ErrorCode::Unavailable,
                     "cannot listen on " + config_.http.listen + ": " + error.what(),
                     "choose a free address in http.listen");
  }
  mqtt_->start();
  started_ = true;
  logger_.info("relay started", {{"http", config_.http.listen}, {"broker", config_.broker.url}});
  return {};
}

void RelayApp::runUntilSignal(const sigset_t& signals) {
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  logger_.info("stopping on signal");
}

void RelayApp::stop() {
  if (!started_) {
    return;
  }
  started_ = false;
  if (http_) {
    http_->stopAll(true);
  }
  mqtt_->stop();
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

}  // namespace punchlink::relay
