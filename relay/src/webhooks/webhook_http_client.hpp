// Sends one webhook request and reports what happened. Each attempt resolves the receiver's
// host once, checks every address against the URL policy and connects to exactly one that
// passed (a rebinding DNS server cannot swap in 127.0.0.1 between check and connect), and ends
// at one deadline however slowly the receiver answers; kept-alive connections are reused per
// host name and address. The I/O shell around the dispatcher.
#pragma once

#include "webhooks/attempt_watchdog.hpp"
#include "webhooks/host_resolver.hpp"
#include "webhooks/url_policy.hpp"
#include "webhooks/webhook_sender.hpp"

#include <Poco/Net/Context.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace punchlink::relay::webhooks {

// Opens a TCP connection to exactly `address`, waiting at most `timeout`; throws Poco's
// exceptions as StreamSocket::connect does. Tests replace it to see where the client connects
// without reaching anything outside loopback.
using TcpConnector = std::function<Poco::Net::StreamSocket(const Poco::Net::SocketAddress& address,
                                                           const Poco::Timespan& timeout)>;

struct WebhookHttpOptions {
  // The whole attempt, from connecting to the last byte of the answer: TCP connect, TLS
  // handshake, sending, status, headers and body, however slowly the receiver sends them. The
  // name lookup before it is bounded by the system resolver's own timeouts.
  std::chrono::milliseconds timeout{15'000};
  std::string ca_file;  // empty: the system's CA store
  UrlPolicy policy;
  std::size_t max_idle_per_origin = 8;  // kept-alive connections per host name and address
  HostResolver resolve;                 // empty: resolveWithGetaddrinfo
  TcpConnector connect;                 // empty: a real TCP connection
};

class WebhookHttpClient final : public WebhookSender {
 public:
  explicit WebhookHttpClient(WebhookHttpOptions options);
  ~WebhookHttpClient() override;
  WebhookHttpClient(const WebhookHttpClient&) = delete;
  WebhookHttpClient& operator=(const WebhookHttpClient&) = delete;
  WebhookHttpClient(WebhookHttpClient&&) = delete;
  WebhookHttpClient& operator=(WebhookHttpClient&&) = delete;

  // WebhookSender
  HttpAttemptResult post(const std::string& url,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& body) override;

 private:
  struct Connection;  // a session on a connection this client opened, and since when it idles
  using ConnectionPtr = std::unique_ptr<Connection>;

  // A kept-alive connection to one of `url`'s addresses (in their order), with its pool key.
  std::pair<ConnectionPtr, std::string> takeIdle(const VettedUrl& url);
  void giveBack(const std::string& key, ConnectionPtr connection);
  // Connects to the first of `url`'s addresses that accepts (TLS for https, verified for
  // url.host), watched from the moment it is connected; throws Poco's exceptions, the last
  // address's when none accepts, TimeoutException when the deadline passes.
  std::pair<ConnectionPtr, std::string> open(const VettedUrl& url,
                                             AttemptWatchdog::TimePoint deadline,
                                             std::optional<AttemptWatchdog::Watch>& watch);

  WebhookHttpOptions options_;
  Poco::Net::Context::Ptr tls_;
  std::mutex mutex_;
  std::map<std::string, std::vector<ConnectionPtr>> idle_;  // by scheme, host, port and address
  AttemptWatchdog watchdog_;  // last: its thread starts once the rest exists
};

// "120" or an HTTP date; nullopt when absent or unparseable. `now` for the date form. At most
// kMaxRetryAfter: a receiver cannot park its deliveries for years, nor overflow the clock.
inline constexpr std::chrono::seconds kMaxRetryAfter{std::chrono::hours{24}};
std::optional<std::chrono::seconds> parseRetryAfter(const std::string& value,
                                                    std::chrono::system_clock::time_point now);

}  // namespace punchlink::relay::webhooks
