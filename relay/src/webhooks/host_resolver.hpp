// How the webhook client turns a receiver's host name into addresses: getaddrinfo in the relay, a
// script in tests (a rebinding DNS server answers differently each time it is asked).
#pragma once

#include <punchlink/common/result.hpp>

#include <Poco/Net/IPAddress.h>

#include <functional>
#include <string>
#include <vector>

namespace punchlink::relay::webhooks {

// Every address `host` (a name, not an address literal) resolves to, or why there is none
// (ErrorCode::Unavailable, naming the host). Called from several threads at once.
using HostResolver =
    std::function<Result<std::vector<Poco::Net::IPAddress>>(const std::string& host)>;

// The system's resolver (/etc/hosts, then DNS): each address once, in the order it gave them.
// Blocks for as long as the resolver's own timeouts allow (resolv.conf).
Result<std::vector<Poco::Net::IPAddress>> resolveWithGetaddrinfo(const std::string& host);

}  // namespace punchlink::relay::webhooks
