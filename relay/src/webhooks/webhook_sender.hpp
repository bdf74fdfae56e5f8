// WebhookSender: what the dispatcher needs of HTTP, one signed POST and what came of it, so its
// scheduling, retries and endpoint disabling run in unit tests against a scripted receiver.
// WebhookHttpClient implements it over Poco.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace punchlink::relay::webhooks {

struct HttpAttemptResult {
  int status = 0;  // 0: no HTTP response (refused, reset, timeout, TLS failure)
  std::chrono::milliseconds latency{0};
  std::string error;    // why there was no usable response
  std::string excerpt;  // the first bytes of the response body
  std::optional<std::chrono::seconds> retry_after;
};

class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  // POSTs `body` with `headers`. Safe to call from several threads at once.
  virtual HttpAttemptResult post(const std::string& url,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 const std::string& body) = 0;
};

}  // namespace punchlink::relay::webhooks
