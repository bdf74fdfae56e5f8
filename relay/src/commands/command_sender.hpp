// How a command is handed to a site's agent: the relay publishes it on the site's
// commands topic (common/.../contract/topics.hpp); tests record it instead.
#pragma once

#include <punchlink/common/result.hpp>

#include <string>

namespace punchlink::relay {

class CommandSender {
 public:
  virtual ~CommandSender() = default;
  // Sends the command JSON to the site's agent; Unavailable when the broker is unreachable.
  virtual Status send(const std::string& site_id, const std::string& payload) = 0;
};

}  // namespace punchlink::relay
