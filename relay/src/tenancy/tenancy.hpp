// The rules of tenants, sites and API keys, above the store: what names and ids are valid, how
// an API key's secret is made and recognised (only its SHA-256 is ever stored).
#pragma once

#include "store/tenants.hpp"

#include <punchlink/common/result.hpp>

#include <optional>
#include <string>

namespace punchlink::relay::tenancy {

// InvalidInput unless the name is 1-200 characters.
Result<Tenant> createTenant(Tenants& tenants, const std::string& name);

// NotFound for an unknown tenant; InvalidInput for a site id that cannot name a topic tree
// (contract::isValidSiteId); Conflict when it is taken.
Result<Site> createSite(Tenants& tenants, const std::string& tenant_id, const std::string& site_id);

// A new random key ("sk_live_…" or "sk_test_…") for the tenant; the secret is returned once.
// Conflict when the tenant has `max_active` active keys already.
Result<NewApiKey> createApiKey(Tenants& tenants,
                               ApiKeys& keys,
                               const std::string& tenant_id,
                               bool live,
                               const std::string& label,
                               UtcMillis now,
                               std::size_t max_active);

// The active key a presented secret belongs to, if any.
Result<std::optional<ApiKeyInfo>> authenticate(ApiKeys& keys, const std::string& secret);

}  // namespace punchlink::relay::tenancy
