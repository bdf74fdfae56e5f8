// A small blocking HTTP(S) client for tests that talk to a server they started on loopback.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace punchlink::testing {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  // The body as JSON; a JSON null if it is not JSON.
  nlohmann::json json() const;
  // The header's value, "" if absent.
  std::string header(const std::string& lower_name) const;
};

struct HttpTarget {
  std::uint16_t port = 0;
  // Set: HTTPS, the server's certificate must chain to this CA and name 127.0.0.1/localhost.
  std::filesystem::path ca_file;
};

// Throws std::runtime_error (Poco exceptions included) on connection and TLS errors.
HttpReply httpRequest(const HttpTarget& target,
                      const std::string& method,
                      const std::string& path_and_query,
                      const std::string& body = "",
                      const std::map<std::string, std::string>& headers = {});

// httpRequest over plain HTTP to 127.0.0.1:`port` from the local address `source_address`
// (e.g. 127.0.0.2: a second host on loopback, as Linux routes all of 127.0.0.0/8 to lo).
HttpReply httpRequestFrom(const std::string& source_address,
                          std::uint16_t port,
                          const std::string& method,
                          const std::string& path_and_query,
                          const std::string& body = "",
                          const std::map<std::string, std::string>& headers = {});

// GET a JSON document (status and health endpoints). With `bearer`, sends
// Authorization: Bearer <bearer>. Throws on connection errors or a body that is not JSON.
nlohmann::json httpGetJson(std::uint16_t port,
                           const std::string& path,
                           const std::string& bearer = "");

}  // namespace punchlink::testing
