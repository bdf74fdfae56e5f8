#include "http_server.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>

namespace punchlink::relay::api {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

void send(Poco::Net::HTTPServerResponse& response, const ApiResponse& api) {
  const std::string body = api.body.dump();
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(api.status));
  for (const auto& [name, value] : api.headers) {
    response.set(name, value);
  }
  response.setContentType("application/json");
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.send() << body;
}

class ApiHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  ApiHandler(const Router& router, Logger& logger) : router_(router), logger_(logger) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    ApiResponse api;
    try {
      api = handle(request);
    } catch (const std::exception& error) {
      logger_.error("request failed", {{"path", request.getURI()}, {"error", error.what()}});
      api = errorResponse(500, "internal", "internal error; retry later");
    }
    try {
      send(response, api);
    } catch (const std::exception&) {
      // The client went away; nothing to tell it.
    }
  }

 private:
  ApiResponse handle(Poco::Net::HTTPServerRequest& request) {
    ApiRequest api;
    api.method = request.getMethod();
    const Poco::URI uri(request.getURI());
    api.path = uri.getPath();
    for (const auto& [name, value] : uri.getQueryParameters()) {
      api.query[name] = value;
    }
    for (const auto& [name, value] : request) {
      api.headers[lower(name)] = value;
    }
    if (request.hasContentLength() &&
        request.getContentLength64() > static_cast<Poco::Int64>(kMaxBodyBytes)) {
      return errorResponse(413, "payload_too_large", "request body over 1 MiB");
    }
    api.body.resize(kMaxBodyBytes + 1);
    request.stream().read(api.body.data(), static_cast<std::streamsize>(api.body.size()));
    api.body.resize(static_cast<std::size_t>(request.stream().gcount()));
    if (api.body.size() > kMaxBodyBytes) {
      return errorResponse(413, "payload_too_large", "request body over 1 MiB");
    }
    return router_.dispatch(api);
  }

  const Router& router_;
  Logger& logger_;
};

class ApiFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  ApiFactory(const Router& router, Logger logger) : router_(router), logger_(std::move(logger)) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new ApiHandler(router_, logger_);  // Poco takes ownership
  }

 private:
  const Router& router_;
  Logger logger_;
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::string& listen,
                                                      const Router& router,
                                                      Logger logger) {
  std::unique_ptr<HttpServer> server(new HttpServer);
  try {
    Poco::Net::ServerSocket socket{Poco::Net::SocketAddress(listen)};
    auto* params = new Poco::Net::HTTPServerParams;  // Poco takes ownership
    params->setMaxThreads(16);
    params->setKeepAlive(true);
    server->server_ = std::make_unique<Poco::Net::HTTPServer>(
        new ApiFactory(router, std::move(logger)), socket, params);
    server->server_->start();
  } catch (const std::exception& error) {
    return makeError(ErrorCode::Unavailable, "cannot listen on " + listen + ": " + error.what(),
                     "choose a free address in http.listen");
  }
  return server;
}

HttpServer::~HttpServer() {
  if (server_) {
    server_->stopAll(true);
  }
}

}  // namespace punchlink::relay::api
