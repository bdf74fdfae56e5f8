#include "status_server.hpp"

#include <punchlink/common/http_listener.hpp>

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>

namespace punchlink::agent {

namespace {

// Scrapes and a curl now and then: two threads are plenty, and bound what a local client costs.
constexpr int kMaxThreads = 2;

}  // namespace

StatusReply statusReply(std::string_view uri, const StatusPages& pages) {
  if (uri == "/healthz") {
    return {200, "application/json", R"({"status":"ok"})"};
  }
  if (uri == "/status") {
    return {200, "application/json", pages.status()};
  }
  if (uri == "/metrics") {
    return {200, "text/plain; version=0.0.4; charset=utf-8", pages.metrics()};
  }
  return {404, "application/json", R"({"error":"not found; try /status, /metrics or /healthz"})"};
}

StatusServer::StatusServer(StatusPages pages) : pages_(std::move(pages)) {}

Result<std::unique_ptr<StatusServer>> StatusServer::start(const std::string& listen,
                                                          StatusPages pages) {
  std::unique_ptr<StatusServer> server(new StatusServer(std::move(pages)));
  try {
    server->server_ = startHttpListener(
        Poco::Net::ServerSocket{Poco::Net::SocketAddress(listen)}, {kMaxThreads, true},
        [pages = &server->pages_](Poco::Net::HTTPServerRequest& request, const RequestBody&,
                                  Poco::Net::HTTPServerResponse& response) {
          const StatusReply reply = statusReply(request.getURI(), *pages);
          response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
          response.setContentType(reply.content_type);
          response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
          response.send() << reply.body;
        });
  } catch (const std::exception& error) {
    return makeError(ErrorCode::Unavailable,
                     "cannot listen for status on " + listen + ": " + error.what(),
                     "choose a free address in status.listen, or set it to \"\" to disable");
  }
  return server;
}

StatusServer::~StatusServer() { stop(); }

void StatusServer::stop() {
  if (server_) {
    server_->stopAll(true);
    server_.reset();
  }
}

}  // namespace punchlink::agent
