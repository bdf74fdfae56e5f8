// A webhook receiver for tests: a real HTTP(S) server on loopback that records every request and
// can be told to misbehave (answer 500 or 410, hang, drip its answer, drop the connection, or be
// down).
#pragma once

#include <Poco/ThreadPool.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace Poco::Net {
class HTTPServer;
}

namespace punchlink::testing {

struct ReceivedWebhook {
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  int answered = 0;  // the status sent back; 0 when the connection was dropped or hung
  std::chrono::steady_clock::time_point at;        // the request arrived
  std::chrono::steady_clock::time_point finished;  // the answer was sent (`at` if none was)
};

class WebhookReceiver {
 public:
  // Drip: headers of a 200 with a 1 MB body, then one byte of it every 300 ms, for as long as
  // the client listens.
  enum class Mode { Ok, Error500, Gone410, Hang, Drip, Drop };

  // Listens on 127.0.0.1:port (0: any free port); with TLS files, serves HTTPS.
  explicit WebhookReceiver(std::uint16_t port = 0,
                           std::filesystem::path tls_cert = {},
                           std::filesystem::path tls_key = {});
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;
  WebhookReceiver(WebhookReceiver&&) = delete;
  WebhookReceiver& operator=(WebhookReceiver&&) = delete;

  std::uint16_t port() const noexcept { return port_; }

  std::string url(const std::string& path = "/hook") const;

  void setMode(Mode mode);
  // Stops listening (connections are refused) until start() again on the same port.
  void stop();
  void start();

  std::vector<ReceivedWebhook> received() const;
  // Requests answered 2xx, by X-Event-Id.
  std::map<std::string, int> deliveredEventIds() const;
  // Waits until `predicate(received())` holds; false on timeout.
  bool waitFor(const std::function<bool(const std::vector<ReceivedWebhook>&)>& predicate,
               std::chrono::milliseconds timeout) const;

 private:
  friend class ReceiverHandler;
  void record(ReceivedWebhook webhook);
  Mode mode() const;

  std::uint16_t port_ = 0;
  std::filesystem::path tls_cert_;
  std::filesystem::path tls_key_;
  // Its own threads: hanging requests must not starve another receiver of Poco's shared pool.
  Poco::ThreadPool threads_{2, 32};
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  Mode mode_ = Mode::Ok;
  bool stopping_ = false;
  std::vector<ReceivedWebhook> received_;
  std::uint64_t generation_ = 0;  // bumped on every change, for waitFor()
};

}  // namespace punchlink::testing
