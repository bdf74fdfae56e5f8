#include <punchlink/common/http_listener.hpp>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/ThreadPool.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace punchlink {

namespace {

class FunctionHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit FunctionHandler(const HttpHandler& handler) : handler_(handler) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    handler_(request, response);
  }

 private:
  const HttpHandler& handler_;
};

class FunctionFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit FunctionFactory(HttpHandler handler) : handler_(std::move(handler)) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new FunctionHandler(handler_);  // Poco takes ownership
  }

 private:
  HttpHandler handler_;  // lives as long as the server, which owns the factory
};

// The open connections: how many per client address, and when each must be gone. A thread
// shuts down the sockets past their deadline, which ends the blocked read or write serving them.
// It works on a duplicate of each connection's descriptor: shutdown(2) on it ends TLS and plain
// connections alike without touching OpenSSL's state from a second thread, and the duplicate
// keeps the socket alive, so a descriptor number reused by a new connection is never hit.
// Shared by the factory and every connection (Poco does not join its worker threads on stop).
class ConnectionGuard {
 public:
  ConnectionGuard(std::chrono::milliseconds deadline, int per_address)
      : deadline_(deadline), per_address_(per_address), reaper_([this] { reap(); }) {}

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
    open_.emplace(id, Open{fd, address, std::chrono::steady_clock::now() + deadline_});
    return true;
  }

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
  };

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
      for (auto& [id, open] : open_) {
        if (open.deadline <= now) {
          ::shutdown(open.fd, SHUT_RDWR);
        }
      }
    }
  }

  std::chrono::milliseconds deadline_;
  int per_address_;
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

using GuardPtr = std::shared_ptr<ConnectionGuard>;

// An HTTP connection admitted by the guard and released when it ends, however it ends.
class GuardedConnection final : public Poco::Net::TCPServerConnection {
 public:
  GuardedConnection(const Poco::Net::StreamSocket& socket,
                    Poco::Net::HTTPServerParams::Ptr params,
                    Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                    GuardPtr guard)
      : TCPServerConnection(socket),
        params_(std::move(params)),
        factory_(std::move(factory)),
        guard_(std::move(guard)) {}

  void run() override {
    std::uint64_t id = 0;
    if (!guard_->admit(socket(), id)) {
      return;  // closed when this connection object goes
    }
    try {
      Poco::Net::HTTPServerConnection connection(socket(), params_, factory_);
      connection.run();
    } catch (const std::exception&) {
      // Shut down by the guard, or the client went away.
    }
    guard_->release(id);
  }

 private:
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
  GuardPtr guard_;
};

class GuardedFactory final : public Poco::Net::TCPServerConnectionFactory {
 public:
  GuardedFactory(Poco::Net::HTTPServerParams::Ptr params,
                 Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                 GuardPtr guard)
      : params_(std::move(params)), factory_(std::move(factory)), guard_(std::move(guard)) {}

  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new GuardedConnection(socket, params_, factory_, guard_);  // Poco takes ownership
  }

 private:
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
  GuardPtr guard_;
};

class PocoListener final : public HttpListener {
 public:
  PocoListener(Poco::Net::ServerSocket socket, HttpListenerOptions options, HttpHandler handler)
      : guard_(
            std::make_shared<ConnectionGuard>(options.connection_deadline, options.per_address)) {
    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(options.max_threads);
    params->setMaxQueued(options.max_queued);
    params->setKeepAlive(options.keep_alive);
    // Each read and write too, so a stalled peer is noticed before the reaper's next round.
    params->setTimeout(Poco::Timespan(options.connection_deadline.count() * 1000));
    params->setKeepAliveTimeout(
        Poco::Timespan(std::min<std::int64_t>(options.connection_deadline.count(), 15'000) * 1000));
    Poco::Net::HTTPRequestHandlerFactory::Ptr factory = new FunctionFactory(std::move(handler));
    // Its own pool, so the threads of one listener are not shared with (or starved by) another.
    pool_ = std::make_unique<Poco::ThreadPool>(1, std::max(options.max_threads, 1));
    server_ = std::make_unique<Poco::Net::TCPServer>(new GuardedFactory(params, factory, guard_),
                                                     *pool_, socket, params);
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
    guard_->closeAndDrain();
    server_.reset();
    pool_->joinAll();
  }

 private:
  GuardPtr guard_;
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
