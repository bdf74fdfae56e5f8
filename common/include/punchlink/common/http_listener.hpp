// One way to serve HTTP with Poco: a function per request instead of a handler class and a
// factory class per server, behind guards no listener should go without: a connection may live
// at most `connection_deadline` whatever it is doing (a client dripping one byte at a time
// cannot hold a thread), and each client address gets at most `per_address` connections at
// once (one host cannot take every thread). The agent's status and push listeners, the relay
// API and zk-sim's control API are all such functions.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace Poco::Net {
class HTTPServerRequest;
class HTTPServerResponse;
class ServerSocket;
}  // namespace Poco::Net

namespace punchlink {

// Called on the listener's threads, several at once.
using HttpHandler =
    std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;

struct HttpListenerOptions {
  int max_threads = 4;
  bool keep_alive = true;  // false: one request per connection, as ADMS terminals use it
  // The longest a connection may stay open, requests and all; then it is closed (clients of a
  // keep-alive connection open another). Also bounds each read and write.
  std::chrono::milliseconds connection_deadline{30'000};
  // Connections at once from one client address; more are closed at once. 0: no limit.
  int per_address = 8;
  // Connections waiting for a thread; more are refused by the kernel's backlog.
  int max_queued = 256;
};

class HttpListener {
 public:
  virtual ~HttpListener() = default;
  // Closes every connection and stops; `abort_current` is kept for Poco's spelling (always
  // true: a listener never waits for a client).
  virtual void stopAll(bool abort_current = true) = 0;
};

using HttpListenerPtr = std::unique_ptr<HttpListener>;

// Serves every request on `socket` (bound; plain or TLS) with `handler`, started. Throws what
// Poco throws when the server cannot start. Stop with stopAll() or by destroying it.
HttpListenerPtr startHttpListener(Poco::Net::ServerSocket socket,
                                  HttpListenerOptions options,
                                  HttpHandler handler);

}  // namespace punchlink
