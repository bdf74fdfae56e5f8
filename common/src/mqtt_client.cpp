#include <punchlink/common/mqtt_client.hpp>
#include <punchlink/common/tcp_nodelay.hpp>

#include <mqtt/async_client.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace punchlink::mqtt_client {

namespace {

// Paho C understands tcp:// and ssl://; our configs say mqtt:// and mqtts://, as brokers' docs do.
Result<std::pair<std::string, bool>> normalizeUri(const std::string& uri) {
  struct Scheme {
    std::string_view prefix;
    std::string_view paho;
    bool tls;
  };

  static constexpr Scheme kSchemes[] = {{"mqtts://", "ssl://", true},
                                        {"ssl://", "ssl://", true},
                                        {"mqtt://", "tcp://", false},
                                        {"tcp://", "tcp://", false}};
  for (const Scheme& scheme : kSchemes) {
    if (uri.rfind(scheme.prefix, 0) == 0) {
      const std::string rest = uri.substr(scheme.prefix.size());
      if (rest.empty() || rest.find(':') == std::string::npos) {
        return makeError(ErrorCode::InvalidInput, "broker URL \"" + uri + "\" has no port",
                         "write it as mqtts://host:8883");
      }
      return std::make_pair(std::string(scheme.paho) + rest, scheme.tls);
    }
  }
  return makeError(ErrorCode::InvalidInput,
                   "broker URL \"" + uri + "\" must start with mqtts:// or mqtt://",
                   "write it as mqtts://host:8883");
}

Status checkReadable(const std::string& path, std::string_view what) {
  if (!path.empty() && ::access(path.c_str(), R_OK) != 0) {
    return makeError(ErrorCode::InvalidInput,
                     std::string(what) + " " + path + " does not exist or is not readable",
                     "check the path and the file's permissions");
  }
  return {};
}

std::string reasonText(int reason_code) {
  switch (reason_code) {
    case mqtt::ReasonCode::NOT_AUTHORIZED:
      return "not authorized";
    case mqtt::ReasonCode::BAD_USER_NAME_OR_PASSWORD:
      return "bad user name or password";
    case mqtt::ReasonCode::TOPIC_NAME_INVALID:
      return "topic name invalid";
    case mqtt::ReasonCode::QUOTA_EXCEEDED:
      return "quota exceeded";
    case mqtt::ReasonCode::PACKET_TOO_LARGE:
      return "packet too large";
    case mqtt::ReasonCode::SERVER_UNAVAILABLE:
      return "server unavailable";
    case mqtt::ReasonCode::SERVER_BUSY:
      return "server busy";
    default:
      return "reason code " + std::to_string(reason_code);
  }
}

int connectWithTimeout(const std::string& host,
                       const std::string& port,
                       std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) {
    return -1;
  }
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  const int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::string diagnoseTls(const MqttClientOptions& options, const std::string& paho_uri) {
  // paho_uri is ssl://host:port; IPv6 hosts come in brackets.
  std::string host_port = paho_uri.substr(paho_uri.find("://") + 3);
  const auto colon = host_port.rfind(':');
  std::string host = host_port.substr(0, colon);
  const std::string port = host_port.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const int fd = connectWithTimeout(host, port, options.connect_timeout);
  if (fd < 0) {
    return {};  // not a TLS problem: the TCP connection itself failed
  }
  const std::unique_ptr<SSL_CTX, decltype(&::SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                                &::SSL_CTX_free);
  std::string result;
  if (ctx) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (options.ca_file.empty()) {
      SSL_CTX_set_default_verify_paths(ctx.get());
    } else if (SSL_CTX_load_verify_locations(ctx.get(), options.ca_file.c_str(), nullptr) != 1) {
      result = "the CA file could not be loaded as PEM certificates";
    }
    if (result.empty() && !options.cert_file.empty() &&
        (SSL_CTX_use_certificate_chain_file(ctx.get(), options.cert_file.c_str()) != 1 ||
         SSL_CTX_use_PrivateKey_file(ctx.get(), options.key_file.c_str(), SSL_FILETYPE_PEM) != 1)) {
      result = "the client certificate or key could not be loaded";
    }
  }
  if (ctx && result.empty()) {
    const std::unique_ptr<SSL, decltype(&::SSL_free)> ssl(SSL_new(ctx.get()), &::SSL_free);
    SSL_set_fd(ssl.get(), fd);
    in6_addr ip{};
    const bool is_ip = ::inet_pton(AF_INET, host.c_str(), &ip) == 1 ||
                       ::inet_pton(AF_INET6, host.c_str(), &ip) == 1;
    if (!is_ip) {
      // SSL_set_tlsext_host_name() is a macro with a C cast; this is what it expands to.
      SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(host.c_str()));
    }
    if (options.verify_hostname) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
      if (is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
      } else {
        X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
      }
    }
    ERR_clear_error();
    if (SSL_connect(ssl.get()) != 1) {
      const long verify = SSL_get_verify_result(ssl.get());
      if (verify != X509_V_OK) {
        result = std::string("certificate verification failed: ") +
                 X509_verify_cert_error_string(verify);
      } else if (const unsigned long code = ERR_get_error(); code != 0) {
        char text[256];
        ERR_error_string_n(code, text, sizeof text);
        result = text;
      } else {
        result = "the server closed the connection during the handshake";
      }
    }
  }
  ::close(fd);
  return result;
}

template <typename Work>
void MqttClient::fromPaho(Work&& work) {
  {
    const std::lock_guard lock(callbacks_mutex_);
    if (callbacks_closed_) {
      return;
    }
    ++callbacks_running_;
  }
  std::forward<Work>(work)();
  {
    const std::lock_guard lock(callbacks_mutex_);
    --callbacks_running_;
  }
  callbacks_idle_.notify_all();
}

Result<std::unique_ptr<MqttClient>> MqttClient::create(MqttClientOptions options, Logger logger) {
  auto uri = normalizeUri(options.server_uri);
  if (!uri) {
    return uri.error();
  }
  if (options.client_id.empty()) {
    return makeError(ErrorCode::InvalidInput, "MQTT client id is empty",
                     "set a client id unique on the broker (e.g. the site id)");
  }
  const bool tls = uri->second;
  if (!tls && (!options.ca_file.empty() || !options.cert_file.empty())) {
    return makeError(
        ErrorCode::InvalidInput,
        "TLS files are configured but the broker URL " + options.server_uri + " is not mqtts://",
        "use mqtts:// to connect over TLS");
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    return makeError(ErrorCode::InvalidInput,
                     "a client certificate needs both a certificate file and a key file");
  }
  for (const auto& [path, what] :
       {std::pair{&options.ca_file, "CA file"}, std::pair{&options.cert_file, "certificate file"},
        std::pair{&options.key_file, "key file"}}) {
    if (auto readable = checkReadable(*path, what); !readable) {
      return readable.error();
    }
  }
  std::unique_ptr<MqttClient> client(new MqttClient(std::move(options), std::move(logger)));
  client->tls_ = tls;
  client->paho_uri_ = uri->first;
  try {
    const auto create = mqtt::create_options_builder().mqtt_version(MQTTVERSION_5).finalize();
    client->client_ = std::make_unique<mqtt::async_client>(uri->first, client->options_.client_id,
                                                           create, nullptr);

    MqttClient* self = client.get();
    client->client_->set_connection_lost_handler([self](const std::string& cause) {
      self->fromPaho([&] { self->onConnectionLost(cause); });
    });
    client->client_->set_disconnected_handler(
        [self](const mqtt::properties&, mqtt::ReasonCode reason) {
          self->fromPaho(
              [&] { self->onConnectionLost("broker disconnected us: " + reasonText(reason)); });
        });
    client->client_->set_message_callback([self](mqtt::const_message_ptr message) {
      MqttMessage copy;
      copy.topic = message->get_topic();
      copy.payload = message->get_payload_str();
      copy.qos = message->get_qos();
      copy.retained = message->is_retained();
      const mqtt::properties& props = message->get_properties();
      if (props.contains(mqtt::property::RESPONSE_TOPIC)) {
        copy.response_topic = mqtt::get<std::string>(props, mqtt::property::RESPONSE_TOPIC);
      }
      if (props.contains(mqtt::property::CORRELATION_DATA)) {
        copy.correlation_data = mqtt::get<std::string>(props, mqtt::property::CORRELATION_DATA);
      }
      self->fromPaho([&] { self->onMessage(std::move(copy)); });
    });
  } catch (const std::exception& error) {
    return makeError(
        ErrorCode::InvalidInput,
        "cannot set up MQTT client for " + client->options_.server_uri + ": " + error.what());
  }
  return client;
}

MqttClient::MqttClient(MqttClientOptions options, Logger logger)
    : options_(std::move(options)), logger_(std::move(logger)), backoff_(options_.reconnect) {}

MqttClient::~MqttClient() { stop(); }

void MqttClient::setMessageHandler(MessageHandler handler) {
  const std::lock_guard lock(mutex_);
  message_handler_ = std::move(handler);
}

void MqttClient::setConnectionHandler(ConnectionHandler handler) {
  const std::lock_guard lock(mutex_);
  connection_handler_ = std::move(handler);
}

void MqttClient::start() {
  const std::lock_guard lock(mutex_);
  if (started_ || stopping_) {
    return;
  }
  started_ = true;
  delivery_ = std::jthread([this](const std::stop_token& stop) { deliveryLoop(stop); });
  supervisor_ = std::jthread([this](const std::stop_token& stop) { superviseLoop(stop); });
}

Status MqttClient::connect(std::chrono::milliseconds timeout) {
  start();
  if (waitConnected(timeout)) {
    return {};
  }
  const std::lock_guard lock(mutex_);
  if (last_error_) {
    return *last_error_;
  }
  return makeError(ErrorCode::DeadlineExceeded,
                   "no connection to MQTT broker " + options_.server_uri + " within " +
                       std::to_string(timeout.count()) + " ms",
                   "check that the broker is running and reachable");
}

bool MqttClient::waitConnected(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return state_changed_.wait_for(lock, timeout, [this] { return connected_ || stopping_; }) &&
         connected_;
}

bool MqttClient::isConnected() const {
  const std::lock_guard lock(mutex_);
  return connected_;
}

void MqttClient::superviseLoop(const std::stop_token& stop) {
  auto next_attempt = std::chrono::steady_clock::now();
  while (!stop.stop_requested()) {
    bool should_connect = false;
    {
      std::unique_lock lock(mutex_);
      if (lost_) {
        lost_ = false;
        next_attempt = std::chrono::steady_clock::now() + backoff_.next();
      }
      if (connected_) {
        state_changed_.wait(lock, stop, [this] { return lost_ || stopping_; });
        continue;
      }
      if (std::chrono::steady_clock::now() < next_attempt) {
        state_changed_.wait_until(lock, stop, next_attempt, [this] { return stopping_; });
        continue;
      }
      should_connect = !stopping_;
    }
    if (should_connect) {
      attemptConnect();
      const std::lock_guard lock(mutex_);
      if (!connected_) {
        next_attempt = std::chrono::steady_clock::now() + backoff_.next();
      }
    }
  }
}

void MqttClient::prepareConnectOptions() {
  // Paho C++ 1.2 copies connect_options without re-pointing the C struct at the copy's members
  // (a builder's finalize() copy keeps pointers into the builder's MQTT 5 properties). So the
  // options are built in place, in a member that lives until the next attempt. Paho's TLS error
  // callback is not used at all: connect() takes the options by value and leaves the callback
  // pointing into that dead copy; TLS failures are diagnosed by diagnoseTls() instead.
  auto options = std::make_unique<mqtt::connect_options>();
  options->set_mqtt_version(MQTTVERSION_5);
  options->set_clean_start(options_.clean_start);
  options->set_keep_alive_interval(options_.keep_alive);
  options->set_connect_timeout(options_.connect_timeout);
  options->set_automatic_reconnect(false);  // ours has jitter and resubscribes
  if (!options_.username.empty()) {
    options->set_user_name(options_.username);
    options->set_password(options_.password);
  }
  if (options_.will) {
    options->set_will(mqtt::will_options(options_.will->topic, options_.will->payload,
                                         options_.will->qos, options_.will->retained));
  }
  if (tls_) {
    auto ssl = std::make_unique<mqtt::ssl_options>();
    ssl->set_enable_server_cert_auth(true);
    ssl->set_verify(options_.verify_hostname);
    if (!options_.ca_file.empty()) {
      ssl->set_trust_store(options_.ca_file);
    }
    if (!options_.cert_file.empty()) {
      ssl->set_key_store(options_.cert_file);
      ssl->set_private_key(options_.key_file);
    }
    options->set_ssl(std::move(*ssl));
  }
  options->set_properties({mqtt::property(mqtt::property::SESSION_EXPIRY_INTERVAL,
                                          static_cast<int>(options_.session_expiry.count()))});
  active_connect_options_ = std::move(options);
}

void MqttClient::attemptConnect() {
  bool session_present = false;
  std::size_t receive_maximum = 65535;  // MQTT 5: absent means 65,535
  try {
    prepareConnectOptions();
    auto token = client_->connect(*active_connect_options_);
    if (!token->wait_for(options_.connect_timeout + std::chrono::seconds{1})) {
      throw mqtt::exception(MQTTASYNC_FAILURE, "connect timed out");
    }
    const auto& response = token->get_connect_response();
    session_present = response.is_session_present();
    if (response.get_properties().contains(mqtt::property::RECEIVE_MAXIMUM)) {
      receive_maximum =
          mqtt::get<std::uint16_t>(response.get_properties(), mqtt::property::RECEIVE_MAXIMUM);
    }
    const std::lock_guard lock(mutex_);
    publish_window_ = std::clamp(
        receive_maximum > kPublishMargin ? receive_maximum - kPublishMargin : std::size_t{1},
        std::size_t{1}, kMaxPublishWindow);
  } catch (const std::exception& error) {
    Error failure = describeFailure("connect to", error);
    logger_.limited(LogLevel::Warning, "mqtt-connect", "MQTT connect failed",
                    {{"broker", options_.server_uri}, {"error", failure.toString()}});
    const std::lock_guard lock(mutex_);
    last_error_ = std::move(failure);
    return;
  }

  (void)disableNagleForPeerPort(portOfUrl(options_.server_uri));
  std::vector<std::pair<std::string, int>> resubscribe;
  {
    const std::lock_guard lock(mutex_);
    connected_ = true;
    lost_ = false;
    ++stats_.connects;
    backoff_.reset();
    // Always, even with the session resumed: Mosquitto 2.0 (Debian 12) restores a persistent
    // session's plain subscriptions after a broker restart but not its shared ($share/…) ones,
    // and the relay would silently stop receiving punches. Subscribing again is idempotent.
    resubscribe = subscriptions_;
  }
  logger_.info("connected to MQTT broker", {{"broker", options_.server_uri},
                                            {"session_present", session_present ? "yes" : "no"},
                                            {"receive_maximum", std::to_string(receive_maximum)}});
  for (const auto& [filter, qos] : resubscribe) {
    try {
      client_->subscribe(filter, qos)->wait_for(options_.connect_timeout);
    } catch (const std::exception& error) {
      logger_.error("resubscribe failed", {{"filter", filter}, {"error", error.what()}});
    }
  }
  state_changed_.notify_all();
  enqueueConnectionEvent(true, session_present ? "connected, session resumed" : "connected");
}

void MqttClient::enqueueConnectionEvent(bool connected, const std::string& reason) {
  // Connection changes travel through the inbound queue, so handlers run on the delivery thread
  // in order with the messages (never on Paho's or the supervisor's thread).
  MqttMessage marker;
  marker.qos = connected ? kMarkerUp : kMarkerDown;
  marker.payload = reason;
  {
    const std::lock_guard lock(inbound_mutex_);
    inbound_bytes_ += queuedBytes(marker);
    inbound_.push_back(std::move(marker));
  }
  inbound_ready_.notify_one();
}

void MqttClient::onConnectionLost(const std::string& cause) {
  {
    const std::lock_guard lock(mutex_);
    if (!connected_ || stopping_) {
      return;
    }
    connected_ = false;
    lost_ = true;
    ++stats_.connection_losses;
    last_error_ =
        makeError(ErrorCode::Unavailable, "lost connection to MQTT broker " + options_.server_uri +
                                              (cause.empty() ? std::string() : ": " + cause));
  }
  logger_.limited(LogLevel::Warning, "mqtt-lost", "MQTT connection lost",
                  {{"broker", options_.server_uri}, {"cause", cause.empty() ? "unknown" : cause}});
  state_changed_.notify_all();
  enqueueConnectionEvent(false, cause);
}

void MqttClient::onMessage(MqttMessage message) {
  bool dropped = false;
  {
    const std::lock_guard lock(inbound_mutex_);
    const std::size_t size = queuedBytes(message);
    // One message is always taken when none waits: the broker bounds a message's size.
    if (!inbound_.empty() && (inbound_.size() >= options_.inbound_queue_limit ||
                              inbound_bytes_ + size > options_.inbound_queue_bytes)) {
      dropped = true;
    } else {
      inbound_bytes_ += size;
      inbound_.push_back(std::move(message));
    }
  }
  {
    const std::lock_guard lock(mutex_);
    ++(dropped ? stats_.dropped_inbound : stats_.received);
  }
  if (dropped) {
    logger_.limited(LogLevel::Warning, "mqtt-inbound-full",
                    "inbound MQTT queue full, message dropped (the sender will resend)",
                    {{"limit", std::to_string(options_.inbound_queue_limit)},
                     {"limit_bytes", std::to_string(options_.inbound_queue_bytes)}});
    return;
  }
  inbound_ready_.notify_one();
}

void MqttClient::deliveryLoop(const std::stop_token& stop) {
  while (true) {
    MqttMessage message;
    {
      std::unique_lock lock(inbound_mutex_);
      inbound_ready_.wait(lock, stop, [this] { return !inbound_.empty(); });
      if (inbound_.empty()) {
        return;  // stop requested and nothing left
      }
      message = std::move(inbound_.front());
      inbound_.pop_front();
      inbound_bytes_ -= queuedBytes(message);
    }
    if (message.qos == kMarkerUp || message.qos == kMarkerDown) {
      notifyConnection(message.qos == kMarkerUp, message.payload);
      continue;
    }
    MessageHandler handler;
    {
      const std::lock_guard lock(mutex_);
      handler = message_handler_;
    }
    if (!handler) {
      continue;
    }
    try {
      handler(message);
    } catch (const std::exception& error) {
      logger_.error("MQTT message handler failed",
                    {{"topic", message.topic}, {"error", error.what()}});
    }
  }
}

void MqttClient::notifyConnection(bool connected, const std::string& reason) {
  ConnectionHandler handler;
  {
    const std::lock_guard lock(mutex_);
    handler = connection_handler_;
  }
  if (!handler) {
    return;
  }
  try {
    handler(connected, reason);
  } catch (const std::exception& error) {
    logger_.error("MQTT connection handler failed", {{"error", error.what()}});
  }
}

Status MqttClient::subscribe(const std::string& filter,
                             int qos,
                             std::chrono::milliseconds timeout) {
  {
    const std::lock_guard lock(mutex_);
    bool known = false;
    for (auto& subscription : subscriptions_) {
      if (subscription.first == filter) {
        subscription.second = qos;
        known = true;
      }
    }
    if (!known) {
      subscriptions_.emplace_back(filter, qos);
    }
    if (!connected_) {
      return {};  // subscribed on connect
    }
  }
  try {
    auto token = client_->subscribe(filter, qos);
    if (!token->wait_for(timeout)) {
      return makeError(ErrorCode::DeadlineExceeded, "subscribe to " + filter + " timed out");
    }
  } catch (const std::exception& error) {
    return describeFailure("subscribe to " + filter + " on", error);
  }
  return {};
}

namespace {

mqtt::message_ptr toPaho(const MqttMessage& message) {
  auto msg = mqtt::make_message(message.topic, message.payload, message.qos, message.retained);
  if (!message.response_topic.empty() || !message.correlation_data.empty()) {
    mqtt::properties props;
    if (!message.response_topic.empty()) {
      props.add(mqtt::property(mqtt::property::RESPONSE_TOPIC, message.response_topic));
    }
    if (!message.correlation_data.empty()) {
      props.add(mqtt::property(mqtt::property::CORRELATION_DATA, message.correlation_data));
    }
    msg->set_properties(props);
  }
  return msg;
}

Error notConnected(const std::string& server_uri) {
  return makeError(ErrorCode::Unavailable, "not connected to MQTT broker " + server_uri,
                   "the message was not sent; retry after reconnect");
}

Error noAcknowledgement(const std::string& topic, std::chrono::milliseconds timeout) {
  return makeError(ErrorCode::DeadlineExceeded, "no acknowledgement from the broker for " + topic +
                                                    " within " + std::to_string(timeout.count()) +
                                                    " ms");
}

}  // namespace

Status MqttClient::publish(const MqttMessage& message, std::chrono::milliseconds timeout) {
  if (!isConnected()) {
    return notConnected(options_.server_uri);
  }
  try {
    auto token = client_->publish(toPaho(message));
    if (!token->wait_for(timeout)) {
      return noAcknowledgement(message.topic, timeout);
    }
  } catch (const std::exception& error) {
    return describeFailure("publish to " + message.topic + " on", error);
  }
  const std::lock_guard lock(mutex_);
  ++stats_.published;
  return {};
}

template <typename SettleOwn>
bool MqttClient::takePublishSlot(std::chrono::steady_clock::time_point deadline,
                                 SettleOwn&& settle_own) {
  std::unique_lock lock(mutex_);
  while (publish_slots_used_ >= publish_window_) {
    lock.unlock();
    // Waiting on our own oldest message frees a slot without depending on other threads.
    const bool settled = settle_own();
    lock.lock();
    if (settled) {
      continue;
    }
    if (!publish_slot_freed_.wait_until(lock, deadline,
                                        [this] { return publish_slots_used_ < publish_window_; })) {
      return false;
    }
  }
  ++publish_slots_used_;
  return true;
}

void MqttClient::releasePublishSlot() {
  {
    const std::lock_guard lock(mutex_);
    --publish_slots_used_;
  }
  publish_slot_freed_.notify_one();
}

std::vector<Status> MqttClient::publishAll(const std::vector<MqttMessage>& messages,
                                           std::chrono::milliseconds timeout) {
  std::vector<Status> sent(messages.size());
  if (!isConnected()) {
    for (auto& status : sent) {
      status = notConnected(options_.server_uri);
    }
    return sent;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t published = 0;
  std::deque<std::pair<std::size_t, mqtt::delivery_token_ptr>> in_flight;
  const auto settleOldest = [&] {
    if (in_flight.empty()) {
      return false;
    }
    auto [i, token] = std::move(in_flight.front());
    in_flight.pop_front();
    try {
      const auto left = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     deadline - std::chrono::steady_clock::now()),
                                 std::chrono::milliseconds{0});
      if (token->wait_for(left)) {
        ++published;
      } else {
        sent[i] = noAcknowledgement(messages[i].topic, timeout);
      }
    } catch (const std::exception& error) {
      sent[i] = describeFailure("publish to " + messages[i].topic + " on", error);
    }
    releasePublishSlot();
    return true;
  };
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (!takePublishSlot(deadline, settleOldest)) {
      sent[i] = noAcknowledgement(messages[i].topic, timeout);
      continue;
    }
    try {
      in_flight.emplace_back(i, client_->publish(toPaho(messages[i])));
    } catch (const std::exception& error) {
      sent[i] = describeFailure("publish to " + messages[i].topic + " on", error);
      releasePublishSlot();
    }
  }
  while (settleOldest()) {
  }
  const std::lock_guard lock(mutex_);
  stats_.published += published;
  return sent;
}

void MqttClient::stop(std::chrono::milliseconds timeout) {
  bool was_connected = false;
  {
    const std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
    was_connected = connected_;
    connected_ = false;
  }
  state_changed_.notify_all();
  if (supervisor_.joinable()) {
    supervisor_.request_stop();
    supervisor_.join();
  }
  if (client_ && was_connected) {
    try {
      client_->disconnect()->wait_for(timeout);
    } catch (const std::exception& error) {
      logger_.debug("MQTT disconnect failed", {{"error", error.what()}});
    }
  }
  // Paho may still call in (a lost connection, a late message) until its client is gone.
  {
    std::unique_lock lock(callbacks_mutex_);
    callbacks_closed_ = true;
    callbacks_idle_.wait(lock, [this] { return callbacks_running_ == 0; });
  }
  if (delivery_.joinable()) {
    delivery_.request_stop();
    delivery_.join();
  }
}

MqttClientStats MqttClient::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

std::optional<Error> MqttClient::lastError() const {
  const std::lock_guard lock(mutex_);
  return last_error_;
}

Error MqttClient::describeFailure(std::string_view action, const std::exception& error) const {
  const auto* paho = dynamic_cast<const mqtt::exception*>(&error);
  int reason = paho != nullptr ? paho->get_reason_code() : 0;
  if (reason == 0 && paho != nullptr && paho->get_return_code() >= 0x80) {
    reason = paho->get_return_code();  // MQTT 5 CONNACK reason codes arrive as return codes
  }
  const bool connecting = action.rfind("connect", 0) == 0;
  std::string message = "cannot " + std::string(action) + " MQTT broker " + options_.server_uri;
  if (connecting && (reason == mqtt::ReasonCode::NOT_AUTHORIZED ||
                     reason == mqtt::ReasonCode::BAD_USER_NAME_OR_PASSWORD)) {
    return makeError(ErrorCode::PermissionDenied,
                     message + ": login refused for user \"" + options_.username + "\" (" +
                         reasonText(reason) + ")",
                     "check the username and password (file) in the config and the broker's "
                     "password file");
  }
  if (reason == mqtt::ReasonCode::NOT_AUTHORIZED) {
    return makeError(ErrorCode::PermissionDenied, message + ": not authorized",
                     "the broker's ACL does not allow this for user \"" + options_.username +
                         "\"; check the site's credentials and topics");
  }
  const std::string tls_error =
      connecting && tls_ && reason == 0 ? diagnoseTls(options_, paho_uri_) : std::string();
  if (!tls_error.empty()) {
    std::string hint = "check that the CA file";
    hint += options_.ca_file.empty() ? " (system trust store)" : " " + options_.ca_file;
    hint += " issued the broker's certificate and that the certificate names the host";
    return makeError(ErrorCode::Unavailable, message + ": TLS handshake failed: " + tls_error,
                     hint);
  }
  if (reason > 0) {
    return makeError(ErrorCode::Unavailable, message + ": " + reasonText(reason));
  }
  return makeError(ErrorCode::Unavailable, message + ": " + error.what(),
                   "check that the broker is running and reachable");
}

}  // namespace punchlink::mqtt_client
