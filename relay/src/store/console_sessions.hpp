// Operator console sessions: what signing in with an API key leaves on the relay. The session's
// secret (the cookie) is stored only as its SHA-256 hash, like API keys.
#pragma once

#include "store/records.hpp"

#include <punchlink/common/result.hpp>

#include <optional>
#include <string>

namespace punchlink::relay {

struct ConsoleSession {
  std::string id_hash;  // SHA-256 hex of the cookie's secret
  std::string tenant_id;
  std::string key_id;  // the API key signed in with: its mode and revocation apply
  std::string csrf_token;
  UtcMillis created_at{};
  UtcMillis last_seen{};
  UtcMillis expires_at{};
};

class ConsoleSessions {
 public:
  virtual ~ConsoleSessions() = default;
  virtual Status createSession(const ConsoleSession& session) = 0;
  virtual Result<std::optional<ConsoleSession>> findSession(const std::string& id_hash) = 0;
  // Marks it used now (the idle timeout counts from here).
  virtual Status touchSession(const std::string& id_hash, UtcMillis now) = 0;
  virtual Status deleteSession(const std::string& id_hash) = 0;
  // Forgets sessions past their expiry, or unused since `idle_before`; how many.
  virtual Result<std::int64_t> deleteEndedSessions(UtcMillis now, UtcMillis idle_before) = 0;
  // Keeps the key's `keep` newest sessions and forgets the rest; how many went.
  virtual Result<std::int64_t> trimSessions(const std::string& key_id, std::int64_t keep) = 0;
};

}  // namespace punchlink::relay
