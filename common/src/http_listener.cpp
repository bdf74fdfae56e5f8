#include <punchlink/common/bounded_body.hpp>
#include <punchlink/common/http_listener.hpp>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/ThreadPool.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace punchlink {

namespace {

// The open connections: how many per client address, when each must be gone, and whether each
// is delivering a request or being answered. A thread shuts down the sockets past their
// deadline, and, while every thread is taken, those that have been delivering a request for
// longer than the grace; that ends the blocked read or write serving them.
// It works on a duplicate of each connection's descriptor: shutdown(2) on it ends TLS and plain
// connections alike without touching OpenSSL's state from a second thread, and the duplicate
// keeps the socket alive, so a descriptor number reused by a new connection is never hit.
// Shared by the factory and every connection (Poco does not join its worker threads on stop).
class ConnectionGuard {
 public:
  explicit ConnectionGuard(const HttpListenerOptions& options)
      : deadline_(options.connection_deadline),
        per_address_(options.per_address),
        threads_(static_cast<std::size_t>(std::max(options.max_threads, 1))),
        busy_grace_(options.busy_grace),
        reaper_([this] { reap(); }) {}

  ~ConnectionGuard() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
      for (auto& [id, open] : open_) {
        ::close(open.fd);
      }
      open_.clear();
    }
    wake_.notify_all();
    reaper_.join();
  }

  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;
  ConnectionGuard(ConnectionGuard&&) = delete;
  ConnectionGuard& operator=(ConnectionGuard&&) = delete;

  // False when the listener is stopping or the address has its share of connections already
  // (the caller closes it).
  bool admit(const Poco::Net::StreamSocket& socket, std::uint64_t& id) {
    const std::string address = peerHost(socket);
    const int fd = ::fcntl(socket.impl()->sockfd(), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
      return false;
    }
    const std::lock_guard lock(mutex_);
    if (closed_ || (per_address_ > 0 && per_address_count_[address] >= per_address_)) {
      ::close(fd);
      return false;
    }
    ++per_address_count_[address];
    id = ++next_id_;
    const auto now = std::chrono::steady_clock::now();
    open_.emplace(id, Open{fd, address, now + deadline_, now, false});
    return true;
  }

  // The connection's request is in (headers and body): it is being answered.
  void answering(std::uint64_t id) { setAnswering(id, true); }

  // Answered: a kept-alive connection now waits for its next request.
  void answered(std::uint64_t id) { setAnswering(id, false); }

  void release(std::uint64_t id) {
    {
      const std::lock_guard lock(mutex_);
      const auto found = open_.find(id);
      if (found == open_.end()) {
        return;
      }
      if (--per_address_count_[found->second.address] <= 0) {
        per_address_count_.erase(found->second.address);
      }
      ::close(found->second.fd);
      open_.erase(found);
    }
    idle_.notify_all();
  }

  // Admits no more connections, ends the open ones and waits until their handlers returned,
  // so nothing the handler refers to is used after the listener is gone.
  void closeAndDrain() {
    std::unique_lock lock(mutex_);
    closed_ = true;
    for (auto& [id, open] : open_) {
      ::shutdown(open.fd, SHUT_RDWR);
    }
    idle_.wait(lock, [this] { return open_.empty(); });
  }

 private:
  struct Open {
    int fd;
    std::string address;
    std::chrono::steady_clock::time_point deadline;
    std::chrono::steady_clock::time_point request_since;  // delivering a request since
    bool answering;
  };

  void setAnswering(std::uint64_t id, bool answering) {
    const std::lock_guard lock(mutex_);
    const auto found = open_.find(id);
    if (found != open_.end()) {
      found->second.answering = answering;
      found->second.request_since = std::chrono::steady_clock::now();
    }
  }

  // IPv6 clients usually hold a whole /64, so that is what one client is.
  static std::string peerHost(const Poco::Net::StreamSocket& socket) {
    try {
      const Poco::Net::IPAddress host = socket.peerAddress().host();
      if (host.family() == Poco::Net::IPAddress::IPv6 && !host.isIPv4Mapped()) {
        const auto* bytes = static_cast<const unsigned char*>(host.addr());
        return std::string(reinterpret_cast<const char*>(bytes), 8) + "/64";
      }
      return host.toString();
    } catch (const std::exception&) {
      return "?";  // gone already; counted under one name until released
    }
  }

  void reap() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, std::chrono::milliseconds{200});
      const auto now = std::chrono::steady_clock::now();
      // Every thread holds a connection (each admitted one has a thread): those still
      // delivering a request after the grace make room for the ones waiting.
      const bool busy = open_.size() >= threads_;
      for (auto& [id, open] : open_) {
        if (open.deadline <= now ||
            (busy && !open.answering && open.request_since + busy_grace_ <= now)) {
          ::shutdown(open.fd, SHUT_RDWR);
        }
      }
    }
  }

  std::chrono::milliseconds deadline_;
  int per_address_;
  std::size_t threads_;
  std::chrono::milliseconds busy_grace_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  bool stopping_ = false;
  bool closed_ = false;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, Open> open_;
  std::map<std::string, int> per_address_count_;
  std::thread reaper_;
};

// Reads a request's body, then tells the guard the request is in while the handler answers.
class FunctionHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  FunctionHandler(const HttpHandler& handler,
                  ConnectionGuard& guard,
                  std::uint64_t connection,
                  std::size_t max_body)
      : handler_(handler), guard_(guard), connection_(connection), max_body_(max_body) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    // Without Content-Length or chunked encoding a request has no body (RFC 9112 §6.3); Poco
    // would read one until the client closes, so an OPTIONS preflight or a bare POST hung.
    const bool has_body = request.hasContentLength() || request.getChunkedTransferEncoding();
    const RequestBody body =
        has_body ? readBoundedBody(request.stream(), request.getContentLength64(), max_body_)
                 : RequestBody(std::string());
    guard_.answering(connection_);
    try {
      handler_(request, body, response);
    } catch (...) {
      guard_.answered(connection_);
      throw;
    }
    guard_.answered(connection_);
  }

 private:
  const HttpHandler& handler_;
  ConnectionGuard& guard_;
  std::uint64_t connection_;
  std::size_t max_body_;
};

// One per connection, so each request's handler knows its connection.
class FunctionFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  FunctionFactory(const HttpHandler& handler,
                  ConnectionGuard& guard,
                  std::uint64_t connection,
                  std::size_t max_body)
      : handler_(handler), guard_(guard), connection_(connection), max_body_(max_body) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new FunctionHandler(handler_, guard_, connection_, max_body_);  // Poco takes it
  }

 private:
  const HttpHandler& handler_;
  ConnectionGuard& guard_;
  std::uint64_t connection_;
  std::size_t max_body_;
};

// What every connection of a listener shares; lives as long as the last connection (Poco does
// not join its worker threads on stop).
struct ListenerShared {
  ListenerShared(HttpHandler handler_in,
                 Poco::Net::HTTPServerParams::Ptr params_in,
                 const HttpListenerOptions& options)
      : handler(std::move(handler_in)),
        params(std::move(params_in)),
        max_body(options.max_body_bytes),
        guard(options) {}

  HttpHandler handler;
  Poco::Net::HTTPServerParams::Ptr params;
  std::size_t max_body;
  ConnectionGuard guard;
};

using SharedPtr = std::shared_ptr<ListenerShared>;

// An HTTP connection admitted by the guard and released when it ends, however it ends.
class GuardedConnection final : public Poco::Net::TCPServerConnection {
 public:
  GuardedConnection(const Poco::Net::StreamSocket& socket, SharedPtr shared)
      : TCPServerConnection(socket), shared_(std::move(shared)) {}

  void run() override {
    std::uint64_t id = 0;
    if (!shared_->guard.admit(socket(), id)) {
      return;  // closed when this connection object goes
    }
    try {
      Poco::Net::HTTPRequestHandlerFactory::Ptr factory =
          new FunctionFactory(shared_->handler, shared_->guard, id, shared_->max_body);
      Poco::Net::HTTPServerConnection connection(socket(), shared_->params, factory);
      connection.run();
    } catch (const std::exception&) {
      // Shut down by the guard, or the client went away.
    }
    shared_->guard.release(id);
  }

 private:
  SharedPtr shared_;
};

class GuardedFactory final : public Poco::Net::TCPServerConnectionFactory {
 public:
  explicit GuardedFactory(SharedPtr shared) : shared_(std::move(shared)) {}

  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new GuardedConnection(socket, shared_);  // Poco takes ownership
  }

 private:
  SharedPtr shared_;
};

class PocoListener final : public HttpListener {
 public:
  PocoListener(Poco::Net::ServerSocket socket, HttpListenerOptions options, HttpHandler handler) {
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(options.max_threads);
    params->setMaxQueued(options.max_queued);
    params->setKeepAlive(options.keep_alive);
    // Each read and write too, so a stalled peer is noticed before the reaper's next round.
    params->setTimeout(Poco::Timespan(options.connection_deadline.count() * 1000));
    params->setKeepAliveTimeout(
        Poco::Timespan(std::min<std::int64_t>(options.connection_deadline.count(), 15'000) * 1000));
    shared_ = std::make_shared<ListenerShared>(std::move(handler), params, options);
    // Its own pool, so the threads of one listener are not shared with (or starved by) another.
    pool_ = std::make_unique<Poco::ThreadPool>(1, std::max(options.max_threads, 1));
    server_ =
        std::make_unique<Poco::Net::TCPServer>(new GuardedFactory(shared_), *pool_, socket, params);
    server_->start();
  }

  ~PocoListener() override { stopAll(true); }

  PocoListener(const PocoListener&) = delete;
  PocoListener& operator=(const PocoListener&) = delete;
  PocoListener(PocoListener&&) = delete;
  PocoListener& operator=(PocoListener&&) = delete;

  void stopAll(bool /*abort_current*/) override {
    if (!server_) {
      return;
    }
    // No new connections; then the open ones end, and their handlers have returned before
    // this does (Poco's stop() does not wait for its worker threads).
    server_->stop();
    shared_->guard.closeAndDrain();
    server_.reset();
    pool_->joinAll();
  }

 private:
  SharedPtr shared_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::TCPServer> server_;
};

}  // namespace

HttpListenerPtr startHttpListener(Poco::Net::ServerSocket socket,
                                  HttpListenerOptions options,
                                  HttpHandler handler) {
  return std::make_unique<PocoListener>(std::move(socket), options, std::move(handler));
}

}  // namespace punchlink
