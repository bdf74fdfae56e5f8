#include "webhook_signature.hpp"

#include <punchlink/common/crypto.hpp>

namespace punchlink::relay::webhooks {

namespace {
constexpr std::string_view kSecretPrefix = "whsec_";
}

std::string generateSecret() {
  return std::string(kSecretPrefix) + crypto::base64Encode(crypto::randomBytes(32));
}

std::string xSignature(std::string_view secret, std::string_view body) {
  return crypto::toHex(crypto::hmacSha256(secret, body));
}

Result<std::string> standardSignature(std::string_view secret,
                                      std::string_view message_id,
                                      std::int64_t timestamp,
                                      std::string_view body) {
  if (secret.substr(0, kSecretPrefix.size()) != kSecretPrefix) {
    return makeError(ErrorCode::InvalidInput, "webhook secret does not start with whsec_");
  }
  auto key = crypto::base64Decode(secret.substr(kSecretPrefix.size()));
  if (!key || key->empty()) {
    return makeError(ErrorCode::InvalidInput, "webhook secret is not whsec_ + base64");
  }
  std::string content;
  content.reserve(message_id.size() + body.size() + 24);
  content.append(message_id).append(".").append(std::to_string(timestamp)).append(".");
  content.append(body);
  const auto mac = crypto::hmacSha256(
      *key, std::span(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()));
  return "v1," + crypto::base64Encode(mac);
}

Result<SignedHeaders> signRequest(const std::vector<std::string>& secrets,
                                  std::string_view event_id,
                                  std::string_view event_type,
                                  std::int64_t timestamp,
                                  std::string_view body,
                                  std::string_view user_agent) {
  if (secrets.empty()) {
    return makeError(ErrorCode::Internal, "no secret to sign the webhook with");
  }
  SignedHeaders signed_headers;
  auto& headers = signed_headers.headers;
  headers.emplace_back("Content-Type", "application/json");
  headers.emplace_back("User-Agent", std::string(user_agent));
  headers.emplace_back("X-Event-Id", std::string(event_id));
  headers.emplace_back("X-Event-Type", std::string(event_type));
  headers.emplace_back("X-Signature", xSignature(secrets.front(), body));
  if (secrets.size() > 1) {
    headers.emplace_back("X-Signature-Previous", xSignature(secrets[1], body));
  }
  std::string standard;
  for (const auto& secret : secrets) {
    auto signature = standardSignature(secret, event_id, timestamp, body);
    if (!signature) {
      return signature.error();
    }
    standard += standard.empty() ? *signature : " " + *signature;
  }
  headers.emplace_back("webhook-id", std::string(event_id));
  headers.emplace_back("webhook-timestamp", std::to_string(timestamp));
  headers.emplace_back("webhook-signature", standard);
  return signed_headers;
}

}  // namespace punchlink::relay::webhooks
