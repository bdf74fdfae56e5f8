// The one rule for the broker URLs the agent and the relay accept: mqtts:// (TLS), or plain
// mqtt:// only where sending a password in clear cannot be overheard (a broker on loopback, as
// the demo and the benches run one).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace punchlink {

// The host part of mqtt[s]://host[:port][/...]; IPv6 without its brackets. Empty if the URL
// names none.
std::string brokerHost(std::string_view url);

// What is wrong with `url` for a client that logs in with a password (`has_password`), or
// nullopt when it is acceptable.
std::optional<std::string> brokerUrlProblem(std::string_view url, bool has_password);

}  // namespace punchlink
