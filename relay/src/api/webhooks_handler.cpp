#include "webhooks_handler.hpp"

#include "events/event_catalogue.hpp"
#include "events/subscription.hpp"
#include "webhooks/endpoint_fields.hpp"
#include "webhooks/webhook_signature.hpp"

#include <punchlink/common/crypto.hpp>
#include <punchlink/common/text.hpp>
#include <punchlink/common/utc_time.hpp>

#include <nlohmann/json.hpp>

#include <charconv>
#include <memory>

namespace punchlink::relay::api {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::int64_t kMaxOverlapSeconds = std::int64_t{7} * 24 * 3600;

ApiResponse notFound(const std::string& what) {
  return errorResponse(makeError(ErrorCode::NotFound, what));
}

ordered_json nullable(const std::string& text) {
  return text.empty() ? ordered_json(nullptr) : ordered_json(text);
}

ordered_json endpointJson(const WebhookEndpoint& endpoint, UtcMillis now) {
  ordered_json out = {{"id", endpoint.id},
                      {"url", endpoint.url},
                      {"description", endpoint.description},
                      {"events", ordered_json::parse(endpoint.events, nullptr, false)},
                      {"enabled", endpoint.enabled},
                      {"disabled_reason", nullable(endpoint.disabled_reason)},
                      {"max_events_per_request", endpoint.max_events_per_request},
                      {"created_at", formatRfc3339Seconds(endpoint.created_at)},
                      {"updated_at", formatRfc3339Seconds(endpoint.updated_at)}};
  out["secret_rotation"] =
      endpoint.previous_secret_expires > now
          ? ordered_json{{"previous_secret_expires_at",
                          formatRfc3339Millis(endpoint.previous_secret_expires)}}
          : ordered_json(nullptr);
  return out;
}

std::string publicStatus(const std::string& state) {
  return state == "queued" || state == "delivering" ? "pending" : state;
}

ordered_json deliveryJson(const Delivery& delivery) {
  ordered_json attempts = ordered_json::array();
  for (const auto& attempt : delivery.attempts) {
    attempts.push_back(
        {{"attempt", attempt.attempt},
         {"at", formatRfc3339Millis(attempt.at)},
         {"status_code",
          attempt.status_code == 0 ? ordered_json(nullptr) : ordered_json(attempt.status_code)},
         {"latency_ms", attempt.latency_ms},
         {"error", nullable(attempt.error)},
         {"response_excerpt", nullable(attempt.response_excerpt)}});
  }
  return {{"id", "dlv_" + std::to_string(delivery.id)},
          {"endpoint_id", delivery.endpoint_id},
          {"event_id", delivery.event_id},
          {"event_type", delivery.event_type},
          {"status", publicStatus(delivery.state)},
          {"attempt_count", delivery.attempt_count},
          {"created_at", formatRfc3339Seconds(delivery.created_at)},
          {"next_attempt_at", delivery.next_attempt
                                  ? ordered_json(formatRfc3339Millis(*delivery.next_attempt))
                                  : ordered_json(nullptr)},
          {"delivered_at", delivery.delivered_at
                               ? ordered_json(formatRfc3339Millis(*delivery.delivered_at))
                               : ordered_json(nullptr)},
          {"last_error", nullable(delivery.last_error)},
          {"attempts", attempts},
          {"payload", ordered_json::parse(delivery.body, nullptr, false)}};
}

std::optional<std::int64_t> parseDeliveryId(const std::string& text) {
  if (text.rfind("dlv_", 0) != 0) {
    return std::nullopt;
  }
  std::int64_t id = 0;
  const auto [ptr, ec] = std::from_chars(text.data() + 4, text.data() + text.size(), id);
  if (ec != std::errc{} || ptr != text.data() + text.size() || id <= 0) {
    return std::nullopt;
  }
  return id;
}

std::optional<ApiResponse> readEndpointFields(const json& body,
                                              bool creating,
                                              const WebhookApiOptions& options,
                                              EndpointChanges& changes) {
  if (body.contains("url") || creating) {
    if (!body.contains("url") || !body["url"].is_string() ||
        body["url"].get<std::string>().empty() ||
        body["url"].get<std::string>().size() > webhooks::kMaxUrlLength) {
      return invalidField("url", "expected the receiver's https URL (at most 2048 characters)");
    }
    const std::string url = body["url"].get<std::string>();
    if (auto allowed = webhooks::checkWebhookUrl(url, options.url_policy, options.resolve);
        !allowed) {
      return invalidField("url", allowed.error().toString());
    }
    changes.url = url;
  }
  if (body.contains("events") && !body["events"].is_null()) {
    auto subscription = events::parseSubscription(body["events"].dump());
    if (!subscription) {
      return invalidField("events", subscription.error().message);
    }
    changes.events = std::move(*subscription);
  } else if (creating) {
    changes.events = "[]";
  }
  if (body.contains("description") && !body["description"].is_null()) {
    if (!body["description"].is_string() ||
        body["description"].get<std::string>().size() > webhooks::kMaxDescriptionLength) {
      return invalidField("description", "expected a string of at most 500 characters");
    }
    changes.description = body["description"].get<std::string>();
  }
  if (body.contains("enabled") && !body["enabled"].is_null()) {
    if (creating || !body["enabled"].is_boolean()) {
      return invalidField("enabled", creating ? "is set with an update (PATCH), not on creation"
                                              : "expected true or false");
    }
    changes.enabled = body["enabled"].get<bool>();
  }
  if (body.contains("max_events_per_request") && !body["max_events_per_request"].is_null()) {
    const json& value = body["max_events_per_request"];
    // Positive JSON integers parse as unsigned, so one too large for an int64 is caught too.
    if (!value.is_number_unsigned() || value.get<std::uint64_t>() < 1 ||
        value.get<std::uint64_t>() > static_cast<std::uint64_t>(webhooks::kMaxEventsPerRequest)) {
      return invalidField("max_events_per_request",
                          "expected a whole number from 1 (one event per request, the default) "
                          "to " +
                              std::to_string(webhooks::kMaxEventsPerRequest) +
                              " (batched delivery)");
    }
    changes.max_events_per_request = value.get<std::int64_t>();
  }
  return std::nullopt;
}

class WebhooksHandler {
 public:
  WebhooksHandler(WebhooksApi api, WebhookApiOptions options)
      : endpoints_(api.endpoints),
        deliveries_(api.deliveries),
        clock_(api.clock),
        options_(std::move(options)) {}

  ApiResponse create(ApiRequest& request) {
    auto parsed = jsonObjectBody(request);
    if (auto* error = std::get_if<ApiResponse>(&parsed)) {
      return *error;
    }
    EndpointChanges fields;
    if (auto error = readEndpointFields(std::get<json>(parsed), true, options_, fields)) {
      return *error;
    }
    WebhookEndpoint endpoint;
    endpoint.id = "whk_" + crypto::randomHexToken(8);
    endpoint.tenant_id = request.tenant_id;
    endpoint.url = *fields.url;
    endpoint.events = *fields.events;
    endpoint.description = fields.description.value_or("");
    endpoint.max_events_per_request = fields.max_events_per_request.value_or(1);
    endpoint.secret = webhooks::generateSecret();
    endpoint.created_at = std::chrono::floor<std::chrono::seconds>(now());
    endpoint.updated_at = endpoint.created_at;
    // Each endpoint costs every event a delivery; a tenant cannot make the relay's work grow
    // without bound.
    auto created = endpoints_.createEndpointWithin(endpoint, options_.max_endpoints);
    if (!created) {
      return errorResponse(created.error());
    }
    if (!*created) {
      return errorResponse(409, "limit_reached",
                           "this account has " + std::to_string(options_.max_endpoints) +
                               " webhook endpoints, the most allowed; delete one first, or ask "
                               "the operator to raise limits.webhook_endpoints_per_tenant");
    }
    ApiResponse response;
    response.status = 201;
    response.body = endpointJson(endpoint, now());
    response.body["secret"] = endpoint.secret;
    response.shown_once.emplace_back("secret");
    return response;
  }

  ApiResponse list(ApiRequest& request) {
    auto endpoints = endpoints_.listEndpoints(request.tenant_id);
    if (!endpoints) {
      return errorResponse(endpoints.error());
    }
    ordered_json data = ordered_json::array();
    for (const auto& endpoint : *endpoints) {
      data.push_back(endpointJson(endpoint, now()));
    }
    ApiResponse response;
    response.body = {{"data", data}};
    return response;
  }

  ApiResponse get(ApiRequest& request) {
    auto endpoint = existing(request);
    if (auto* error = std::get_if<ApiResponse>(&endpoint)) {
      return *error;
    }
    ApiResponse response;
    response.body = endpointJson(std::get<WebhookEndpoint>(endpoint), now());
    return response;
  }

  ApiResponse update(ApiRequest& request) {
    auto parsed = jsonObjectBody(request);
    if (auto* error = std::get_if<ApiResponse>(&parsed)) {
      return *error;
    }
    EndpointChanges changes;
    if (auto error = readEndpointFields(std::get<json>(parsed), false, options_, changes)) {
      return *error;
    }
    // The store answers NotFound for an endpoint that is not the tenant's.
    auto endpoint =
        endpoints_.updateEndpoint(request.tenant_id, request.params["id"], changes, now());
    if (!endpoint) {
      return errorResponse(endpoint.error());
    }
    if (changes.enabled.value_or(false) && options_.deliveries_queued) {
      options_.deliveries_queued();  // its pending deliveries may go now
    }
    ApiResponse response;
    response.body = endpointJson(*endpoint, now());
    return response;
  }

  ApiResponse remove(ApiRequest& request) {
    if (auto deleted = endpoints_.deleteEndpoint(request.tenant_id, request.params["id"]);
        !deleted) {
      return errorResponse(deleted.error());
    }
    ApiResponse response;
    response.body = {{"id", request.params["id"]}, {"deleted", true}};
    return response;
  }

  ApiResponse rotate(ApiRequest& request) {
    std::int64_t overlap = options_.rotation_overlap.count();
    if (!request.body.empty()) {
      auto parsed = jsonObjectBody(request);
      if (auto* error = std::get_if<ApiResponse>(&parsed)) {
        return *error;
      }
      const json& body = std::get<json>(parsed);
      if (body.contains("overlap_seconds") && !body["overlap_seconds"].is_null()) {
        if (!body["overlap_seconds"].is_number_integer() ||
            body["overlap_seconds"].get<std::int64_t>() < 0 ||
            body["overlap_seconds"].get<std::int64_t>() > kMaxOverlapSeconds) {
          return invalidField("overlap_seconds", "expected an integer from 0 to 604800 (7 days)");
        }
        overlap = body["overlap_seconds"].get<std::int64_t>();
      }
    }
    const std::string secret = webhooks::generateSecret();
    const UtcMillis expires = now() + std::chrono::seconds{overlap};
    auto endpoint =
        endpoints_.rotateSecret(request.tenant_id, request.params["id"], secret, expires, now());
    if (!endpoint) {
      return errorResponse(endpoint.error());
    }
    ApiResponse response;
    response.body = {{"id", endpoint->id},
                     {"secret", secret},
                     {"previous_secret_expires_at", formatRfc3339Millis(expires)}};
    response.shown_once.emplace_back("secret");
    return response;
  }

  ApiResponse deliveries(ApiRequest& request) {
    if (auto found = existing(request); std::holds_alternative<ApiResponse>(found)) {
      return std::get<ApiResponse>(found);
    }
    DeliveryFilter filter;
    const auto limit = pageLimit(request);
    if (const auto* error = std::get_if<ApiResponse>(&limit)) {
      return *error;
    }
    filter.limit = std::get<std::size_t>(limit);
    if (auto status = queryParam(request, "status")) {
      if (*status != "pending" && *status != "delivered" && *status != "failed") {
        return invalidField("status", "expected pending, delivered or failed");
      }
      filter.status = status;
    }
    filter.event_id = queryParam(request, "event_id");
    if (auto cursor = queryParam(request, "cursor")) {
      const auto after = decodeSeqCursor(*cursor);
      if (!after) {
        return invalidField("cursor", "expected a next_cursor value from an earlier page");
      }
      filter.after_id = *after;
    }
    auto rows = deliveries_.listDeliveries(request.tenant_id, request.params["id"], filter);
    if (!rows) {
      return errorResponse(rows.error());
    }
    return pageResponse(std::move(*rows), filter.limit, deliveryJson,
                        [](const Delivery& row) { return encodeSeqCursor(row.id); });
  }

  ApiResponse delivery(ApiRequest& request) {
    const auto id = parseDeliveryId(request.params["delivery_id"]);
    if (!id) {
      return notFound("no delivery " + request.params["delivery_id"]);
    }
    auto found = deliveries_.findDelivery(request.tenant_id, request.params["id"], *id);
    if (!found) {
      return errorResponse(found.error());
    }
    if (!found->has_value()) {
      return notFound("no delivery " + request.params["delivery_id"]);
    }
    ApiResponse response;
    response.body = deliveryJson(**found);
    return response;
  }

  ApiResponse resend(ApiRequest& request) {
    const auto id = parseDeliveryId(request.params["delivery_id"]);
    if (!id) {
      return notFound("no delivery " + request.params["delivery_id"]);
    }
    auto delivery = deliveries_.resendDelivery(request.tenant_id, request.params["id"], *id, now());
    if (!delivery) {
      return errorResponse(delivery.error());
    }
    if (options_.deliveries_queued) {
      options_.deliveries_queued();
    }
    ApiResponse response;
    response.status = 202;
    response.body = deliveryJson(*delivery);
    return response;
  }

  ApiResponse recover(ApiRequest& request) {
    auto parsed = jsonObjectBody(request);
    if (auto* error = std::get_if<ApiResponse>(&parsed)) {
      return *error;
    }
    const json& body = std::get<json>(parsed);
    const auto since = body.contains("since") && body["since"].is_string()
                           ? parseDateOrRfc3339(body["since"].get<std::string>())
                           : Result<UtcMillis>(makeError(ErrorCode::InvalidInput, "missing"));
    if (!since) {
      return invalidField("since", "expected an RFC 3339 timestamp (2026-03-27T08:30:00Z)");
    }
    if (auto found = existing(request); std::holds_alternative<ApiResponse>(found)) {
      return std::get<ApiResponse>(found);
    }

    auto requeued =
        deliveries_.recoverDeliveries(request.tenant_id, request.params["id"], *since, now());
    if (!requeued) {
      return errorResponse(requeued.error());
    }
    if (options_.deliveries_queued) {
      options_.deliveries_queued();
    }
    ApiResponse response;
    response.status = 202;
    response.body = {{"endpoint_id", request.params["id"]},
                     {"since", formatRfc3339Millis(*since)},
                     {"requeued", *requeued}};
    return response;
  }

  // Every event type an endpoint may subscribe to, from the catalogue (the console's choices).
  ApiResponse eventTypes(ApiRequest& /*request*/) {
    ordered_json data = ordered_json::array();
    for (const auto& info : events::eventCatalogue()) {
      data.push_back({{"name", info.name}, {"description", info.when}});
    }
    ApiResponse response;
    response.body["data"] = std::move(data);
    return response;
  }

  // The endpoint's attempts of the last `hours` (1-168, default 24) by UTC hour: how many, how
  // many answered 2xx, their average latency; and the totals (the console's chart).
  ApiResponse stats(ApiRequest& request) {
    auto found = existing(request);
    if (auto* error = std::get_if<ApiResponse>(&found)) {
      return *error;
    }
    std::int64_t hours = 24;
    if (const auto text = queryParam(request, "hours")) {
      const auto parsed = parseInteger(*text, false);
      if (!parsed || *parsed < 1 || *parsed > 168) {
        return invalidField("hours", "expected whole hours from 1 to 168");
      }
      hours = *parsed;
    }
    const UtcMillis since =
        std::chrono::floor<std::chrono::hours>(now()) - std::chrono::hours{hours - 1};
    auto rows = deliveries_.attemptsByHour(request.tenant_id, request.params["id"], since);
    if (!rows) {
      return errorResponse(rows.error());
    }
    ordered_json list = ordered_json::array();
    std::int64_t attempts = 0;
    std::int64_t delivered = 0;
    for (const auto& row : *rows) {
      ordered_json hour = {{"hour", row.hour + ":00:00Z"},
                           {"attempts", row.attempts},
                           {"delivered", row.delivered},
                           {"failed", row.attempts - row.delivered}};
      hour["latency_ms_avg"] =
          row.latency_ms_avg ? ordered_json(*row.latency_ms_avg) : ordered_json(nullptr);
      list.push_back(std::move(hour));
      attempts += row.attempts;
      delivered += row.delivered;
    }
    ApiResponse response;
    response.body["hours"] = std::move(list);
    response.body["attempts"] = attempts;
    response.body["delivered"] = delivered;
    response.body["failed"] = attempts - delivered;
    response.body["success_rate"] =
        attempts > 0 ? ordered_json(static_cast<double>(delivered) / static_cast<double>(attempts))
                     : ordered_json(nullptr);
    return response;
  }

 private:
  UtcMillis now() const {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.now());
  }

  std::variant<WebhookEndpoint, ApiResponse> existing(ApiRequest& request) {
    auto endpoint = endpoints_.findEndpoint(request.tenant_id, request.params["id"]);
    if (!endpoint) {
      return errorResponse(endpoint.error());
    }
    if (!endpoint->has_value()) {
      return notFound("no webhook endpoint " + request.params["id"]);
    }
    return **endpoint;
  }

  WebhookEndpoints& endpoints_;
  DeliveryLog& deliveries_;
  const Clock& clock_;
  WebhookApiOptions options_;
};

}  // namespace

void addWebhookRoutes(Router& router,
                      WebhooksApi api,
                      WebhookApiOptions options,
                      const std::function<Router::Handler(Router::Handler)>& wrap) {
  auto handler = std::make_shared<WebhooksHandler>(api, std::move(options));
  const auto route = [&](const char* method, const char* pattern,
                         ApiResponse (WebhooksHandler::*member)(ApiRequest&)) {
    router.add(method, pattern, wrap([handler, member](ApiRequest& request) {
                 return (*handler.*member)(request);
               }));
  };
  route("POST", "/v1/webhooks", &WebhooksHandler::create);
  route("GET", "/v1/webhooks", &WebhooksHandler::list);
  route("GET", "/v1/webhooks/{id}", &WebhooksHandler::get);
  route("PATCH", "/v1/webhooks/{id}", &WebhooksHandler::update);
  route("DELETE", "/v1/webhooks/{id}", &WebhooksHandler::remove);
  route("POST", "/v1/webhooks/{id}/rotate-secret", &WebhooksHandler::rotate);
  route("GET", "/v1/webhooks/{id}/deliveries", &WebhooksHandler::deliveries);
  route("GET", "/v1/webhooks/{id}/deliveries/{delivery_id}", &WebhooksHandler::delivery);
  route("POST", "/v1/webhooks/{id}/deliveries/{delivery_id}/resend", &WebhooksHandler::resend);
  route("POST", "/v1/webhooks/{id}/recover", &WebhooksHandler::recover);
  route("GET", "/v1/webhooks/{id}/stats", &WebhooksHandler::stats);
  route("GET", "/v1/event-types", &WebhooksHandler::eventTypes);
}

}  // namespace punchlink::relay::api
