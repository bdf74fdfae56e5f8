// PushListener: the HTTP server push terminals call (/iclock/*), and the registry of push
// terminals. It parses the request line and query, reads the body within push.max_body, finds
// the terminal by its serial (configured, or discovered when accept_unknown is on) and lets it
// answer; the terminal first checks the request's address and key (push_access.hpp). Serials
// it does not serve get 403, so the terminal keeps its data. A ticker thread lets every
// terminal notice silence (offline) and expired commands.
#pragma once

#include "outbox/outbox.hpp"
#include "push/push_config.hpp"
#include "push/push_terminal.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/http_listener.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/result.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace Poco::Net {
class HTTPServerRequest;
class HTTPServerResponse;
}  // namespace Poco::Net

namespace punchlink::agent {

class PushListener {
 public:
  // Discovery stops here, so random serials from the LAN cannot grow the registry without end.
  static constexpr std::size_t kMaxDiscovered = 1000;

  // A push terminal listed under `devices`.
  struct Configured {
    std::string name;
    PushDeviceConfig device;
  };

  PushListener(PushConfig push,
               std::vector<Configured> terminals,
               Outbox& outbox,
               TerminalSinks sinks,
               Logger logger,
               const Clock& clock);
  ~PushListener();
  PushListener(const PushListener&) = delete;
  PushListener& operator=(const PushListener&) = delete;
  PushListener(PushListener&&) = delete;
  PushListener& operator=(PushListener&&) = delete;

  // Binds push.listen. Errors say which address could not be bound and what to do.
  Status start();
  void stop();

  // The terminal with this serial or configured name, or nullptr. Thread-safe.
  Terminal* find(const std::string& key);
  // Every terminal, configured and discovered. Thread-safe; do not block in `visit`.
  void forEach(const std::function<void(Terminal&)>& visit);

  // Answers one parsed request: the terminal's reply, or why no terminal answers it. The HTTP
  // layer calls this; tests may too.
  PushReply handle(const PushRequest& request);

 private:
  // The HTTP layer: parses the request line, query and body, answers with the reply.
  void serve(Poco::Net::HTTPServerRequest& request,
             const RequestBody& body,
             Poco::Net::HTTPServerResponse& response);
  PushReply handleHttp(Poco::Net::HTTPServerRequest& request, const RequestBody& body);
  PushTerminal* terminalFor(const std::string& serial);

  const PushConfig push_;  // the terminals keep a reference to it
  Outbox& outbox_;
  TerminalSinks sinks_;
  Logger logger_;
  const Clock& clock_;

  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<PushTerminal>> terminals_;  // by serial
  std::size_t discovered_ = 0;
  HttpListenerPtr server_;
  std::jthread ticker_;
};

}  // namespace punchlink::agent
