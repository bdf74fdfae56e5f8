// /v1/webhooks: endpoints (create, list, get, update, delete, rotate secret) and their delivery
// log (list, get, resend, recover).
#pragma once

#include "api/router.hpp"
#include "store/delivery_queue.hpp"
#include "store/webhook_endpoints.hpp"
#include "webhooks/url_policy.hpp"

#include <punchlink/common/clock.hpp>

#include <chrono>
#include <functional>
#include <limits>

namespace punchlink::relay::api {

struct WebhookApiOptions {
  webhooks::UrlPolicy url_policy;
  webhooks::HostResolver resolve = webhooks::resolveWithGetaddrinfo;  // receivers' host names
  std::chrono::seconds rotation_overlap{std::chrono::hours{24}};      // default for rotate-secret
  std::function<void()> deliveries_queued;  // wakes the dispatcher after resend/recover
  // Per tenant; the relay sets limits.webhook_endpoints_per_tenant.
  std::size_t max_endpoints = std::numeric_limits<std::size_t>::max();
};

// What the webhook routes work with.
struct WebhooksApi {
  WebhookEndpoints& endpoints;
  DeliveryLog& deliveries;
  const Clock& clock;
};

// Adds the routes; `wrap` applies authentication, rate limits and idempotency to each handler.
void addWebhookRoutes(Router& router,
                      WebhooksApi api,
                      WebhookApiOptions options,
                      const std::function<Router::Handler(Router::Handler)>& wrap);

}  // namespace punchlink::relay::api
