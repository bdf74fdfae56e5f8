// The two signatures on every webhook request (DESIGN.md "Webhooks"). Pure functions.
#pragma once

#include <punchlink/common/result.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace punchlink::relay::webhooks {

// "whsec_" + base64 of 32 random bytes: a valid Standard Webhooks secret, and the string the
// X-Signature HMAC is keyed with.
std::string generateSecret();

// X-Signature: lowercase hex HMAC-SHA256 of the body, keyed with the secret string as given.
std::string xSignature(std::string_view secret, std::string_view body);

// One Standard Webhooks signature entry: "v1," + base64 HMAC-SHA256 of "<id>.<timestamp>.<body>"
// keyed with the base64-decoded part of the secret after "whsec_". Fails for a secret that is
// not "whsec_<base64>".
Result<std::string> standardSignature(std::string_view secret,
                                      std::string_view message_id,
                                      std::int64_t timestamp,
                                      std::string_view body);

// The request headers that carry the signatures and identify the event. `secrets` holds the
// current secret first, then a previous one still inside its rotation overlap.
struct SignedHeaders {
  std::vector<std::pair<std::string, std::string>> headers;
};

Result<SignedHeaders> signRequest(const std::vector<std::string>& secrets,
                                  std::string_view event_id,
                                  std::string_view event_type,
                                  std::int64_t timestamp,
                                  std::string_view body,
                                  std::string_view user_agent);

}  // namespace punchlink::relay::webhooks
