// Which receivers a production relay refuses to call (SSRF), decided without network I/O beyond
// loopback: only address literals and loopback names are used.
#include "webhooks/url_policy.hpp"

#include "webhooks/webhook_http_client.hpp"

#include <gtest/gtest.h>

namespace punchlink::relay::webhooks {
namespace {

TEST(UrlPolicy, NonPublicAddresses) {
  for (const char* address :
       {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fc00::1",
        "fd12:3456::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "ff02::1", "nonsense"}) {
    EXPECT_TRUE(isNonPublicAddress(address)) << address;
  }
  for (const char* address : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1",
                              "2606:4700::1111", "::ffff:8.8.8.8"}) {
    EXPECT_FALSE(isNonPublicAddress(address)) << address;
  }
}

TEST(UrlPolicy, ProductionNeedsHttpsToAPublicAddress) {
  const UrlPolicy production;
  EXPECT_TRUE(checkWebhookUrl("https://93.184.216.34/hooks/attendance", production).ok());
  auto refused = checkWebhookUrl("http://93.184.216.34/hook", production);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("plain http:// is not allowed"), std::string::npos);
  refused = checkWebhookUrl("https://127.0.0.1:8443/hook", production);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("resolves to 127.0.0.1, a loopback or private address"),
            std::string::npos)
      << refused.error().message;
  EXPECT_FALSE(checkWebhookUrl("https://localhost/hook", production).ok());
  EXPECT_FALSE(checkWebhookUrl("https://[::1]/hook", production).ok());
  EXPECT_FALSE(checkWebhookUrl("https://10.0.0.5:6379/", production).ok());
  EXPECT_FALSE(checkWebhookUrl("ftp://93.184.216.34/", production).ok());
  EXPECT_FALSE(checkWebhookUrl("https:///nohost", production).ok());
  EXPECT_FALSE(checkWebhookUrl("https://user:pw@93.184.216.34/", production).ok());
}

TEST(UrlPolicy, OnPremAndTestsMayAllowHttpAndPrivateReceivers) {
  const UrlPolicy on_prem{true, true};
  EXPECT_TRUE(checkWebhookUrl("http://127.0.0.1:3000/webhooks/attendance", on_prem).ok());
  EXPECT_TRUE(checkWebhookUrl("https://10.0.0.5/hook", on_prem).ok());
}

// The policy is applied again when an attempt opens a connection, before any byte is sent.
TEST(UrlPolicy, TheHttpClientRefusesBeforeConnecting) {
  WebhookHttpOptions options;
  options.timeout = std::chrono::milliseconds{500};
  options.policy.allow_http = true;
  WebhookHttpClient strict(options);
  const auto refused = strict.post("http://127.0.0.1:9/hook", {}, "{}");
  EXPECT_EQ(refused.status, 0);
  EXPECT_TRUE(refused.error.starts_with("refused: ")) << refused.error;
  EXPECT_NE(refused.error.find("loopback or private"), std::string::npos) << refused.error;

  // Allowed, it does connect (and nothing listens on the discard port).
  options.policy.allow_private_networks = true;
  WebhookHttpClient lenient(options);
  const auto unreachable = lenient.post("http://127.0.0.1:9/hook", {}, "{}");
  EXPECT_EQ(unreachable.status, 0);
  EXPECT_FALSE(unreachable.error.starts_with("refused: ")) << unreachable.error;
}

}  // namespace
}  // namespace punchlink::relay::webhooks
