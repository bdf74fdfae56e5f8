// Tenants and their sites, and the API keys that act for a tenant: what the admin commands and
// the REST layer's authentication use.
#pragma once

#include "store/records.hpp"

#include <punchlink/common/result.hpp>

#include <optional>
#include <string>
#include <vector>

namespace punchlink::relay {

class Tenants {
 public:
  virtual ~Tenants() = default;
  virtual Result<Tenant> createTenant(const std::string& name) = 0;
  virtual Result<std::vector<Tenant>> listTenants() = 0;
  virtual Result<std::optional<Tenant>> findTenant(const std::string& id) = 0;
  // Conflict if the site id is taken (by any tenant).
  virtual Result<Site> createSite(const std::string& tenant_id, const std::string& site_id) = 0;
  virtual Result<std::optional<Site>> findSite(const std::string& site_id) = 0;
  // The tenant's sites with what their agents last reported, by site id.
  virtual Result<std::vector<SiteAgent>> listSites(const std::string& tenant_id) = 0;
  // The site's agent status document and whether the agent is online.
  virtual Status recordAgentStatus(const Site& site,
                                   const std::string& status_json,
                                   bool online,
                                   UtcMillis now) = 0;
};

class ApiKeys {
 public:
  virtual ~ApiKeys() = default;
  // Stores a key by the hash of its secret (`key.secret` is never stored).
  virtual Status createApiKey(const NewApiKey& key, const std::string& secret_hash) = 0;
  virtual Result<std::vector<ApiKeyInfo>> listApiKeys(const std::string& tenant_id) = 0;
  // NotFound unless the key exists and is still active.
  virtual Status revokeApiKey(const std::string& key_id, UtcMillis now) = 0;
  // The active key whose secret has this hash.
  virtual Result<std::optional<ApiKeyInfo>> findActiveKey(const std::string& secret_hash) = 0;
  // The active key with this id (a console session's key, checked at every request).
  virtual Result<std::optional<ApiKeyInfo>> findActiveKeyById(const std::string& key_id) = 0;
};

}  // namespace punchlink::relay
