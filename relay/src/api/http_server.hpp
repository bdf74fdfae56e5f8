// Serves a Router over Poco's HTTP server: the thin I/O shell of the REST API.
#pragma once

#include "api/router.hpp"

#include <punchlink/common/http_listener.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/result.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace punchlink::relay::api {

struct HttpListenOptions {
  std::string listen;  // host:port
  // PEM files; both set = HTTPS only, both empty = plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  HttpListenerOptions limits;
};

// Requests answered, by status code (for /metrics). Thread-safe.
class RequestCounter {
 public:
  void add(int status);
  std::map<int, std::uint64_t> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<int, std::uint64_t> counts_;
};

class HttpServer {
 public:
  // Binds the listener and starts serving `router`, which must outlive the server.
  static Result<std::unique_ptr<HttpServer>> start(const HttpListenOptions& options,
                                                   const Router& router,
                                                   Logger logger);
  ~HttpServer();

  std::map<int, std::uint64_t> requestsByStatus() const { return requests_->snapshot(); }

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  HttpServer(HttpServer&&) = delete;
  HttpServer& operator=(HttpServer&&) = delete;

 private:
  HttpServer() = default;
  std::shared_ptr<RequestCounter> requests_ = std::make_shared<RequestCounter>();
  HttpListenerPtr server_;
};

}  // namespace punchlink::relay::api
