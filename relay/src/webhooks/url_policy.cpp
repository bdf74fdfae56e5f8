#include "url_policy.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/DNS.h>
#include <Poco/Net/HostEntry.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/URI.h>

#include <cstring>
#include <vector>

namespace punchlink::relay::webhooks {

namespace {

bool nonPublicV4(const std::uint8_t* a) {
  return a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 100 && (a[1] & 0xC0) == 64) ||
         (a[0] == 169 && a[1] == 254) || (a[0] == 172 && (a[1] & 0xF0) == 16) ||
         (a[0] == 192 && a[1] == 168) || (a[0] == 192 && a[1] == 0 && a[2] == 0) ||
         (a[0] == 198 && (a[1] & 0xFE) == 18) || a[0] >= 224;
}

}  // namespace

bool isNonPublicAddress(const std::string& ip_literal) {
  Poco::Net::IPAddress address;
  if (!Poco::Net::IPAddress::tryParse(ip_literal, address)) {
    return true;  // not an address we can judge: refuse
  }
  const auto* bytes = static_cast<const std::uint8_t*>(address.addr());
  if (address.family() == Poco::Net::IPAddress::IPv4) {
    return nonPublicV4(bytes);
  }
  static constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0,    0,
                                                                 0, 0, 0, 0, 0xFF, 0xFF};
  if (std::memcmp(bytes, kMappedPrefix.data(), kMappedPrefix.size()) == 0) {
    return nonPublicV4(bytes + 12);
  }
  static constexpr std::array<std::uint8_t, 16> kZero{};
  const bool unspecified_or_loopback =
      std::memcmp(bytes, kZero.data(), 15) == 0 && (bytes[15] == 0 || bytes[15] == 1);
  return unspecified_or_loopback || (bytes[0] & 0xFE) == 0xFC ||  // fc00::/7 unique local
         (bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0x80) ||       // fe80::/10 link-local
         (bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0xC0) ||       // fec0::/10 site-local
         bytes[0] == 0xFF;                                        // multicast
}

Status checkWebhookUrl(const std::string& url, const UrlPolicy& policy) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception&) {
    return makeError(ErrorCode::InvalidInput, "not a valid URL", "expected https://host/path");
  }
  const std::string scheme = uri.getScheme();
  if (scheme != "https" && scheme != "http") {
    return makeError(ErrorCode::InvalidInput, "the URL must start with https://");
  }
  if (scheme == "http" && !policy.allow_http) {
    return makeError(ErrorCode::InvalidInput,
                     "plain http:// is not allowed; use https:// (the relay's "
                     "webhooks.allow_http setting allows http for tests and on-prem receivers)");
  }
  if (uri.getHost().empty()) {
    return makeError(ErrorCode::InvalidInput, "the URL names no host");
  }
  if (!uri.getUserInfo().empty()) {
    return makeError(ErrorCode::InvalidInput, "credentials in the URL are not supported",
                     "authenticate the requests with the webhook signature instead");
  }
  if (policy.allow_private_networks) {
    return {};
  }
  std::vector<std::string> addresses;
  Poco::Net::IPAddress literal;
  if (Poco::Net::IPAddress::tryParse(uri.getHost(), literal)) {
    addresses.push_back(literal.toString());
  } else {
    try {
      const Poco::Net::HostEntry entry = Poco::Net::DNS::hostByName(uri.getHost());
      for (const auto& address : entry.addresses()) {
        addresses.push_back(address.toString());
      }
    } catch (const Poco::Exception& error) {
      return makeError(ErrorCode::InvalidInput,
                       "cannot resolve host " + uri.getHost() + ": " + error.displayText(),
                       "use a host name that resolves publicly");
    }
  }
  for (const auto& address : addresses) {
    if (isNonPublicAddress(address)) {
      return makeError(ErrorCode::InvalidInput,
                       "host " + uri.getHost() + " resolves to " + address +
                           ", a loopback or private address, which production relays do not "
                           "call",
                       "use a public https URL (webhooks.allow_private_networks allows private "
                       "receivers on-prem)");
    }
  }
  return {};
}

}  // namespace punchlink::relay::webhooks
