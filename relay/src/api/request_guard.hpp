// What every /v1 request passes before its handler runs: authentication by Bearer key or by the
// console's session cookie (with its CSRF token on every state-changing call); the tenant lands
// in request.tenant_id. Then the per-key rate limit (X-RateLimit-* on every answer, 429 with
// Retry-After), the test-key restriction, and Idempotency-Key replay.
#pragma once

#include "api/rate_limiter.hpp"
#include "api/router.hpp"
#include "store/api_guard_store.hpp"
#include "store/tenants.hpp"
#include "tenancy/console_session.hpp"

#include <punchlink/common/clock.hpp>

#include <chrono>
#include <string_view>
#include <variant>

namespace punchlink::relay::api {

// What a route can reach. Test keys (sk_test_…) build and try integrations: they read
// everything and manage webhooks, but cannot change what is on a terminal (docs/security.md).
enum class Reach {
  Relay,      // reads, and changes kept by the relay alone
  Terminals,  // queues commands that change terminals (enrolling or removing users)
};

struct RequestGuardOptions {
  std::chrono::seconds idempotency_ttl{std::chrono::hours{24}};
};

class RequestGuard {
 public:
  // `sessions` (may be null: no console) lets the console's cookie stand for a key.
  RequestGuard(ApiKeys& keys,
               ApiGuardStore& store,
               RateLimiter& limiter,
               const Clock& clock,
               RequestGuardOptions options = {},
               tenancy::ConsoleSessionService* sessions = nullptr);

  // `handler` behind the guard.
  Router::Handler wrap(Router::Handler handler, Reach reach = Reach::Relay) const;

 private:
  ApiResponse guarded(ApiRequest& request, const Router::Handler& handler, Reach reach) const;
  // The key a request acts as, or the answer refusing it.
  std::variant<ApiKeyInfo, ApiResponse> caller(const ApiRequest& request) const;
  ApiResponse withIdempotency(const std::string& key_id,
                              ApiRequest& request,
                              const Router::Handler& handler) const;

  ApiKeys& keys_;
  ApiGuardStore& store_;
  RateLimiter& limiter_;
  const Clock& clock_;
  RequestGuardOptions options_;
  tenancy::ConsoleSessionService* sessions_;
};

// The cookie holding a console session's secret.
inline constexpr std::string_view kSessionCookie = "pl_session";

}  // namespace punchlink::relay::api
