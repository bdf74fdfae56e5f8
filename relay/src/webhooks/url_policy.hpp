// Which webhook URLs the relay may call, and at which addresses. In production only https, and
// never an address inside the operator's own network (SSRF: a tenant must not make the relay
// probe 10.0.0.5:6379), however the receiver's name resolves from one lookup to the next.
#pragma once

#include "webhooks/host_resolver.hpp"

#include <punchlink/common/result.hpp>

#include <Poco/Net/IPAddress.h>

#include <cstdint>
#include <string>
#include <vector>

namespace punchlink::relay::webhooks {

struct UrlPolicy {
  bool allow_http = false;              // plain http:// (tests, on-prem receivers)
  bool allow_private_networks = false;  // loopback, RFC 1918, link-local, ULA, …
};

// True for addresses a production relay must not call: loopback, unspecified, private
// (10/8, 172.16/12, 192.168/16, 100.64/10), link-local, multicast, broadcast, documentation
// ranges aside, and their IPv6 counterparts (::1, fc00::/7, fe80::/10, fec0::/10, ff00::/8).
// IPv6 forms that carry an IPv4 address: IPv4-mapped (::ffff:0:0/96) and NAT64 well-known
// (64:ff9b::/96) addresses are judged by that IPv4 address; IPv4-compatible (::/96), SIIT
// (::ffff:0:0:0/96), local-use NAT64 (64:ff9b:1::/48), 6to4 (2002::/16) and Teredo
// (2001::/32) are refused outright, since where a translator or relay sends them is not ours
// to check.
bool isNonPublicAddress(const Poco::Net::IPAddress& address);
bool isNonPublicAddress(const std::string& ip_literal);  // true for text that is no address

// A webhook URL taken apart, with the addresses an attempt may connect to and no other.
struct VettedUrl {
  std::string scheme;  // "https" or "http"
  std::string host;    // as the URL names it: for SNI, the certificate check and Host header
  std::uint16_t port = 0;
  std::string target;  // path and query, "/" at least
  // What `host` resolved to (itself, for an address literal), IPv4 first as Poco orders them;
  // every one allowed by the policy. Never empty.
  std::vector<Poco::Net::IPAddress> addresses;
};

// Checks the URL's form and scheme, resolves its host once and checks every address it got:
// one refused address refuses the URL, since the connection may go to any of them. A refusal
// is ErrorCode::InvalidInput and says what is refused and why, naming the host but never the
// addresses a name resolved to (a tenant must not map the operator's DNS through it); a
// lookup that fails is ErrorCode::Unavailable.
Result<VettedUrl> vetWebhookUrl(const std::string& url,
                                const UrlPolicy& policy,
                                const HostResolver& resolve);

// For saving an endpoint: vetWebhookUrl without the result, except that with
// allow_private_networks a name is not looked up (an on-prem receiver may not resolve yet).
// Errors are worded for a 400 naming the `url` field.
Status checkWebhookUrl(const std::string& url,
                       const UrlPolicy& policy,
                       const HostResolver& resolve = resolveWithGetaddrinfo);

}  // namespace punchlink::relay::webhooks
