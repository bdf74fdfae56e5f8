// One way to serve HTTP with Poco: a function per request instead of a handler class and a
// factory class per server. The agent's status and push listeners, the relay API and zk-sim's
// control API are all such functions.
#pragma once

#include <functional>
#include <memory>

namespace Poco::Net {
class HTTPServer;
class HTTPServerRequest;
class HTTPServerResponse;
class ServerSocket;
}  // namespace Poco::Net

namespace punchlink {

// Called on Poco's request threads, several at once.
using HttpHandler =
    std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;

struct HttpListenerOptions {
  int max_threads = 4;
  bool keep_alive = true;  // false: one request per connection, as ADMS terminals use it
};

// Serves every request on `socket` (bound; plain or TLS) with `handler`, started. Throws what
// Poco throws when the server cannot start. Stop with stopAll(true) or by destroying it.
std::unique_ptr<Poco::Net::HTTPServer> startHttpListener(Poco::Net::ServerSocket socket,
                                                         HttpListenerOptions options,
                                                         HttpHandler handler);

}  // namespace punchlink
