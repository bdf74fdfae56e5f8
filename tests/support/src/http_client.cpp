#include <punchlink/testing/http_client.hpp>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace punchlink::testing {

nlohmann::json HttpReply::json() const {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json() : parsed;
}

std::string HttpReply::header(const std::string& lower_name) const {
  const auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

namespace {

HttpReply exchange(Poco::Net::HTTPClientSession& session,
                   Poco::Net::HTTPRequest& request,
                   const std::string& body,
                   const std::map<std::string, std::string>& headers) {
  session.setTimeout(Poco::Timespan(30, 0));
  for (const auto& [name, value] : headers) {
    request.set(name, value);
  }
  const std::string& method = request.getMethod();
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  HttpReply reply;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), reply.body);
  reply.status = static_cast<int>(response.getStatus());
  for (const auto& [name, value] : response) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    reply.headers[lower] = value;
  }
  return reply;
}

}  // namespace

HttpReply httpRequest(const HttpTarget& target,
                      const std::string& method,
                      const std::string& path_and_query,
                      const std::string& body,
                      const std::map<std::string, std::string>& headers) {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (target.ca_file.empty()) {
    session = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", target.port);
  } else {
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", target.ca_file.string(),
                               Poco::Net::Context::VERIFY_STRICT);
    session = std::make_unique<Poco::Net::HTTPSClientSession>("localhost", target.port, context);
  }
  Poco::Net::HTTPRequest request(method, path_and_query, Poco::Net::HTTPMessage::HTTP_1_1);
  return exchange(*session, request, body, headers);
}

HttpReply httpRequestFrom(const std::string& source_address,
                          std::uint16_t port,
                          const std::string& method,
                          const std::string& path_and_query,
                          const std::string& body,
                          const std::map<std::string, std::string>& headers) {
  // Poco 1.11's session cannot bind; it takes a socket connected from the source address. A
  // session without a host never reconnects, so the Host header is set here.
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress::IPv4);
  socket.impl()->bind(Poco::Net::SocketAddress(source_address, 0));
  socket.connect(Poco::Net::SocketAddress("127.0.0.1", port), Poco::Timespan(30, 0));
  Poco::Net::HTTPClientSession session(socket);
  Poco::Net::HTTPRequest request(method, path_and_query, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setHost("127.0.0.1", port);
  return exchange(session, request, body, headers);
}

nlohmann::json httpGetJson(std::uint16_t port, const std::string& path, const std::string& bearer) {
  std::map<std::string, std::string> headers;
  if (!bearer.empty()) {
    headers["Authorization"] = "Bearer " + bearer;
  }
  return nlohmann::json::parse(httpRequest({port, {}}, "GET", path, "", headers).body);
}

}  // namespace punchlink::testing
