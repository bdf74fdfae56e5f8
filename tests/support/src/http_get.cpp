#include <punchlink/testing/http_get.hpp>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

namespace punchlink::testing {

nlohmann::json httpGetJson(std::uint16_t port, const std::string& path, const std::string& bearer) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!bearer.empty()) {
    request.set("Authorization", "Bearer " + bearer);
  }
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  return nlohmann::json::parse(body);
}

}  // namespace punchlink::testing
