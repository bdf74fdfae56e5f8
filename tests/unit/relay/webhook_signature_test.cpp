// Both signature schemes against independent vectors: the Standard Webhooks specification's own
// example and Python's hmac module for X-Signature.
#include "webhooks/webhook_signature.hpp"

#include "webhooks/batch_body.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace punchlink::relay::webhooks {
namespace {

constexpr std::string_view kSpecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

std::string headerOf(const SignedHeaders& headers, const std::string& name) {
  for (const auto& [key, value] : headers.headers) {
    if (key == name) {
      return value;
    }
  }
  return "";
}

TEST(WebhookSignature, StandardWebhooksSpecificationVector) {
  const auto signature = standardSignature(kSpecSecret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                           R"({"test": 2432232314})");
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(*signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookSignature, XSignatureIsHexHmacKeyedWithTheSecretString) {
  // python3: hmac.new(b"whsec_MfKQ…", b'{"event":"attendance.punch"}', sha256).hexdigest()
  EXPECT_EQ(xSignature(kSpecSecret, R"({"event":"attendance.punch"})"),
            "0f36264ec96f5f42cbd5d79d312f75d9040cbd475e10397ec9a884881d2c7cb6");
}

TEST(WebhookSignature, SecretsThatAreNotStandardAreRefused) {
  EXPECT_FALSE(standardSignature("sk_live_x", "evt_1", 1, "{}").ok());
  EXPECT_FALSE(standardSignature("whsec_not base64!", "evt_1", 1, "{}").ok());
}

TEST(WebhookSignature, GeneratedSecretsWorkForBothSchemes) {
  const std::string a = generateSecret();
  const std::string b = generateSecret();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("whsec_", 0), 0U);
  EXPECT_TRUE(standardSignature(a, "evt_1", 1, "{}").ok());
}

TEST(WebhookSignature, RequestHeadersCarryBothSchemesAndBothSecretsDuringRotation) {
  const std::string body = R"({"event":"attendance.punch","event_id":"evt_1"})";
  const auto single = signRequest({std::string(kSpecSecret)}, "evt_1", "attendance.punch",
                                  1700000000, body, "punchlink/0.1.0");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(headerOf(*single, "Content-Type"), "application/json");
  EXPECT_EQ(headerOf(*single, "User-Agent"), "punchlink/0.1.0");
  EXPECT_EQ(headerOf(*single, "X-Event-Id"), "evt_1");
  EXPECT_EQ(headerOf(*single, "X-Event-Type"), "attendance.punch");
  EXPECT_EQ(headerOf(*single, "X-Signature"), xSignature(kSpecSecret, body));
  EXPECT_EQ(headerOf(*single, "X-Signature-Previous"), "");
  EXPECT_EQ(headerOf(*single, "webhook-id"), "evt_1");
  EXPECT_EQ(headerOf(*single, "webhook-timestamp"), "1700000000");
  EXPECT_EQ(headerOf(*single, "webhook-signature"),
            standardSignature(kSpecSecret, "evt_1", 1700000000, body).value());

  const std::string fresh = generateSecret();
  const auto rotating = signRequest({fresh, std::string(kSpecSecret)}, "evt_1", "attendance.punch",
                                    1700000000, body, "punchlink/0.1.0");
  ASSERT_TRUE(rotating.ok());
  EXPECT_EQ(headerOf(*rotating, "X-Signature"), xSignature(fresh, body));
  EXPECT_EQ(headerOf(*rotating, "X-Signature-Previous"), xSignature(kSpecSecret, body));
  EXPECT_EQ(headerOf(*rotating, "webhook-signature"),
            standardSignature(fresh, "evt_1", 1700000000, body).value() + " " +
                standardSignature(kSpecSecret, "evt_1", 1700000000, body).value());
}

TEST(BatchBody, CarriesEachEventsBodyByteForByteInCompactJson) {
  const std::string a =
      R"({"event":"attendance.punch","event_id":"evt_a","punch":{"temperature":36.5}})";
  const std::string b = R"({"event":"door.opened","event_id":"evt_b","user":{"name":"Zoë \"Z\""}})";
  const auto body = batchBody("bat_0123", {a, b});
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body,
            R"({"event":"batch","batch_id":"bat_0123","count":2,"events":[)" + a + "," + b + "]}");
  // Compact as the single-event body: JSON.stringify(JSON.parse(body)) === body.
  const auto parsed = nlohmann::ordered_json::parse(*body);
  EXPECT_EQ(parsed.dump(), *body);
  EXPECT_EQ(parsed["events"][1]["user"]["name"], "Zoë \"Z\"");
}

TEST(BatchBody, RefusesAnEmptyBatchAndBodiesThatAreNotObjects) {
  EXPECT_EQ(batchBody("bat_1", {}).error().code, ErrorCode::InvalidInput);
  for (const std::string_view bad : {"", "{", "[1]", "null", "}{"}) {
    EXPECT_FALSE(batchBody("bat_1", {R"({"a":1})", bad}).ok()) << bad;
  }
}

TEST(BatchBody, TheIdDependsOnWhichEventsNotTheirOrder) {
  const std::string ab = batchId({"evt_a", "evt_b"});
  EXPECT_EQ(ab, batchId({"evt_b", "evt_a"}));
  EXPECT_NE(ab, batchId({"evt_a"}));
  EXPECT_NE(ab, batchId({"evt_a", "evt_c"}));
  // Joining with a separator: {"evt_a", "b"} is not {"evt_ab"}.
  EXPECT_NE(batchId({"evt_a", "b"}), batchId({"evt_ab"}));
  EXPECT_EQ(ab.size(), 4U + 24U);
  EXPECT_EQ(ab.rfind("bat_", 0), 0U);
}

}  // namespace
}  // namespace punchlink::relay::webhooks
