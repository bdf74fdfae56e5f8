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

// IPv6 addresses that carry an IPv4 address reach that IPv4 host through a translator or tunnel,
// so 64:ff9b::7f00:1 is 127.0.0.1 by another name. Mapped (::ffff:0:0/96) and NAT64 well-known
// (64:ff9b::/96) addresses are judged by the IPv4 address inside; the forms whose IPv4 part
// cannot be relied on (IPv4-compatible, SIIT, local-use NAT64, 6to4, Teredo) are refused.
TEST(UrlPolicy, Ipv6FormsThatEmbedIpv4AreJudgedOrRefused) {
  for (const char* address : {
           "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:192.168.0.1",  // mapped
           "64:ff9b::7f00:1", "64:ff9b::a00:5", "64:ff9b::a9fe:a9fe",           // NAT64 /96
           "64:ff9b:1::808:808", "64:ff9b:1:ffff::1",                           // NAT64 local use
           "::8.8.8.8", "::127.0.0.1", "::10.0.0.1",                            // IPv4-compatible
           "::ffff:0:808:808", "::ffff:0:7f00:1",                               // SIIT translated
           "2002:808:808::1", "2002:7f00:1::1", "2002::",                       // 6to4
           "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::1",                   // Teredo
       }) {
    EXPECT_TRUE(isNonPublicAddress(address)) << address;
  }
  for (const char* address : {"64:ff9b::808:808", "::ffff:93.184.216.34", "2001:4860:4860::8888",
                              "2001:db8::1", "2003::1", "64:ff9c::1"}) {
    EXPECT_FALSE(isNonPublicAddress(address)) << address;
  }
  const UrlPolicy production;
  EXPECT_FALSE(checkWebhookUrl("https://[64:ff9b::7f00:1]/hook", production).ok());
  EXPECT_FALSE(checkWebhookUrl("https://[2002:a00:1::1]/hook", production).ok());
  EXPECT_FALSE(checkWebhookUrl("https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", production).ok());
  EXPECT_TRUE(checkWebhookUrl("https://[64:ff9b::808:808]/hook", production).ok());
}

TEST(UrlPolicy, ProductionNeedsHttpsToAPublicAddress) {
  const UrlPolicy production;
  EXPECT_TRUE(checkWebhookUrl("https://93.184.216.34/hooks/attendance", production).ok());
  auto refused = checkWebhookUrl("http://93.184.216.34/hook", production);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("plain http:// is not allowed"), std::string::npos);
  refused = checkWebhookUrl("https://127.0.0.1:8443/hook", production);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("host 127.0.0.1 is a loopback or private address"),
            std::string::npos)
      << refused.error().message;
  EXPECT_FALSE(checkWebhookUrl("https://localhost/hook", production).ok());
  EXPECT_FALSE(checkWebhookUrl("https://[::1]/hook", production).ok());
  EXPECT_FALSE(checkWebhookUrl("https://10.0.0.5:6379/", production).ok());
  EXPECT_FALSE(checkWebhookUrl("ftp://93.184.216.34/", production).ok());
  EXPECT_FALSE(checkWebhookUrl("https:///nohost", production).ok());
  EXPECT_FALSE(checkWebhookUrl("https://user:pw@93.184.216.34/", production).ok());
}

// A resolver answering from a script: no network, and the answers a rebinding DNS server gives.
HostResolver scripted(std::vector<std::vector<std::string>> answers, int* lookups = nullptr) {
  return [answers = std::move(answers),
          lookups](const std::string& host) mutable -> Result<std::vector<Poco::Net::IPAddress>> {
    if (lookups != nullptr) {
      ++*lookups;
    }
    if (answers.empty()) {
      return makeError(ErrorCode::Unavailable, "cannot resolve host " + host + ": scripted");
    }
    std::vector<Poco::Net::IPAddress> addresses;
    for (const auto& text : answers.front()) {
      addresses.push_back(Poco::Net::IPAddress(text));
    }
    answers.erase(answers.begin());
    return addresses;
  };
}

TEST(UrlPolicy, EveryResolvedAddressIsCheckedAndNoneIsNamed) {
  const UrlPolicy production;
  // One private address among public ones refuses the URL: the connection could go to it.
  auto refused = vetWebhookUrl("https://hooks.example/in", production,
                               scripted({{"93.184.216.34", "10.20.30.40", "2606:4700::1111"}}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::InvalidInput);
  EXPECT_EQ(refused.error().message,
            "host hooks.example resolves to a loopback or private address, which production "
            "relays do not call");
  EXPECT_EQ(refused.error().toString().find("10.20.30.40"), std::string::npos);

  const auto vetted = vetWebhookUrl("https://hooks.example:8443/in?x=1", production,
                                    scripted({{"2606:4700::1111", "93.184.216.34"}}));
  ASSERT_TRUE(vetted.ok()) << vetted.error().toString();
  EXPECT_EQ(vetted->scheme, "https");
  EXPECT_EQ(vetted->host, "hooks.example");
  EXPECT_EQ(vetted->port, 8443);
  EXPECT_EQ(vetted->target, "/in?x=1");
  ASSERT_EQ(vetted->addresses.size(), 2U);
  EXPECT_EQ(vetted->addresses[0].toString(), "93.184.216.34");  // IPv4 first
  EXPECT_EQ(vetted->addresses[1].toString(), "2606:4700::1111");

  const auto unresolved = vetWebhookUrl("https://nowhere.example/", production, scripted({}));
  ASSERT_FALSE(unresolved.ok());
  EXPECT_EQ(unresolved.error().code, ErrorCode::Unavailable);
  EXPECT_EQ(vetWebhookUrl("https://hooks.example/", production, scripted({{}})).error().code,
            ErrorCode::Unavailable);
}

TEST(UrlPolicy, SavingAnOnPremEndpointLooksNothingUp) {
  int lookups = 0;
  EXPECT_TRUE(
      checkWebhookUrl("http://receiver.lan/hook", {true, true}, scripted({}, &lookups)).ok());
  EXPECT_EQ(lookups, 0);
  EXPECT_FALSE(checkWebhookUrl("https://receiver.lan/hook", {}, scripted({}, &lookups)).ok());
  EXPECT_EQ(lookups, 1);
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
