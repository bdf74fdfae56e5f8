#include "api/console_handler.hpp"

#include "api/console_assets.hpp"
#include "api/request_guard.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/common/utc_time.hpp>

namespace punchlink::relay::api {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Nothing the console loads may come from elsewhere, and no page may frame it.
constexpr const char* kPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

void secureHeaders(ApiResponse& response) {
  response.headers.emplace_back("Content-Security-Policy", kPolicy);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  response.headers.emplace_back("Cache-Control", "no-store");
}

std::string cookie(const std::string& value, std::chrono::seconds max_age, bool secure) {
  return std::string(kSessionCookie) + "=" + value +
         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age.count()) +
         (secure ? "; Secure" : "");
}

ApiResponse sessionBody(const ConsoleSession& session,
                        const ApiKeyInfo& key,
                        const Tenant& tenant) {
  ApiResponse response;
  response.body = {
      {"tenant", {{"id", tenant.id}, {"name", tenant.name}}},
      {"mode", key.mode},
      {"csrf_token", session.csrf_token},
      {"expires_at", formatRfc3339(std::chrono::floor<std::chrono::seconds>(session.expires_at))}};
  secureHeaders(response);
  return response;
}

ApiResponse signedOut(const std::string& message, bool secure) {
  ApiResponse response = errorResponse(401, "unauthenticated", message);
  // Whatever the browser still holds is of no use: clear it.
  response.headers.emplace_back("Set-Cookie", cookie("", std::chrono::seconds{0}, secure));
  secureHeaders(response);
  return response;
}

ApiResponse signIn(tenancy::ConsoleSessionService& sessions, ApiRequest& request) {
  auto parsed = jsonObjectBody(request);
  if (auto* error = std::get_if<ApiResponse>(&parsed)) {
    return *error;
  }
  const json& body = std::get<json>(parsed);
  if (!body.contains("key") || !body["key"].is_string() || body["key"].get<std::string>().empty() ||
      body["key"].get<std::string>().size() > 200) {
    return invalidField("key", "expected an API key (sk_live_… or sk_test_…)");
  }
  auto signed_in = sessions.signIn(body["key"].get<std::string>());
  if (!signed_in) {
    return errorResponse(signed_in.error());
  }
  if (!*signed_in) {
    return signedOut("invalid or revoked API key", request.secure);
  }
  ApiResponse response =
      sessionBody((*signed_in)->session, (*signed_in)->key, (*signed_in)->tenant);
  const auto lifetime =
      std::chrono::duration_cast<std::chrono::seconds>(sessions.options().lifetime);
  response.headers.emplace_back("Set-Cookie",
                                cookie((*signed_in)->secret, lifetime, request.secure));
  return response;
}

// The session the request's cookie names, or none when it names none (or there is no cookie).
Result<std::optional<tenancy::ActiveSession>> sessionOfCookie(
    tenancy::ConsoleSessionService& sessions, const std::optional<std::string>& secret) {
  if (!secret) {
    return std::optional<tenancy::ActiveSession>{};
  }
  return sessions.authenticate(*secret);
}

ApiResponse currentSession(tenancy::ConsoleSessionService& sessions, ApiRequest& request) {
  const auto secret = request.cookie(kSessionCookie);
  auto active = sessionOfCookie(sessions, secret);
  if (!active) {
    return errorResponse(active.error());
  }
  if (!*active) {
    return signedOut("not signed in, or the session has ended; sign in with an API key",
                     request.secure);
  }
  auto tenant = sessions.tenantOf(**active);
  if (!tenant) {
    return errorResponse(tenant.error());
  }
  if (!*tenant) {
    return signedOut("the session's account is gone", request.secure);
  }
  return sessionBody((*active)->session, (*active)->key, **tenant);
}

ApiResponse signOut(tenancy::ConsoleSessionService& sessions, ApiRequest& request) {
  const auto secret = request.cookie(kSessionCookie);
  auto active = sessionOfCookie(sessions, secret);
  if (!active) {
    return errorResponse(active.error());
  }
  if (!*active) {
    return signedOut("not signed in", request.secure);
  }
  const auto token = request.header("x-csrf-token");
  if (!token || !crypto::constantTimeEqual(*token, (*active)->session.csrf_token)) {
    return errorResponse(403, "csrf_failed", "missing or wrong X-CSRF-Token for this session");
  }
  if (auto ended = sessions.signOut(*secret); !ended) {
    return errorResponse(ended.error());
  }
  ApiResponse response;
  response.body = {{"signed_out", true}};
  response.headers.emplace_back("Set-Cookie", cookie("", std::chrono::seconds{0}, request.secure));
  secureHeaders(response);
  return response;
}

ApiResponse asset(const ConsoleAsset& file) {
  ApiResponse response = textResponse(std::string(file.content_type), std::string(file.body));
  secureHeaders(response);
  return response;
}

}  // namespace

void addConsoleRoutes(Router& router, tenancy::ConsoleSessionService& sessions) {
  router.add("POST", "/console/session",
             [&sessions](ApiRequest& request) { return signIn(sessions, request); });
  router.add("GET", "/console/session",
             [&sessions](ApiRequest& request) { return currentSession(sessions, request); });
  router.add("DELETE", "/console/session",
             [&sessions](ApiRequest& request) { return signOut(sessions, request); });
  for (const ConsoleAsset& file : consoleAssets()) {
    router.add("GET", "/console/" + std::string(file.path),
               [&file](ApiRequest&) { return asset(file); });
    if (file.path == "index.html") {
      // The console's own address, with and without its slash.
      router.add("GET", "/console", [&file](ApiRequest&) { return asset(file); });
      router.add("GET", "/console/", [&file](ApiRequest&) { return asset(file); });
    }
  }
}

}  // namespace punchlink::relay::api
