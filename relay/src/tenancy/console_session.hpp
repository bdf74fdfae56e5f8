// Signing in to the operator console: an API key exchanged for a session the browser holds as
// an HttpOnly cookie (the key itself is never kept in the browser). A session acts as its key:
// the same tenant and reach (test keys stay read-only on terminals), and it ends when the key is
// revoked, when it expires, after it idles, or on sign-out. Its secret is stored only hashed; a
// CSRF token comes with it for every state-changing call.
#pragma once

#include "store/console_sessions.hpp"
#include "store/tenants.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace punchlink::relay::tenancy {

// Sessions one API key may hold at once: browsers and tabs of the people sharing it.
inline constexpr std::int64_t kSessionsPerKey = 20;

struct ConsoleSessionOptions {
  std::chrono::milliseconds lifetime{std::chrono::hours{12}};
  std::chrono::milliseconds idle_timeout{std::chrono::minutes{30}};
};

struct SignedIn {
  std::string secret;  // the cookie's value, given once
  ConsoleSession session;
  ApiKeyInfo key;
  Tenant tenant;
};

struct ActiveSession {
  ConsoleSession session;
  ApiKeyInfo key;
};

class ConsoleSessionService {
 public:
  ConsoleSessionService(ConsoleSessions& sessions,
                        ApiKeys& keys,
                        Tenants& tenants,
                        const Clock& clock,
                        ConsoleSessionOptions options)
      : sessions_(sessions), keys_(keys), tenants_(tenants), clock_(clock), options_(options) {}

  // A new session for the key; nullopt when the key is not an active one.
  Result<std::optional<SignedIn>> signIn(const std::string& api_key);

  // The session a cookie value names, if it is still good now (its key active, not expired or
  // idle); marks it used.
  Result<std::optional<ActiveSession>> authenticate(const std::string& secret);

  Result<std::optional<Tenant>> tenantOf(const ActiveSession& active);

  Status signOut(const std::string& secret);

  const ConsoleSessionOptions& options() const { return options_; }

 private:
  UtcMillis now() const;

  ConsoleSessions& sessions_;
  ApiKeys& keys_;
  Tenants& tenants_;
  const Clock& clock_;
  ConsoleSessionOptions options_;
};

}  // namespace punchlink::relay::tenancy
