#include "webhook_http_client.hpp"

#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <istream>

namespace punchlink::relay::webhooks {

namespace {

constexpr std::size_t kExcerptBytes = 512;
// A response body larger than this is not read to the end: the connection is dropped instead.
constexpr std::streamsize kMaxBodyBytes = std::streamsize{64} * 1024;
// A kept-alive connection idle for longer is closed rather than reused: receivers close idle
// connections after a while themselves.
constexpr auto kMaxIdle = std::chrono::seconds{30};

// Poco consults SSLManager's certificate handler when a chain does not verify; without one it
// would try to build one from an application config that the relay does not have. Rejecting is
// the only right answer for webhooks. Installed once per process (Poco's SSLManager is itself a
// process-wide singleton).
void installRejectingCertificateHandler(const Poco::Net::Context::Ptr& context) {
  static std::once_flag once;
  std::call_once(once, [&] {
    Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> reject =
        new Poco::Net::RejectCertificateHandler(false);
    Poco::Net::SSLManager::instance().initializeClient(nullptr, reject, context);
  });
}

std::string describe(const Poco::Exception& error) {
  std::string text = error.displayText();
  if (const auto* nested = error.nested()) {
    text += " (" + nested->displayText() + ")";
  }
  return text;
}

// What is left of the attempt, as a socket timeout; TimeoutException once nothing is (a zero
// Timespan would mean no timeout at all).
Poco::Timespan timeLeft(AttemptWatchdog::TimePoint deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left < std::chrono::milliseconds{1}) {
    throw Poco::TimeoutException("the attempt's deadline passed");
  }
  return Poco::Timespan(left.count());
}

// Each blocking call on the socket waits at most until the deadline. That ends an attempt to a
// receiver that stops sending; one that drips is ended by the watchdog.
void limitToDeadline(Poco::Net::StreamSocket& socket, AttemptWatchdog::TimePoint deadline) {
  const Poco::Timespan left = timeLeft(deadline);
  socket.setSendTimeout(left);
  socket.setReceiveTimeout(left);
}

Poco::Net::StreamSocket connectTcp(const Poco::Net::SocketAddress& address,
                                   const Poco::Timespan& timeout) {
  Poco::Net::StreamSocket socket;
  socket.connect(address, timeout);
  return socket;
}

// Poco reconnects a kept-alive session by itself when a write fails, resolving the host again
// and connecting where no policy has looked. The sessions below only ever use the connection
// this client opened to a vetted address: a lost one fails the attempt (a reused connection is
// then retried once on a new, vetted one).
[[noreturn]] void refuseReconnect() {
  throw Poco::Net::NetException("the connection was lost and is not reopened within an attempt");
}

class PinnedHttpSession final : public Poco::Net::HTTPClientSession {
 public:
  PinnedHttpSession(const Poco::Net::StreamSocket& socket, const Poco::Net::SocketAddress& address)
      : HTTPClientSession(address.host().toString(), address.port()) {
    attachSocket(socket);
  }

 protected:
  void connect(const Poco::Net::SocketAddress& /*address*/) override { refuseReconnect(); }
};

class PinnedHttpsSession final : public Poco::Net::HTTPSClientSession {
 public:
  PinnedHttpsSession(const Poco::Net::SecureStreamSocket& socket,
                     const Poco::Net::SocketAddress& address,
                     const Poco::Net::Context::Ptr& context)
      : HTTPSClientSession(address.host().toString(), address.port(), context) {
    attachSocket(socket);
  }

 protected:
  void connect(const Poco::Net::SocketAddress& /*address*/) override { refuseReconnect(); }
};

// Pool key: a connection is reused only for the same host name (its TLS session verified that
// name) and the same vetted address (this attempt's lookup must still return it).
std::string connectionKey(const VettedUrl& url, const Poco::Net::IPAddress& address) {
  return url.scheme + "://" + url.host + ":" + std::to_string(url.port) + " at " +
         address.toString();
}

// Sends the request and reads the answer into `result`. True when the connection can carry
// another request: the body was read to its end and the receiver keeps the connection open.
bool exchange(Poco::Net::HTTPClientSession& session,
              const VettedUrl& url,
              const std::vector<std::pair<std::string, std::string>>& headers,
              const std::string& body,
              AttemptWatchdog::TimePoint deadline,
              HttpAttemptResult& result) {
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, url.target,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.setHost(url.host, url.port);  // the name, not the address connected to
  for (const auto& [name, value] : headers) {
    request.set(name, value);
  }
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  request.setKeepAlive(true);
  limitToDeadline(session.socket(), deadline);
  session.sendRequest(request) << body;
  limitToDeadline(session.socket(), deadline);
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  result.status = static_cast<int>(response.getStatus());
  if (response.has("Retry-After")) {
    result.retry_after =
        parseRetryAfter(response.get("Retry-After"), std::chrono::system_clock::now());
  }
  std::array<char, 4096> buffer{};
  std::streamsize total = 0;
  while (in && total < kMaxBodyBytes) {
    limitToDeadline(session.socket(), deadline);
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (result.excerpt.size() < kExcerptBytes) {
      result.excerpt.append(buffer.data(), std::min(got, kExcerptBytes - result.excerpt.size()));
    }
    total += in.gcount();
  }
  return in.eof() && response.getKeepAlive();
}

}  // namespace

struct WebhookHttpClient::Connection {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  std::chrono::steady_clock::time_point idle_since;
};

std::optional<std::chrono::seconds> parseRetryAfter(const std::string& value,
                                                    std::chrono::system_clock::time_point now) {
  if (value.empty()) {
    return std::nullopt;
  }
  long long seconds = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc{} && end == value.data() + value.size()) {
    return seconds < 0 ? std::nullopt
                       : std::optional(std::min(std::chrono::seconds{seconds}, kMaxRetryAfter));
  }
  Poco::DateTime date;
  int zone = 0;
  if (!Poco::DateTimeParser::tryParse(value, date, zone)) {
    return std::nullopt;
  }
  // In seconds: a date far ahead does not fit the system clock's nanoseconds.
  const long long ahead =
      static_cast<long long>(date.timestamp().epochTime()) -
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return std::chrono::seconds{std::clamp<long long>(ahead, 0, kMaxRetryAfter.count())};
}

WebhookHttpClient::WebhookHttpClient(WebhookHttpOptions options) : options_(std::move(options)) {
  if (!options_.resolve) {
    options_.resolve = resolveWithGetaddrinfo;
  }
  if (!options_.connect) {
    options_.connect = connectTcp;
  }
  // Certificates must chain to the CA (or the system store) and name the host.
  tls_ = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", options_.ca_file,
                                Poco::Net::Context::VERIFY_RELAXED, 9, options_.ca_file.empty());
  tls_->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                         Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
  installRejectingCertificateHandler(tls_);
}

WebhookHttpClient::~WebhookHttpClient() = default;

std::pair<WebhookHttpClient::ConnectionPtr, std::string> WebhookHttpClient::open(
    const VettedUrl& url,
    AttemptWatchdog::TimePoint deadline,
    std::optional<AttemptWatchdog::Watch>& watch) {
  std::unique_ptr<Poco::Exception> last;
  for (const auto& ip : url.addresses) {
    const Poco::Net::SocketAddress address(ip, url.port);
    try {
      Poco::Net::StreamSocket socket = options_.connect(address, timeLeft(deadline));
      // Watched from here: the TLS handshake is where OpenSSL reads without our timeouts.
      watch.emplace(watchdog_.watch(socket.impl()->sockfd(), deadline));
      socket.setNoDelay(true);
      limitToDeadline(socket, deadline);
      auto connection = std::make_unique<Connection>();
      if (url.scheme == "https") {
        // SNI and the certificate check use the URL's host name, not the address.
        connection->session = std::make_unique<PinnedHttpsSession>(
            Poco::Net::SecureStreamSocket::attach(socket, url.host, tls_), address, tls_);
      } else {
        connection->session = std::make_unique<PinnedHttpSession>(socket, address);
      }
      connection->session->setKeepAlive(true);
      // Poco would reconnect a session idle this long; the pool retires them before.
      connection->session->setKeepAliveTimeout(Poco::Timespan(24 * 3600, 0));
      return {std::move(connection), connectionKey(url, ip)};
    } catch (const Poco::TimeoutException&) {
      throw;  // the deadline passed: no time for another address
    } catch (const Poco::Exception& error) {
      if (watch && watch->fired()) {
        throw Poco::TimeoutException("the attempt's deadline passed");
      }
      watch.reset();
      last.reset(error.clone());  // the next address may answer
    }
  }
  if (last) {
    last->rethrow();
  }
  throw Poco::Net::HostNotFoundException(url.host);  // vetWebhookUrl never returns no address
}

std::pair<WebhookHttpClient::ConnectionPtr, std::string> WebhookHttpClient::takeIdle(
    const VettedUrl& url) {
  std::vector<ConnectionPtr> expired;  // closed after the lock is released
  const std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  std::pair<ConnectionPtr, std::string> found;
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& idle = it->second;
    for (auto& connection : idle) {
      if (now - connection->idle_since >= kMaxIdle) {
        expired.push_back(std::move(connection));
      }
    }
    std::erase(idle, nullptr);
    it = idle.empty() ? idle_.erase(it) : std::next(it);
  }
  for (const auto& ip : url.addresses) {
    const auto it = idle_.find(connectionKey(url, ip));
    if (it != idle_.end()) {
      found = {std::move(it->second.back()), it->first};
      it->second.pop_back();
      if (it->second.empty()) {
        idle_.erase(it);
      }
      break;
    }
  }
  return found;
}

void WebhookHttpClient::giveBack(const std::string& key, ConnectionPtr connection) {
  connection->idle_since = std::chrono::steady_clock::now();
  ConnectionPtr surplus;  // closed after the lock is released
  const std::lock_guard lock(mutex_);
  auto& idle = idle_[key];
  if (idle.size() < options_.max_idle_per_origin) {
    idle.push_back(std::move(connection));
  } else {
    surplus = std::move(connection);
  }
}

HttpAttemptResult WebhookHttpClient::post(
    const std::string& url,
    const std::vector<std::pair<std::string, std::string>>& headers,
    const std::string& body) {
  HttpAttemptResult result;
  const auto started = std::chrono::steady_clock::now();
  const auto finish = [&]() -> HttpAttemptResult {
    result.latency = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    return result;
  };
  // An answer not complete by the deadline is no answer, whatever its status line said: the
  // attempt failed and is retried (receivers deduplicate by event id).
  const auto timedOut = [&]() -> HttpAttemptResult {
    result.status = 0;
    result.excerpt.clear();
    result.retry_after.reset();
    result.error = "timed out after " + std::to_string(options_.timeout.count()) + " ms";
    return finish();
  };
  // One lookup per attempt, checked in full, and the connection goes to an address it returned:
  // a host that resolves to a public address for the check and to 127.0.0.1 for the connection
  // (DNS rebinding) is never reached at the second. A kept-alive connection is reused only if
  // its address is still among this lookup's answers.
  auto vetted = vetWebhookUrl(url, options_.policy, options_.resolve);
  if (!vetted) {
    result.error = vetted.error().code == ErrorCode::InvalidInput
                       ? "refused: " + vetted.error().message
                       : vetted.error().message;
    return finish();
  }
  // One deadline for everything after the lookup, a retry on a new connection included.
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  // A kept-alive connection the receiver closed meanwhile fails before any response: that
  // attempt is repeated once on a new connection instead of counting as a failure.
  for (int round = 0; round < 2; ++round) {
    ConnectionPtr connection;
    std::string key;
    std::tie(connection, key) = takeIdle(*vetted);
    const bool reused = connection != nullptr;
    std::optional<AttemptWatchdog::Watch> watch;
    try {
      if (connection) {
        watch.emplace(watchdog_.watch(connection->session->socket().impl()->sockfd(), deadline));
      } else {
        std::tie(connection, key) = open(*vetted, deadline, watch);
      }
      const bool reusable =
          exchange(*connection->session, *vetted, headers, body, deadline, result);
      // Shut down by the watchdog, the connection may have ended the body early and cleanly.
      if (watch->fired()) {
        return timedOut();
      }
      watch.reset();
      if (reusable) {
        giveBack(key, std::move(connection));
      }
      return finish();
    } catch (const Poco::TimeoutException&) {
      return timedOut();
    } catch (const Poco::Exception& error) {
      if ((watch && watch->fired()) || std::chrono::steady_clock::now() >= deadline) {
        return timedOut();
      }
      result.error = describe(error);
      if (!reused || result.status != 0) {
        return finish();
      }
    } catch (const std::exception& error) {
      result.error = error.what();
      return finish();
    }
  }
  return finish();
}

}  // namespace punchlink::relay::webhooks
