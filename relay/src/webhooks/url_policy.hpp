// Which webhook URLs the relay may call. In production only https, and never an address inside
// the operator's own network (SSRF: a tenant must not make the relay probe 10.0.0.5:6379).
#pragma once

#include <punchlink/common/result.hpp>

#include <array>
#include <cstdint>
#include <string>

namespace punchlink::relay::webhooks {

struct UrlPolicy {
  bool allow_http = false;              // plain http:// (tests, on-prem receivers)
  bool allow_private_networks = false;  // loopback, RFC 1918, link-local, ULA, …
};

// True for addresses a production relay must not call: loopback, unspecified, private
// (10/8, 172.16/12, 192.168/16, 100.64/10), link-local, multicast, broadcast, documentation
// ranges aside, and their IPv6 counterparts (::1, fc00::/7, fe80::/10, IPv4-mapped forms).
bool isNonPublicAddress(const std::string& ip_literal);

// Checks the URL's form and scheme, resolves its host and checks every address. The error says
// which part is refused and why (a 400 for the API, naming the `url` field).
Status checkWebhookUrl(const std::string& url, const UrlPolicy& policy);

}  // namespace punchlink::relay::webhooks
