#include <punchlink/testing/webhook_receiver.hpp>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <cctype>

namespace punchlink::testing {

class ReceiverHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit ReceiverHandler(WebhookReceiver& receiver) : receiver_(receiver) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    ReceivedWebhook webhook;
    webhook.at = std::chrono::steady_clock::now();
    for (const auto& [name, value] : request) {
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      webhook.headers[lower] = value;
    }
    Poco::StreamCopier::copyToString(request.stream(), webhook.body);
    const auto mode = receiver_.mode();
    webhook.finished = webhook.at;  // dropped or hung: never answered
    if (mode == WebhookReceiver::Mode::Drop) {
      receiver_.record(std::move(webhook));
      dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(request).socket().shutdown();
      return;
    }
    if (mode == WebhookReceiver::Mode::Hang) {
      receiver_.record(std::move(webhook));
      std::unique_lock lock(receiver_.mutex_);
      receiver_.changed_.wait_for(lock, std::chrono::seconds{30}, [&] {
        return receiver_.stopping_ || receiver_.mode_ != WebhookReceiver::Mode::Hang;
      });
      return;  // answered after the client gave up (or never)
    }
    if (mode == WebhookReceiver::Mode::Drip) {
      receiver_.record(std::move(webhook));  // never answered in full
      response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
      response.setContentLength(1'000'000);
      std::ostream& out = response.send();
      out.flush();
      while (out) {
        {
          std::unique_lock lock(receiver_.mutex_);
          if (receiver_.changed_.wait_for(lock, std::chrono::milliseconds{300}, [&] {
                return receiver_.stopping_ || receiver_.mode_ != WebhookReceiver::Mode::Drip;
              })) {
            return;
          }
        }
        out << 'x';
        out.flush();  // fails once the client has given up and closed the connection
      }
      return;
    }
    const int status = mode == WebhookReceiver::Mode::Ok        ? 200
                       : mode == WebhookReceiver::Mode::Gone410 ? 410
                                                                : 500;
    webhook.answered = status;
    const std::string body = status == 200 ? R"({"status":"received"})" : R"({"error":"nope"})";
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    std::ostream& out = response.send();
    out << body;
    out.flush();
    webhook.finished = std::chrono::steady_clock::now();
    receiver_.record(std::move(webhook));
  }

 private:
  WebhookReceiver& receiver_;
};

namespace {

class ReceiverFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit ReceiverFactory(WebhookReceiver& receiver) : receiver_(receiver) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new ReceiverHandler(receiver_);
  }

 private:
  WebhookReceiver& receiver_;
};

}  // namespace

WebhookReceiver::WebhookReceiver(std::uint16_t port,
                                 std::filesystem::path tls_cert,
                                 std::filesystem::path tls_key)
    : port_(port), tls_cert_(std::move(tls_cert)), tls_key_(std::move(tls_key)) {
  start();
}

WebhookReceiver::~WebhookReceiver() { stop(); }

std::string WebhookReceiver::url(const std::string& path) const {
  return (tls_cert_.empty() ? "http://127.0.0.1:" : "https://localhost:") + std::to_string(port_) +
         path;
}

void WebhookReceiver::start() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  const Poco::Net::SocketAddress address("127.0.0.1", port_);
  Poco::Net::ServerSocket socket;
  if (tls_cert_.empty()) {
    socket = Poco::Net::ServerSocket(address);
  } else {
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, tls_key_.string(),
                               tls_cert_.string(), "", Poco::Net::Context::VERIFY_NONE);
    socket = Poco::Net::SecureServerSocket(address, 64, context);
  }
  port_ = socket.address().port();
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(16);
  params->setKeepAlive(true);
  server_ =
      std::make_unique<Poco::Net::HTTPServer>(new ReceiverFactory(*this), threads_, socket, params);
  server_->start();
}

void WebhookReceiver::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (server_) {
    server_->stopAll(true);
    server_.reset();
  }
  // Until every connection's thread has ended: one still finishing a dripped answer or waiting
  // for a kept-alive connection's next request holds Poco's dispatcher, which the pool's
  // destructor gives up on after 10 s and LeakSanitizer then reports.
  threads_.joinAll();
}

void WebhookReceiver::setMode(Mode mode) {
  {
    const std::lock_guard lock(mutex_);
    mode_ = mode;
    ++generation_;
  }
  changed_.notify_all();
}

WebhookReceiver::Mode WebhookReceiver::mode() const {
  const std::lock_guard lock(mutex_);
  return mode_;
}

void WebhookReceiver::record(ReceivedWebhook webhook) {
  {
    const std::lock_guard lock(mutex_);
    received_.push_back(std::move(webhook));
    ++generation_;
  }
  changed_.notify_all();
}

std::vector<ReceivedWebhook> WebhookReceiver::received() const {
  const std::lock_guard lock(mutex_);
  return received_;
}

std::map<std::string, int> WebhookReceiver::deliveredEventIds() const {
  std::map<std::string, int> ids;
  for (const auto& webhook : received()) {
    if (webhook.answered >= 200 && webhook.answered < 300) {
      ++ids[webhook.headers.contains("x-event-id") ? webhook.headers.at("x-event-id") : ""];
    }
  }
  return ids;
}

bool WebhookReceiver::waitFor(
    const std::function<bool(const std::vector<ReceivedWebhook>&)>& predicate,
    std::chrono::milliseconds timeout) const {
  // The predicate runs on a copy, without the lock, so it may call back into the receiver; the
  // generation count makes sure no change between the copy and the wait is missed.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::uint64_t seen = 0;
    std::vector<ReceivedWebhook> snapshot;
    {
      const std::lock_guard lock(mutex_);
      seen = generation_;
      snapshot = received_;
    }
    if (predicate(snapshot)) {
      return true;
    }
    std::unique_lock lock(mutex_);
    if (!changed_.wait_until(lock, deadline, [&] { return generation_ != seen; })) {
      return false;
    }
  }
}

}  // namespace punchlink::testing
