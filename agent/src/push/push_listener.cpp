#include "push_listener.hpp"

#include <punchlink/common/http_listener.hpp>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Timestamp.h>

#include <condition_variable>

namespace punchlink::agent {

namespace {

// Request handlers at once. Terminals send one request per connection and wait for the reply;
// a site has tens of terminals, not thousands. Idle threads cost little, and enough of them
// (with the listener's per-address cap and connection deadline) keep LAN hosts that open
// connections and never finish them from starving the terminals.
constexpr int kMaxThreads = 64;

void send(Poco::Net::HTTPServerResponse& response, const PushReply& reply, const Clock& clock) {
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
  response.setContentType("text/plain");
  // Required: terminals set their clock from it (§1, §6).
  response.setDate(
      Poco::Timestamp::fromEpochTime(std::chrono::system_clock::to_time_t(clock.now())));
  response.setKeepAlive(false);
  response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
  response.send() << reply.body;
}

}  // namespace

PushListener::PushListener(PushConfig push,
                           std::vector<Configured> terminals,
                           Outbox& outbox,
                           TerminalSinks sinks,
                           Logger logger,
                           const Clock& clock)
    : push_(std::move(push)),
      outbox_(outbox),
      sinks_(std::move(sinks)),
      logger_(std::move(logger)),
      clock_(clock) {
  for (auto& terminal : terminals) {
    const std::string serial = terminal.device.serial;
    terminals_.emplace(
        serial, std::make_unique<PushTerminal>(std::move(terminal.name), std::move(terminal.device),
                                               push_, outbox_, sinks_, logger_, clock_));
  }
}

PushListener::~PushListener() { stop(); }

Status PushListener::start() {
  const std::size_t configured = terminals_.size();  // before the server threads may add some
  try {
    Poco::Net::ServerSocket socket{Poco::Net::SocketAddress(push_.listen)};
    server_ = startHttpListener(
        socket,
        {.max_threads = kMaxThreads,
         .keep_alive = false,
         .max_body_bytes = static_cast<std::size_t>(push_.max_body),
         // A LAN terminal uploads a large log in well under this.
         .busy_grace = std::chrono::seconds{5}},
        [this](Poco::Net::HTTPServerRequest& request, const RequestBody& body,
               Poco::Net::HTTPServerResponse& response) { serve(request, body, response); });
  } catch (const std::exception& error) {
    return makeError(ErrorCode::Unavailable,
                     "cannot listen for push terminals on " + push_.listen + ": " + error.what(),
                     "choose a free address in push.listen (terminals' Server Address and Port "
                     "must point at it)");
  }
  ticker_ = std::jthread([this](const std::stop_token& stop) {
    std::mutex mutex;
    std::condition_variable_any wake;
    while (!stop.stop_requested()) {
      forEach([](Terminal& terminal) { static_cast<PushTerminal&>(terminal).tick(); });
      std::unique_lock lock(mutex);
      wake.wait_for(lock, stop, std::chrono::seconds{1}, [] { return false; });
    }
  });
  logger_.info("listening for push terminals",
               {{"address", push_.listen}, {"terminals", std::to_string(configured)}});
  return {};
}

void PushListener::stop() {
  if (ticker_.joinable()) {
    ticker_.request_stop();
    ticker_.join();
  }
  if (server_) {
    server_->stopAll(true);
    server_.reset();
  }
}

Terminal* PushListener::find(const std::string& key) {
  const std::lock_guard lock(mutex_);
  if (auto found = terminals_.find(key); found != terminals_.end()) {
    return found->second.get();
  }
  for (auto& [serial, terminal] : terminals_) {
    if (terminal->name() == key) {
      return terminal.get();
    }
  }
  return nullptr;
}

void PushListener::forEach(const std::function<void(Terminal&)>& visit) {
  std::vector<PushTerminal*> all;
  {
    const std::lock_guard lock(mutex_);
    for (auto& [serial, terminal] : terminals_) {
      all.push_back(terminal.get());
    }
  }
  // Terminals are never removed while the listener lives, so the pointers stay valid.
  for (PushTerminal* terminal : all) {
    visit(*terminal);
  }
}

PushTerminal* PushListener::terminalFor(const std::string& serial) {
  const std::lock_guard lock(mutex_);
  if (auto found = terminals_.find(serial); found != terminals_.end()) {
    return found->second.get();
  }
  if (!push_.accept_unknown || discovered_ >= kMaxDiscovered) {
    return nullptr;
  }
  PushDeviceConfig device;
  device.serial = serial;
  device.time_zone = push_.unknown_time_zone;
  ++discovered_;
  logger_.info("discovered a push terminal",
               {{"serial", serial},
                {"time_zone", device.time_zone},
                {"hint", "add it to devices (protocol: push) to name it and set its time_zone"}});
  auto [inserted, added] = terminals_.emplace(
      serial,
      std::make_unique<PushTerminal>(serial, device, push_, outbox_, sinks_, logger_, clock_));
  return inserted->second.get();
}

void PushListener::serve(Poco::Net::HTTPServerRequest& request,
                         const RequestBody& body,
                         Poco::Net::HTTPServerResponse& response) {
  PushReply reply;
  try {
    reply = handleHttp(request, body);
  } catch (const std::exception& error) {
    // The path only: the query may hold the terminal's ComKey.
    const std::string& uri = request.getURI();
    logger_.error("push request failed",
                  {{"path", uri.substr(0, uri.find('?'))}, {"error", error.what()}});
    reply = {500, "internal error; the terminal will retry\n"};
  }
  try {
    send(response, reply, clock_);
  } catch (const std::exception&) {
    // The terminal went away; it retries after ErrorDelay.
  }
}

PushReply PushListener::handleHttp(Poco::Net::HTTPServerRequest& request, const RequestBody& body) {
  const std::size_t max_body = static_cast<std::size_t>(push_.max_body);
  const std::string& uri = request.getURI();
  const auto question = uri.find('?');
  const std::string path = uri.substr(0, question);
  PushRequest push;
  push.endpoint = adms::classifyPath(path);
  if (push.endpoint == adms::Endpoint::Unknown) {
    return {404,
            "not an iclock path; terminals call /iclock/cdata, /iclock/getrequest, "
            "/iclock/devicecmd\n"};
  }
  const std::string& method = request.getMethod();
  if (method != "GET" && method != "POST") {
    return {405, "iclock requests are GET or POST\n"};
  }
  push.post = method == "POST";
  auto query = adms::parseIclockQuery(question == std::string::npos
                                          ? std::string_view{}
                                          : std::string_view(uri).substr(question + 1));
  if (!query) {
    return {400, "bad query: " + query.error().message + "\n"};
  }
  push.query = std::move(query.value());
  push.remote_address = request.clientAddress().host().toString();
  if (!body) {
    logger_.limited(LogLevel::Warning, "push-413/" + push.query.serial,
                    "refused an oversized push upload",
                    {{"serial", push.query.serial}, {"limit", std::to_string(max_body)}});
    return {413, "body over " + std::to_string(max_body) +
                     " bytes; raise push.max_body in the agent's config\n"};
  }
  push.body = *body;
  return handle(push);
}

PushReply PushListener::handle(const PushRequest& request) {
  PushTerminal* terminal = terminalFor(request.query.serial);
  if (terminal == nullptr) {
    logger_.limited(LogLevel::Warning, "push-unknown/" + request.query.serial,
                    "refused a push terminal that is not configured",
                    {{"serial", request.query.serial},
                     {"address", request.remote_address},
                     {"hint",
                      "add it to devices with protocol: push, or set "
                      "push.accept_unknown: true"}});
    // Not OK, so the terminal keeps its punches until it is configured (§7).
    return {403, "serial " + request.query.serial + " is not configured at this agent\n"};
  }
  return terminal->handle(request);
}

}  // namespace punchlink::agent
