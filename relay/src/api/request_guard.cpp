#include "request_guard.hpp"

#include "tenancy/tenancy.hpp"

#include <punchlink/common/crypto.hpp>

#include <algorithm>

namespace punchlink::relay::api {

namespace {

using nlohmann::ordered_json;

bool mutates(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

// What makes two requests the same request: each part length-prefixed, so no value can pass
// for a boundary; the query parameters in name order (a map), so their order does not count.
std::string requestHash(const ApiRequest& request) {
  std::string canonical;
  const auto add = [&canonical](const std::string& part) {
    canonical += std::to_string(part.size());
    canonical += ':';
    canonical += part;
  };
  add(request.method);
  add(request.path);
  for (const auto& [name, value] : request.query) {
    add(name);
    add(value);
  }
  add(request.body);
  return crypto::toHex(crypto::sha256(canonical));
}

ApiResponse unauthenticated(const std::string& message) {
  ApiResponse response = errorResponse(401, "unauthenticated", message);
  response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

}  // namespace

RequestGuard::RequestGuard(ApiKeys& keys,
                           ApiGuardStore& store,
                           RateLimiter& limiter,
                           const Clock& clock,
                           RequestGuardOptions options,
                           tenancy::ConsoleSessionService* sessions)
    : keys_(keys),
      store_(store),
      limiter_(limiter),
      clock_(clock),
      options_(options),
      sessions_(sessions) {}

Router::Handler RequestGuard::wrap(Router::Handler handler, Reach reach) const {
  return [this, handler = std::move(handler), reach](ApiRequest& request) {
    return guarded(request, handler, reach);
  };
}

std::variant<ApiKeyInfo, ApiResponse> RequestGuard::caller(const ApiRequest& request) const {
  const auto header = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  const auto session_secret = request.cookie(kSessionCookie);
  if (!header && session_secret && sessions_ != nullptr) {
    auto active = sessions_->authenticate(*session_secret);
    if (!active) {
      return errorResponse(active.error());
    }
    if (!*active) {
      return unauthenticated(
          "the console session has ended (signed out, expired, idle too long, "
          "or its API key was revoked); sign in again");
    }
    // A page of another site cannot send the token: it never sees it (SameSite=Strict cookie,
    // and the token comes only from a same-origin answer).
    const auto token = request.header("x-csrf-token");
    if (mutates(request.method) &&
        (!token || !crypto::constantTimeEqual(*token, (*active)->session.csrf_token))) {
      return errorResponse(403, "csrf_failed",
                           "missing or wrong X-CSRF-Token for this session; reload the console");
    }
    return (*active)->key;
  }
  if (!header || header->size() <= kBearer.size() || header->rfind(kBearer, 0) != 0) {
    return unauthenticated("missing API key: send Authorization: Bearer <key>");
  }
  auto key = tenancy::authenticate(keys_, header->substr(kBearer.size()));
  if (!key) {
    return errorResponse(key.error());
  }
  if (!key->has_value()) {
    return unauthenticated("invalid or revoked API key");
  }
  return **key;
}

ApiResponse RequestGuard::guarded(ApiRequest& request,
                                  const Router::Handler& handler,
                                  Reach reach) const {
  auto found = caller(request);
  if (auto* refused = std::get_if<ApiResponse>(&found)) {
    return *refused;
  }
  const ApiKeyInfo& info = std::get<ApiKeyInfo>(found);
  request.tenant_id = info.tenant_id;

  const RateLimitDecision limit = limiter_.hit(info.id);
  ApiResponse response;
  if (!limit.allowed) {
    response = errorResponse(429, "rate_limited",
                             "rate limit of " + std::to_string(limit.limit) +
                                 " requests per minute exceeded; retry in " +
                                 std::to_string(limit.reset_seconds) + " s");
    response.headers.emplace_back("Retry-After", std::to_string(limit.reset_seconds));
  } else if (reach == Reach::Terminals && info.mode != "live") {
    response = errorResponse(403, "live_key_required",
                             "test keys cannot change terminals; use a live key (sk_live_…)");
  } else {
    response = withIdempotency(info.id, request, handler);
  }
  response.headers.emplace_back("X-RateLimit-Limit", std::to_string(limit.limit));
  response.headers.emplace_back("X-RateLimit-Remaining", std::to_string(limit.remaining));
  response.headers.emplace_back("X-RateLimit-Reset", std::to_string(limit.reset_seconds));
  return response;
}

// The first response is stored and replayed for retries of the same request; the same key with
// a different request is a 409.
ApiResponse RequestGuard::withIdempotency(const std::string& key_id,
                                          ApiRequest& request,
                                          const Router::Handler& handler) const {
  const auto header = request.header("idempotency-key");
  if (!header || !mutates(request.method)) {
    return handler(request);
  }
  if (header->empty() || header->size() > 255) {
    return invalidField("Idempotency-Key", "expected 1 to 255 characters");
  }
  const std::string request_hash = requestHash(request);
  const UtcMillis now = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now());
  auto claim = store_.claimIdempotencyKey(key_id, *header, request_hash, now,
                                          now - options_.idempotency_ttl);
  if (!claim) {
    return errorResponse(claim.error());
  }
  switch (claim->kind) {
    case IdempotencyClaim::Kind::Mismatch:
      return errorResponse(409, "idempotency_key_reused",
                           "this Idempotency-Key was used with a different request; use a new key");
    case IdempotencyClaim::Kind::InProgress:
      return errorResponse(409, "idempotency_in_progress",
                           "a request with this Idempotency-Key is still being processed");
    case IdempotencyClaim::Kind::Stored: {
      ApiResponse replay;
      replay.status = static_cast<int>(claim->status);
      replay.body = ordered_json::parse(claim->response, nullptr, false);
      replay.headers.emplace_back("Idempotent-Replayed", "true");
      return replay;
    }
    case IdempotencyClaim::Kind::Claimed:
      break;
  }
  ApiResponse response = handler(request);
  // Secrets are shown once: the stored copy goes without them.
  ordered_json stored = response.body;
  for (const std::string& field : response.shown_once) {
    if (stored.is_object()) {
      stored.erase(field);
    }
  }
  (void)store_.finishIdempotencyKey(key_id, *header, response.status, stored.dump());
  return response;
}

}  // namespace punchlink::relay::api
