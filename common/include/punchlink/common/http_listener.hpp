// One way to serve HTTP with Poco: a function per request instead of a handler class and a
// factory class per server, behind guards no listener should go without:
// - a connection may live at most `connection_deadline` whatever it is doing;
// - each client address gets at most `per_address` connections at once;
// - once every thread is taken, a connection that has not delivered its whole request (headers
//   and body) within `busy_grace` is closed, so clients dripping bytes from many addresses
//   cannot keep the threads while real requests wait (the body is read before the handler runs
//   for that reason).
// The agent's status and push listeners, the relay API and zk-sim's control API are all such
// functions.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace Poco::Net {
class HTTPServerRequest;
class HTTPServerResponse;
class ServerSocket;
}  // namespace Poco::Net

namespace punchlink {

// A request's body, read whole before the handler runs; nullopt when it was longer than the
// listener's `max_body_bytes` (the handler answers 413; the excess was read and dropped, so
// the client gets to read that answer).
using RequestBody = std::optional<std::string>;

// Called on the listener's threads, several at once.
using HttpHandler = std::function<void(
    Poco::Net::HTTPServerRequest&, const RequestBody&, Poco::Net::HTTPServerResponse&)>;

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
  // Bodies longer than this reach the handler as nullopt.
  std::size_t max_body_bytes = std::size_t{1} << 20U;
  // While every thread is taken: how long a connection may take to deliver a request (from
  // its start, or from the previous response of a kept-alive connection) before it is closed
  // to make room. A client whose request was sent while it waited for a thread is served at
  // once, so this only has to cover a TLS handshake's round trips and a body's transfer.
  std::chrono::milliseconds busy_grace{1'000};
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
