#include <punchlink/common/broker_url.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace punchlink {

namespace {

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Literal addresses only (and "localhost"): a name that merely starts with "127." is anywhere.
bool isLoopbackHost(const std::string& host) {
  if (host == "localhost") {
    return true;
  }
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24U) == 127U;
  }
  in6_addr v6{};
  return ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

}  // namespace

std::string brokerHost(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return {};
  }
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    rest = rest.substr(at + 1);  // user:password@
  }
  if (startsWith(rest, "[")) {
    const auto close = rest.find(']');
    return close == std::string_view::npos ? std::string{} : std::string(rest.substr(1, close - 1));
  }
  return std::string(rest.substr(0, rest.find(':')));
}

std::optional<std::string> brokerUrlProblem(std::string_view url, bool has_password) {
  const bool tls = startsWith(url, "mqtts://");
  if (!tls && !startsWith(url, "mqtt://")) {
    return "must start with mqtts:// (or mqtt:// to a broker on this machine), e.g. "
           "mqtts://broker.example.com:8883";
  }
  const std::string host = brokerHost(url);
  if (host.empty()) {
    return "names no host; e.g. mqtts://broker.example.com:8883";
  }
  if (!tls && has_password && !isLoopbackHost(host)) {
    return "mqtt:// would send the password in clear to " + host +
           "; use mqtts:// (plain mqtt:// is accepted only for a broker on loopback)";
  }
  return std::nullopt;
}

}  // namespace punchlink
