#include "url_policy.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace punchlink::relay::webhooks {

namespace {

bool nonPublicV4(const std::uint8_t* a) {
  return a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 100 && (a[1] & 0xC0) == 64) ||
         (a[0] == 169 && a[1] == 254) || (a[0] == 172 && (a[1] & 0xF0) == 16) ||
         (a[0] == 192 && a[1] == 168) || (a[0] == 192 && a[1] == 0 && a[2] == 0) ||
         (a[0] == 198 && (a[1] & 0xFE) == 18) || a[0] >= 224;
}

template <std::size_t N>
bool startsWith(const std::uint8_t* bytes, const std::array<std::uint8_t, N>& prefix) {
  return std::memcmp(bytes, prefix.data(), N) == 0;
}

// IPv6 prefixes whose last 32 bits are an IPv4 address (RFC 4291 §2.5.5, RFC 6052, RFC 2765).
constexpr std::array<std::uint8_t, 12> kMapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
constexpr std::array<std::uint8_t, 12> kNat64 = {0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};
constexpr std::array<std::uint8_t, 12> kCompatible{};  // and so :: and ::1
constexpr std::array<std::uint8_t, 12> kSiit = {0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0};
// RFC 8215: the IPv4 address may sit anywhere after a /48 to /96 prefix, so it cannot be judged.
constexpr std::array<std::uint8_t, 6> kNat64LocalUse = {0, 0x64, 0xFF, 0x9B, 0, 0x01};

struct UrlParts {
  std::string scheme;
  std::string host;
  std::uint16_t port = 0;
  std::string target;
};

// The URL's form and scheme, without looking anything up.
Result<UrlParts> parseWebhookUrl(const std::string& url, const UrlPolicy& policy) {
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
  // Chosen before constructing: GCC 12 at -O2 warns (-Wrestrict, a false positive) about
  // assigning a literal to the member afterwards.
  std::string target = uri.getPathAndQuery();
  return UrlParts{scheme, uri.getHost(), uri.getPort(), target.empty() ? std::string("/") : target};
}

}  // namespace

bool isNonPublicAddress(const Poco::Net::IPAddress& address) {
  const auto* bytes = static_cast<const std::uint8_t*>(address.addr());
  if (address.family() == Poco::Net::IPAddress::IPv4) {
    return nonPublicV4(bytes);
  }
  if (startsWith(bytes, kMapped) || startsWith(bytes, kNat64)) {
    return nonPublicV4(bytes + 12);
  }
  if (startsWith(bytes, kCompatible) || startsWith(bytes, kSiit) ||
      startsWith(bytes, kNat64LocalUse)) {
    return true;
  }
  return (bytes[0] == 0x20 && bytes[1] == 0x02) ||  // 2002::/16 6to4
         (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0 && bytes[3] == 0) ||  // Teredo
         (bytes[0] & 0xFE) == 0xFC ||                        // fc00::/7 unique local
         (bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0x80) ||  // fe80::/10 link-local
         (bytes[0] == 0xFE && (bytes[1] & 0xC0) == 0xC0) ||  // fec0::/10 site-local
         bytes[0] == 0xFF;                                   // multicast
}

bool isNonPublicAddress(const std::string& ip_literal) {
  Poco::Net::IPAddress address;
  if (!Poco::Net::IPAddress::tryParse(ip_literal, address)) {
    return true;  // not an address we can judge: refuse
  }
  return isNonPublicAddress(address);
}

Result<VettedUrl> vetWebhookUrl(const std::string& url,
                                const UrlPolicy& policy,
                                const HostResolver& resolve) {
  auto parts = parseWebhookUrl(url, policy);
  if (!parts) {
    return parts.error();
  }
  VettedUrl vetted{parts->scheme, parts->host, parts->port, parts->target, {}};
  Poco::Net::IPAddress literal;
  const bool is_literal = Poco::Net::IPAddress::tryParse(vetted.host, literal);
  if (is_literal) {
    vetted.addresses.push_back(literal);
  } else {
    auto resolved = resolve(vetted.host);
    if (!resolved) {
      return resolved.error();
    }
    vetted.addresses = std::move(*resolved);
    if (vetted.addresses.empty()) {
      return makeError(ErrorCode::Unavailable, "host " + vetted.host + " has no address",
                       "use a host name that resolves publicly");
    }
  }
  if (!policy.allow_private_networks) {
    const bool refused =
        std::any_of(vetted.addresses.begin(), vetted.addresses.end(),
                    [](const auto& address) { return isNonPublicAddress(address); });
    if (refused) {
      // Which address it was stays out of the message: it would tell a tenant what the
      // operator's internal names resolve to.
      return makeError(ErrorCode::InvalidInput,
                       "host " + vetted.host + (is_literal ? " is" : " resolves to") +
                           " a loopback or private address, which production relays do not call",
                       "use a public https URL (webhooks.allow_private_networks allows private "
                       "receivers on-prem)");
    }
  }
  std::stable_partition(vetted.addresses.begin(), vetted.addresses.end(), [](const auto& address) {
    return address.family() == Poco::Net::IPAddress::IPv4;
  });
  return vetted;
}

Status checkWebhookUrl(const std::string& url,
                       const UrlPolicy& policy,
                       const HostResolver& resolve) {
  if (policy.allow_private_networks) {
    auto parts = parseWebhookUrl(url, policy);
    return parts ? Status{} : Status(parts.error());
  }
  auto vetted = vetWebhookUrl(url, policy, resolve);
  return vetted ? Status{} : Status(vetted.error());
}

}  // namespace punchlink::relay::webhooks
