// StatusServer: the agent's local HTTP listener on status.listen (/healthz, /status, /metrics).
// It only routes: the documents come from the pages it is given, so the routing is a pure
// function tests call without a socket.
#pragma once

#include <punchlink/common/http_listener.hpp>
#include <punchlink/common/result.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace punchlink::agent {

// Called on the listener's threads, two at a time; must not block for long.
struct StatusPages {
  std::function<std::string()> status;   // the agent's status JSON
  std::function<std::string()> metrics;  // Prometheus text
};

struct StatusReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// The answer to a request for `uri`; anything else than the three pages is a JSON 404.
StatusReply statusReply(std::string_view uri, const StatusPages& pages);

class StatusServer {
 public:
  // Binds `listen` (host:port) and serves. The error names the address and what to do.
  static Result<std::unique_ptr<StatusServer>> start(const std::string& listen, StatusPages pages);

  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;
  StatusServer(StatusServer&&) = delete;
  StatusServer& operator=(StatusServer&&) = delete;

  // Waits for requests in progress. Idempotent.
  void stop();

 private:
  explicit StatusServer(StatusPages pages);

  StatusPages pages_;
  HttpListenerPtr server_;
};

using StatusServerPtr = std::unique_ptr<StatusServer>;

}  // namespace punchlink::agent
