#include "tenancy/tenancy.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/contract/topics.hpp>

#include <algorithm>

namespace punchlink::relay::tenancy {

namespace {

std::string secretHash(const std::string& secret) { return crypto::toHex(crypto::sha256(secret)); }

Error noTenant(const std::string& tenant_id) {
  return makeError(ErrorCode::NotFound, "no tenant " + tenant_id,
                   "list tenants with: punchlink-relay tenants list");
}

// NotFound unless the tenant exists.
Status requireTenant(Tenants& tenants, const std::string& tenant_id) {
  auto tenant = tenants.findTenant(tenant_id);
  if (!tenant) {
    return tenant.error();
  }
  return *tenant ? Status{} : Status(noTenant(tenant_id));
}

}  // namespace

Result<Tenant> createTenant(Tenants& tenants, const std::string& name) {
  if (name.empty() || name.size() > 200) {
    return makeError(ErrorCode::InvalidInput, "tenant name must be 1 to 200 characters");
  }
  return tenants.createTenant(name);
}

Result<Site> createSite(Tenants& tenants,
                        const std::string& tenant_id,
                        const std::string& site_id) {
  if (auto exists = requireTenant(tenants, tenant_id); !exists) {
    return exists.error();
  }
  if (!contract::isValidSiteId(site_id)) {
    return makeError(ErrorCode::InvalidInput,
                     "site id must be 1-64 characters from a-z, A-Z, 0-9, '-', '_' and '.'");
  }
  // A site's broker account is named after it, and the relay's accounts are "relay" and
  // "relay-<node>": a site of that name would hold the relay's account and its client id.
  if (site_id == "relay" || site_id.rfind("relay-", 0) == 0) {
    return makeError(ErrorCode::InvalidInput,
                     "site id \"" + site_id + "\" is reserved for the relay's broker accounts",
                     "choose another name; \"relay\" and \"relay-…\" are the relay's");
  }
  return tenants.createSite(tenant_id, site_id);
}

Result<NewApiKey> createApiKey(Tenants& tenants,
                               ApiKeys& keys,
                               const std::string& tenant_id,
                               bool live,
                               const std::string& label,
                               UtcMillis now,
                               std::size_t max_active) {
  if (auto exists = requireTenant(tenants, tenant_id); !exists) {
    return exists.error();
  }
  auto existing = keys.listApiKeys(tenant_id);
  if (!existing) {
    return existing.error();
  }
  const auto active = static_cast<std::size_t>(std::count_if(
      existing->begin(), existing->end(), [](const ApiKeyInfo& key) { return !key.revoked_at; }));
  if (active >= max_active) {
    return makeError(ErrorCode::Conflict,
                     "tenant " + tenant_id + " has " + std::to_string(active) +
                         " active API keys, the most allowed",
                     "revoke one (keys revoke KEY_ID) or raise limits.api_keys_per_tenant");
  }
  NewApiKey key;
  key.secret = std::string(live ? "sk_live_" : "sk_test_") + crypto::randomHexToken(24);
  key.info = {"key_" + crypto::randomHexToken(8),
              tenant_id,
              key.secret.substr(0, 12),
              live ? "live" : "test",
              label,
              std::chrono::floor<std::chrono::seconds>(now),
              std::nullopt};
  if (auto stored = keys.createApiKey(key, secretHash(key.secret)); !stored) {
    return stored.error();
  }
  return key;
}

Result<std::optional<ApiKeyInfo>> authenticate(ApiKeys& keys, const std::string& secret) {
  // Looked up by hash: the index finds the row, and the secret itself is never stored.
  return keys.findActiveKey(secretHash(secret));
}

}  // namespace punchlink::relay::tenancy
