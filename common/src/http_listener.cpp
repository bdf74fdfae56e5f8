#include <punchlink/common/http_listener.hpp>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>

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

}  // namespace

std::unique_ptr<Poco::Net::HTTPServer> startHttpListener(Poco::Net::ServerSocket socket,
                                                         HttpListenerOptions options,
                                                         HttpHandler handler) {
  auto* params = new Poco::Net::HTTPServerParams;  // Poco takes ownership
  params->setMaxThreads(options.max_threads);
  params->setKeepAlive(options.keep_alive);
  auto server = std::make_unique<Poco::Net::HTTPServer>(new FunctionFactory(std::move(handler)),
                                                        socket, params);
  server->start();
  return server;
}

}  // namespace punchlink
