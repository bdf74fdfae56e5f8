#include "tenancy/console_session.hpp"

#include "tenancy/tenancy.hpp"

#include <punchlink/common/crypto.hpp>

namespace punchlink::relay::tenancy {

namespace {

std::string hashOf(const std::string& secret) { return crypto::toHex(crypto::sha256(secret)); }

// Marking a session used writes a row; once a minute is enough for an idle timeout in minutes.
constexpr std::chrono::milliseconds kTouchEvery{60'000};

}  // namespace

UtcMillis ConsoleSessionService::now() const {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now());
}

Result<std::optional<SignedIn>> ConsoleSessionService::signIn(const std::string& api_key) {
  auto key = tenancy::authenticate(keys_, api_key);
  if (!key) {
    return key.error();
  }
  if (!*key) {
    return std::optional<SignedIn>{};
  }
  auto tenant = tenants_.findTenant((*key)->tenant_id);
  if (!tenant) {
    return tenant.error();
  }
  if (!*tenant) {
    return std::optional<SignedIn>{};
  }
  const UtcMillis at = now();
  // Ended sessions go when new ones come: no sweeper needed, and the table stays small.
  (void)sessions_.deleteEndedSessions(at, at - options_.idle_timeout);
  SignedIn out;
  out.secret = crypto::randomHexToken(32);
  out.session.id_hash = hashOf(out.secret);
  out.session.tenant_id = (*key)->tenant_id;
  out.session.key_id = (*key)->id;
  out.session.csrf_token = crypto::randomHexToken(16);
  out.session.created_at = at;
  out.session.last_seen = at;
  out.session.expires_at = at + options_.lifetime;
  out.key = **key;
  out.tenant = **tenant;
  if (auto created = sessions_.createSession(out.session); !created) {
    return created.error();
  }
  // Signing in over and over (a script, or a hostile key holder) cannot grow the table: a key
  // keeps its newest sessions only, and the oldest tab signs in again.
  if (auto trimmed = sessions_.trimSessions(out.session.key_id, kSessionsPerKey); !trimmed) {
    return trimmed.error();
  }
  return std::optional<SignedIn>(std::move(out));
}

Result<std::optional<ActiveSession>> ConsoleSessionService::authenticate(
    const std::string& secret) {
  if (secret.empty() || secret.size() > 128) {
    return std::optional<ActiveSession>{};
  }
  const std::string id_hash = hashOf(secret);
  auto session = sessions_.findSession(id_hash);
  if (!session) {
    return session.error();
  }
  const UtcMillis at = now();
  if (!*session || !crypto::constantTimeEqual((*session)->id_hash, id_hash) ||
      (*session)->expires_at <= at || (*session)->last_seen + options_.idle_timeout <= at) {
    return std::optional<ActiveSession>{};
  }
  // A revoked key ends its sessions at once.
  auto key = keys_.findActiveKeyById((*session)->key_id);
  if (!key) {
    return key.error();
  }
  if (!*key || (*key)->tenant_id != (*session)->tenant_id) {
    return std::optional<ActiveSession>{};
  }
  if (at - (*session)->last_seen >= kTouchEvery) {
    (void)sessions_.touchSession(id_hash, at);
    (*session)->last_seen = at;
  }
  return std::optional<ActiveSession>(ActiveSession{**session, **key});
}

Result<std::optional<Tenant>> ConsoleSessionService::tenantOf(const ActiveSession& active) {
  return tenants_.findTenant(active.session.tenant_id);
}

Status ConsoleSessionService::signOut(const std::string& secret) {
  return sessions_.deleteSession(hashOf(secret));
}

}  // namespace punchlink::relay::tenancy
