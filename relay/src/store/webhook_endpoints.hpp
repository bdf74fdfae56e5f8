// A tenant's webhook endpoints (always within the tenant), and disabling one for the dispatcher.
#pragma once

#include "store/records.hpp"

#include <punchlink/common/result.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace punchlink::relay {

class WebhookEndpoints {
 public:
  virtual ~WebhookEndpoints() = default;
  virtual Status createEndpoint(const WebhookEndpoint& endpoint) = 0;
  // Creates it unless its tenant has `max_per_tenant` endpoints already (false then). Counting
  // and creating are one step, across threads and relay nodes, so simultaneous requests cannot
  // go past the cap.
  virtual Result<bool> createEndpointWithin(const WebhookEndpoint& endpoint,
                                            std::size_t max_per_tenant) = 0;
  virtual Result<std::vector<WebhookEndpoint>> listEndpoints(const std::string& tenant_id) = 0;
  virtual Result<std::optional<WebhookEndpoint>> findEndpoint(const std::string& tenant_id,
                                                              const std::string& id) = 0;
  // Enabling an endpoint clears its disabled reason and failure streak. NotFound when it is not
  // the tenant's.
  virtual Result<WebhookEndpoint> updateEndpoint(const std::string& tenant_id,
                                                 const std::string& id,
                                                 const EndpointChanges& changes,
                                                 UtcMillis now) = 0;
  // Removes the endpoint with its deliveries and their attempts.
  virtual Status deleteEndpoint(const std::string& tenant_id, const std::string& id) = 0;
  // The new secret signs from now on; the old one keeps signing until `previous_expires`.
  virtual Result<WebhookEndpoint> rotateSecret(const std::string& tenant_id,
                                               const std::string& id,
                                               const std::string& new_secret,
                                               UtcMillis previous_expires,
                                               UtcMillis now) = 0;
  // Disables an enabled endpoint with the reason; the endpoint as it was if this call disabled
  // it, nullopt if it was gone or disabled already (by another node a moment ago).
  virtual Result<std::optional<WebhookEndpoint>> disableEndpoint(const std::string& endpoint_id,
                                                                 const std::string& reason,
                                                                 UtcMillis now) = 0;
};

}  // namespace punchlink::relay
