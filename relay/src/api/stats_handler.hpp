// Summaries for dashboards (the console's overview): punches per UTC hour, and the tenant's sites
// with what their agents last reported (online, outbox backlog).
#pragma once

#include "api/api_types.hpp"
#include "store/punch_ledger.hpp"
#include "store/tenants.hpp"

namespace punchlink::relay::api {

struct StatsApi {
  PunchLedger& punches;
  Tenants& tenants;
};

// GET /v1/stats/punches?start_date=&end_date= (at most 31 days)
ApiResponse punchesByHour(StatsApi& api, ApiRequest& request);
// GET /v1/sites
ApiResponse listSites(StatsApi& api, ApiRequest& request);

}  // namespace punchlink::relay::api
