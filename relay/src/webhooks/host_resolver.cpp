#include "host_resolver.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace punchlink::relay::webhooks {

Result<std::vector<Poco::Net::IPAddress>> resolveWithGetaddrinfo(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;  // one entry per address, not one per socket type
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owned(found, &::freeaddrinfo);
  if (rc != 0) {
    const std::string why = rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc);
    return makeError(ErrorCode::Unavailable, "cannot resolve host " + host + ": " + why,
                     "use a host name that resolves publicly");
  }
  std::vector<Poco::Net::IPAddress> addresses;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    Poco::Net::IPAddress address;
    if (entry->ai_family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(entry->ai_addr);
      address = Poco::Net::IPAddress(&in->sin_addr, sizeof in->sin_addr);
    } else if (entry->ai_family == AF_INET6) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(entry->ai_addr);
      address = Poco::Net::IPAddress(&in6->sin6_addr, sizeof in6->sin6_addr, in6->sin6_scope_id);
    } else {
      continue;
    }
    if (std::find(addresses.begin(), addresses.end(), address) == addresses.end()) {
      addresses.push_back(address);
    }
  }
  if (addresses.empty()) {
    return makeError(ErrorCode::Unavailable, "host " + host + " has no IPv4 or IPv6 address",
                     "use a host name that resolves publicly");
  }
  return addresses;
}

}  // namespace punchlink::relay::webhooks
