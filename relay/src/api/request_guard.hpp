// What every /v1 request passes before its handler runs: Bearer authentication (the key's
// tenant lands in request.tenant_id), the per-key rate limit (X-RateLimit-* on every answer,
// 429 with Retry-After), the test-key restriction, and Idempotency-Key replay.
#pragma once

#include "api/rate_limiter.hpp"
#include "api/router.hpp"
#include "store/api_guard_store.hpp"
#include "store/tenants.hpp"

#include <punchlink/common/clock.hpp>

#include <chrono>

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
  RequestGuard(ApiKeys& keys,
               ApiGuardStore& store,
               RateLimiter& limiter,
               const Clock& clock,
               RequestGuardOptions options = {});

  // `handler` behind the guard.
  Router::Handler wrap(Router::Handler handler, Reach reach = Reach::Relay) const;

 private:
  ApiResponse guarded(ApiRequest& request, const Router::Handler& handler, Reach reach) const;
  ApiResponse withIdempotency(const std::string& key_id,
                              ApiRequest& request,
                              const Router::Handler& handler) const;

  ApiKeys& keys_;
  ApiGuardStore& store_;
  RateLimiter& limiter_;
  const Clock& clock_;
  RequestGuardOptions options_;
};

}  // namespace punchlink::relay::api
