// MqttClient: the MQTT 5 connection both programs use, over Eclipse Paho C++. It adds what
// punchlink needs on top of Paho: TLS settings from config, a persistent session, a last will,
// reconnects with capped, jittered backoff (Paho's own has no jitter), resubscription when the
// broker lost the session, and a bounded inbound queue so that Paho's callback threads never
// block on our handlers (STYLE.md §5).
//
// Threads: Paho's threads only enqueue. One internal thread keeps the connection up; another
// delivers messages to the handler in arrival order. Every public method may be called from any
// thread except the handlers themselves calling stop()/destruction.
#pragma once

#include <punchlink/common/backoff.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/publisher.hpp>
#include <punchlink/common/result.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mqtt {
class async_client;
class connect_options;
class ssl_options;
}  // namespace mqtt

namespace punchlink::mqtt_client {

struct MqttWill {
  std::string topic;
  std::string payload;
  int qos = 1;
  bool retained = true;
};

struct MqttClientOptions {
  // mqtt://host:port (plain TCP) or mqtts://host:port (TLS). tcp:// and ssl:// are accepted too.
  std::string server_uri;
  std::string client_id;
  std::string username;
  std::string password;
  // TLS: the CA bundle the broker's certificate must chain to; required for mqtts://.
  std::string ca_file;
  // Optional client certificate and key (PEM) for brokers that require mutual TLS.
  std::string cert_file;
  std::string key_file;
  // Verify that the certificate names the host we connect to (keep on outside tests).
  bool verify_hostname = true;

  // A persistent session (clean_start = false) lets the broker keep QoS 1 messages for us while we
  // are away, for up to session_expiry.
  bool clean_start = false;
  std::chrono::seconds session_expiry{std::chrono::hours{24}};
  std::chrono::seconds keep_alive{30};
  std::chrono::milliseconds connect_timeout{10'000};
  std::optional<MqttWill> will;

  BackoffPolicy reconnect{std::chrono::milliseconds{500}, std::chrono::milliseconds{30'000}, 2.0,
                          0.5};
  // Inbound messages waiting for the handler, by count and by bytes (topics and payloads). When
  // either is reached, new messages are dropped, counted and logged: every punchlink message is
  // re-sent by its sender until acknowledged end to end. The bytes bound the memory any sender
  // can make the client hold: 10,000 messages of the broker's largest (8 MiB) would be 80 GiB.
  std::size_t inbound_queue_limit = 10'000;
  std::size_t inbound_queue_bytes = std::size_t{256} << 20U;
};

struct MqttClientStats {
  std::uint64_t connects = 0;  // successful connects, including reconnects
  std::uint64_t connection_losses = 0;
  std::uint64_t received = 0;
  std::uint64_t dropped_inbound = 0;
  std::uint64_t published = 0;
};

// Opens a TLS connection to the broker the way the client would (same CA, client certificate and
// host check) and returns why the handshake fails, or "" if it succeeds or TCP itself fails. Used
// to turn Paho's generic connect failure into an actionable message.
std::string diagnoseTls(const MqttClientOptions& options, const std::string& paho_uri);

class MqttClient final : public Publisher {
 public:
  using MessageHandler = std::function<void(const MqttMessage&)>;
  // connected: true after every (re)connect, false after every loss; reason says why.
  using ConnectionHandler = std::function<void(bool connected, const std::string& reason)>;

  // Validates the options (URI scheme, TLS files readable); no network activity yet.
  static Result<std::unique_ptr<MqttClient>> create(MqttClientOptions options, Logger logger);

  ~MqttClient() override;
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;
  MqttClient(MqttClient&&) = delete;
  MqttClient& operator=(MqttClient&&) = delete;

  // Set before start(). Handlers run on the client's delivery thread, one at a time; they may
  // block briefly (that only delays later messages) and must not call stop().
  void setMessageHandler(MessageHandler handler);
  void setConnectionHandler(ConnectionHandler handler);

  // Starts connecting in the background; keeps reconnecting with backoff until stop().
  void start();

  // start(), then waits for the first connection. On timeout returns why the last attempt failed
  // (e.g. the TLS verification error); the client keeps trying in the background.
  Status connect(std::chrono::milliseconds timeout);

  bool waitConnected(std::chrono::milliseconds timeout);
  bool isConnected() const override;

  // Subscribes now (when connected) and again after any reconnect whose session the broker lost.
  Status subscribe(const std::string& filter, int qos, std::chrono::milliseconds timeout);

  // Publisher
  Status publish(const MqttMessage& message, std::chrono::milliseconds timeout) override;
  // Sends them all before waiting: QoS 1 acknowledgements come back while later messages are
  // still being sent. `timeout` bounds the whole call.
  std::vector<Status> publishAll(const std::vector<MqttMessage>& messages,
                                 std::chrono::milliseconds timeout) override;

  // Disconnects cleanly (the broker discards the will) and stops the threads. Idempotent.
  void stop(std::chrono::milliseconds timeout = std::chrono::milliseconds{2000});

  MqttClientStats stats() const;

  // The error of the most recent failed connect, or of the last connection loss.
  std::optional<Error> lastError() const;

 private:
  MqttClient(MqttClientOptions options, Logger logger);

  void superviseLoop(const std::stop_token& stop);
  void deliveryLoop(const std::stop_token& stop);
  void prepareConnectOptions();
  void attemptConnect();
  void onConnectionLost(const std::string& cause);
  void onMessage(MqttMessage message);
  Error describeFailure(std::string_view action, const std::exception& error) const;
  void notifyConnection(bool connected, const std::string& reason);
  void enqueueConnectionEvent(bool connected, const std::string& reason);
  // Runs `work` for a Paho callback unless the client is stopping; stop() waits until every
  // callback that got in has returned, so none touches a member of a client being destroyed.
  template <typename Work>
  void fromPaho(Work&& work);

  // Takes one of the connection's publish slots. When none is free it first settles the
  // caller's own oldest in-flight message (settle_own() returns false when it has none), then
  // waits for another thread's; false when the deadline passes first.
  template <typename SettleOwn>
  bool takePublishSlot(std::chrono::steady_clock::time_point deadline, SettleOwn&& settle_own);
  void releasePublishSlot();

  // qos values that mark connection changes in the inbound queue (never real QoS levels).
  static constexpr int kMarkerUp = -1;
  static constexpr int kMarkerDown = -2;

  MqttClientOptions options_;
  Logger logger_;
  std::unique_ptr<mqtt::async_client> client_;
  bool tls_ = false;
  // The options of the current connection attempt; Paho refers to them while connected.
  std::unique_ptr<mqtt::connect_options> active_connect_options_;
  std::string paho_uri_;
  Backoff backoff_;

  mutable std::mutex mutex_;
  std::condition_variable_any state_changed_;
  bool connected_ = false;
  bool started_ = false;
  bool stopping_ = false;
  bool lost_ = false;  // set by Paho's thread, handled by the supervisor
  std::optional<Error> last_error_;
  std::vector<std::pair<std::string, int>> subscriptions_;
  MqttClientStats stats_;

  // How many QoS 1 messages publishAll() calls (all threads together) may have unacknowledged.
  // Set from the broker's Receive Maximum at each connect, less a margin for plain publish()
  // calls: beyond it the broker's window is full, and Paho holds further messages until a
  // timer, not the PUBACK, releases them (a ~100 ms stall each time). It also stays well under
  // Paho's command buffer (100), which refuses what does not fit.
  std::size_t publish_window_ = kMaxPublishWindow;
  std::size_t publish_slots_used_ = 0;
  std::condition_variable_any publish_slot_freed_;
  static constexpr std::size_t kMaxPublishWindow = 64;
  static constexpr std::size_t kPublishMargin = 4;

  std::mutex inbound_mutex_;
  std::condition_variable_any inbound_ready_;
  std::deque<MqttMessage> inbound_;
  std::size_t inbound_bytes_ = 0;  // guarded by inbound_mutex_

  MessageHandler message_handler_;
  ConnectionHandler connection_handler_;

  std::jthread supervisor_;
  std::jthread delivery_;

  std::mutex callbacks_mutex_;
  std::condition_variable callbacks_idle_;
  int callbacks_running_ = 0;
  bool callbacks_closed_ = false;
};

}  // namespace punchlink::mqtt_client
