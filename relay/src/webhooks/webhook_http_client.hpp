// Sends one webhook request and reports what happened, reusing keep-alive connections per
// origin. The I/O shell around the dispatcher's decisions.
#pragma once

#include "webhooks/url_policy.hpp"
#include "webhooks/webhook_sender.hpp"

#include <Poco/Net/Context.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace Poco::Net {
class HTTPClientSession;
}  // namespace Poco::Net

namespace punchlink::relay::webhooks {

struct WebhookHttpOptions {
  std::chrono::milliseconds timeout{15'000};  // connect, send and each read
  std::string ca_file;                        // empty: the system's CA store
  UrlPolicy policy;
  std::size_t max_idle_per_origin = 8;
};

class WebhookHttpClient final : public WebhookSender {
 public:
  explicit WebhookHttpClient(WebhookHttpOptions options);
  ~WebhookHttpClient() override;
  WebhookHttpClient(const WebhookHttpClient&) = delete;
  WebhookHttpClient& operator=(const WebhookHttpClient&) = delete;
  WebhookHttpClient(WebhookHttpClient&&) = delete;
  WebhookHttpClient& operator=(WebhookHttpClient&&) = delete;

  // WebhookSender
  HttpAttemptResult post(const std::string& url,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& body) override;

 private:
  using Session = std::unique_ptr<Poco::Net::HTTPClientSession>;

  Session take(const std::string& origin, bool& reused);
  void giveBack(const std::string& origin, Session session);
  Session connect(const std::string& scheme, const std::string& host, std::uint16_t port);

  WebhookHttpOptions options_;
  Poco::Net::Context::Ptr tls_;
  std::mutex mutex_;
  std::map<std::string, std::vector<Session>> idle_;
};

// "120" or an HTTP date; nullopt when absent or unparseable. `now` for the date form.
std::optional<std::chrono::seconds> parseRetryAfter(const std::string& value,
                                                    std::chrono::system_clock::time_point now);

}  // namespace punchlink::relay::webhooks
