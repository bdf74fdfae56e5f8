#include "http_server.hpp"

#include <punchlink/common/http_listener.hpp>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureServerSocket.h>
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

// Whether the client closed its end: readable with nothing to read. A stream client sends
// nothing after its request, so this is how a closed tab shows before the next write fails.
bool peerClosed(Poco::Net::HTTPServerRequest& request) {
  auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request);
  if (impl == nullptr) {
    return false;
  }
  try {
    Poco::Net::StreamSocket& socket = impl->socket();
    return socket.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ) &&
           socket.available() == 0;
  } catch (const Poco::Exception&) {
    return true;
  }
}

// Headers, then chunks as the stream writes them, each sent at once.
void sendStream(Poco::Net::HTTPServerRequest& request,
                Poco::Net::HTTPServerResponse& response,
                const ApiResponse& api) {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(api.status));
  for (const auto& [name, value] : api.headers) {
    response.set(name, value);
  }
  response.setContentType(api.content_type);
  response.setChunkedTransferEncoding(true);
  std::ostream& out = response.send();
  out.flush();
  api.stream([&out, &request](const std::string& chunk) {
    if (chunk.empty()) {
      return out.good() && !peerClosed(request);
    }
    out << chunk;
    out.flush();
    return out.good();
  });
}

void send(Poco::Net::HTTPServerRequest& request,
          Poco::Net::HTTPServerResponse& response,
          const ApiResponse& api) {
  if (api.stream) {
    sendStream(request, response, api);
    return;
  }
  const bool raw = !api.content_type.empty();
  // Replaced, not thrown on: a message may quote a path or value the client sent as bytes that
  // are not UTF-8, and the client still gets its answer.
  const std::string body =
      raw ? api.text
          : api.body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(api.status));
  for (const auto& [name, value] : api.headers) {
    response.set(name, value);
  }
  response.setContentType(raw ? api.content_type : std::string("application/json"));
  response.setContentLength(static_cast<std::streamsize>(body.size()));
  response.send() << body;
}

// Serves every request, on Poco's threads at once.
class ApiHandler {
 public:
  ApiHandler(const Router& router,
             Logger logger,
             std::shared_ptr<RequestCounter> requests,
             bool secure)
      : router_(router),
        logger_(std::move(logger)),
        requests_(std::move(requests)),
        secure_(secure) {}

  void serve(Poco::Net::HTTPServerRequest& request,
             const RequestBody& body,
             Poco::Net::HTTPServerResponse& response) {
    ApiResponse api;
    try {
      api = handle(request, body);
    } catch (const std::exception& error) {
      logger_.error("request failed", {{"path", request.getURI()}, {"error", error.what()}});
      api = errorResponse(500, "internal", "internal error; retry later");
    }
    requests_->add(api.status);
    try {
      send(request, response, api);
    } catch (const std::exception&) {
      // The client went away; nothing to tell it.
    }
  }

 private:
  ApiResponse handle(Poco::Net::HTTPServerRequest& request, const RequestBody& body) {
    ApiRequest api;
    api.secure = secure_;
    api.method = request.getMethod();
    const Poco::URI uri(request.getURI());
    api.path = uri.getPath();
    for (const auto& [name, value] : uri.getQueryParameters()) {
      api.query[name] = value;
    }
    for (const auto& [name, value] : request) {
      api.headers[lower(name)] = value;
    }
    if (!body) {
      ApiResponse response = errorResponse(413, "payload_too_large",
                                           "request body over 1 MiB; send smaller requests (for "
                                           "many users, several /v1/users/batch calls)");
      response.headers.emplace_back("Connection", "close");
      return response;
    }
    api.body = *body;
    return router_.dispatch(api);
  }

  const Router& router_;
  Logger logger_;
  std::shared_ptr<RequestCounter> requests_;
  bool secure_;
};

}  // namespace

void RequestCounter::add(int status) {
  const std::lock_guard lock(mutex_);
  ++counts_[status];
}

std::map<int, std::uint64_t> RequestCounter::snapshot() const {
  const std::lock_guard lock(mutex_);
  return counts_;
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpListenOptions& options,
                                                      const Router& router,
                                                      Logger logger) {
  const std::string& listen = options.listen;
  std::unique_ptr<HttpServer> server(new HttpServer);
  Poco::Net::ServerSocket socket;
  if (!options.tls_cert_file.empty()) {
    try {
      // TLS 1.2+ with OpenSSL's default secure ciphers; clients are not asked for certificates
      // (they authenticate with API keys).
      Poco::Net::Context::Ptr context = new Poco::Net::Context(
          Poco::Net::Context::TLS_SERVER_USE, options.tls_key_file, options.tls_cert_file, "",
          Poco::Net::Context::VERIFY_NONE, 9, false, "HIGH:!aNULL:!MD5:!RC4");
      context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                                Poco::Net::Context::PROTO_TLSV1 |
                                Poco::Net::Context::PROTO_TLSV1_1);
      socket = Poco::Net::SecureServerSocket(Poco::Net::SocketAddress(listen), 64, context);
    } catch (const Poco::Net::SSLException& error) {
      return makeError(ErrorCode::InvalidInput,
                       "cannot use the TLS certificate " + options.tls_cert_file + " and key " +
                           options.tls_key_file + ": " + error.displayText(),
                       "check http.tls_cert_file and http.tls_key_file (PEM, key matching the "
                       "certificate, readable by the relay)");
    } catch (const std::exception& error) {
      return makeError(ErrorCode::Unavailable, "cannot listen on " + listen + ": " + error.what(),
                       "choose a free address in http.listen");
    }
  }
  try {
    if (options.tls_cert_file.empty()) {
      socket = Poco::Net::ServerSocket{Poco::Net::SocketAddress(listen)};
    }
    auto handler = std::make_shared<ApiHandler>(router, std::move(logger), server->requests_,
                                                !options.tls_cert_file.empty());
    HttpListenerOptions limits = options.limits;
    limits.max_body_bytes = kMaxBodyBytes;
    server->server_ =
        startHttpListener(socket, limits,
                          [handler](Poco::Net::HTTPServerRequest& request, const RequestBody& body,
                                    Poco::Net::HTTPServerResponse& response) {
                            handler->serve(request, body, response);
                          });
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
