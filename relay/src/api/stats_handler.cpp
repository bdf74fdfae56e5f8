#include "api/stats_handler.hpp"

#include <punchlink/common/utc_time.hpp>
#include <punchlink/contract/agent_status.hpp>

namespace punchlink::relay::api {

namespace {

using nlohmann::ordered_json;

constexpr std::chrono::hours kMaxRange{31 * 24};

}  // namespace

ApiResponse punchesByHour(StatsApi& api, ApiRequest& request) {
  std::optional<UtcMillis> from;
  std::optional<UtcMillis> to;
  for (const auto& [name, target] : {std::pair{"start_date", &from}, std::pair{"end_date", &to}}) {
    const auto text = queryParam(request, name);
    if (!text) {
      return invalidField(name, "is required: a date (2026-03-27) or an RFC 3339 timestamp");
    }
    auto parsed = parseDateOrRfc3339(*text);
    if (!parsed) {
      return invalidField(name, "expected a date (2026-03-27) or an RFC 3339 timestamp");
    }
    auto time = std::chrono::floor<std::chrono::seconds>(*parsed);
    if (std::string_view(name) == "end_date" && text->size() == 10) {
      time += std::chrono::hours{24};  // a bare end date includes that day
    }
    *target = time;
  }
  if (*to <= *from || *to - *from > kMaxRange) {
    return invalidField("end_date", "expected after start_date, at most 31 days later");
  }
  auto rows = api.punches.countByHour(request.tenant_id, *from, *to);
  if (!rows) {
    return errorResponse(rows.error());
  }
  ordered_json hours = ordered_json::array();
  for (const auto& row : *rows) {
    hours.push_back({{"hour", row.hour + ":00:00Z"}, {"punches", row.count}});
  }
  ApiResponse response;
  response.body["hours"] = std::move(hours);
  return response;
}

ApiResponse listSites(StatsApi& api, ApiRequest& request) {
  auto sites = api.tenants.listSites(request.tenant_id);
  if (!sites) {
    return errorResponse(sites.error());
  }
  ordered_json data = ordered_json::array();
  for (const auto& site : *sites) {
    ordered_json agent = {{"online", site.agent_online}};
    agent["seen_at"] = site.agent_seen_at
                           ? ordered_json(formatRfc3339(
                                 std::chrono::floor<std::chrono::seconds>(*site.agent_seen_at)))
                           : ordered_json(nullptr);
    // What the agent said of itself was checked at ingest; one that does not read now only
    // loses its details.
    const auto status = contract::decodeAgentStatus(site.agent_status);
    agent["agent_version"] = status ? status->agent_version : std::string();
    agent["outbox_pending"] =
        status && status->outbox ? ordered_json(status->outbox->pending) : ordered_json(nullptr);
    data.push_back({{"site_id", site.site_id}, {"agent", std::move(agent)}});
  }
  ApiResponse response;
  response.body["data"] = std::move(data);
  return response;
}

}  // namespace punchlink::relay::api
