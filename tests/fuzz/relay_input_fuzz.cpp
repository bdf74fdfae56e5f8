// libFuzzer target for what tenants and operators hand the relay outside MQTT (the contract
// target covers that): REST request bodies, query strings and paths, through the real router, guard
// and handlers over an in-memory store, and the relay's and agent's YAML config readers. The
// first byte picks the input's kind; the rest is the input. Bad input must give a 4xx or a
// config error, never a crash, an exception or a 5xx.
#include "api/rate_limiter.hpp"
#include "api/request_guard.hpp"
#include "api/rest_api.hpp"
#include "app/builtin_protocols.hpp"
#include "config/agent_config.hpp"
#include "config/relay_config.hpp"
#include "store/store.hpp"
#include "tenancy/tenancy.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/yaml_read.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace {

using namespace punchlink;
using namespace punchlink::relay;

void check(bool condition) {
  if (!condition) {
    std::abort();
  }
}

class NoSender final : public CommandSender {
 public:
  Status send(const std::string&, const std::string&) override { return {}; }
};

// One relay for the whole run: a tenant with a key, a site whose agent has reported SN1, and a
// webhook endpoint; every input is a request of that tenant.
struct Relay {
  Relay() {
    store = std::move(openStore(":memory:", clock).value());
    check(store->migrate().ok());
    const std::string tenant = tenancy::createTenant(store->tenants(), "Fuzz").value().id;
    const Site site = tenancy::createSite(store->tenants(), tenant, "plant-1").value();
    check(store->sightings()
              .recordStatus(site, "SN1", R"({"serial":"SN1","online":true})", "", true, now())
              .ok());
    key = tenancy::createApiKey(store->tenants(), store->apiKeys(), tenant, true, "", now(), 10)
              .value()
              .secret;
    tracker = std::make_unique<CommandTracker>(store->unitOfWork(), store->commands(),
                                               store->users(), store->outbox());
    issuer = std::make_unique<CommandIssuer>(store->commands(), *tracker, sender, clock,
                                             std::chrono::hours{24});
    limiter = std::make_unique<api::RateLimiter>(store->apiGuard(), clock, 1'000'000'000);
    guard =
        std::make_unique<api::RequestGuard>(store->apiKeys(), store->apiGuard(), *limiter, clock);
    api::ApiOptions options;
    // Names resolve to one public address without asking any DNS server.
    options.webhooks.resolve = [](const std::string&) {
      return Result<std::vector<Poco::Net::IPAddress>>(
          std::vector<Poco::Net::IPAddress>{Poco::Net::IPAddress("93.184.216.34")});
    };
    router = std::make_unique<api::Router>(api::makeRestApi(
        {store->tenants(), store->devices(), store->punches(), store->deviceEvents(),
         store->users(), store->commands(), *issuer, store->endpoints(), store->deliveryLog()},
        *guard, clock, options));
    api::ApiRequest create = request("POST", "/v1/webhooks");
    create.body = R"({"url":"https://hooks.example.com/in","events":["attendance.punch"]})";
    const api::ApiResponse created = router->dispatch(create);
    check(created.status == 201);
    endpoint = created.body["id"].get<std::string>();
  }

  UtcMillis now() const {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(clock.now());
  }

  api::ApiRequest request(std::string method, std::string path) const {
    api::ApiRequest out;
    out.method = std::move(method);
    out.path = std::move(path);
    out.headers["authorization"] = "Bearer " + key;
    return out;
  }

  SystemClock clock;
  StorePtr store;
  std::string key;
  std::string endpoint;
  NoSender sender;
  std::unique_ptr<CommandTracker> tracker;
  std::unique_ptr<CommandIssuer> issuer;
  std::unique_ptr<api::RateLimiter> limiter;
  std::unique_ptr<api::RequestGuard> guard;
  std::unique_ptr<api::Router> router;
};

Relay& relay() {
  static Relay instance;
  return instance;
}

// name=value&name=value, as Poco would hand the router a decoded query.
std::map<std::string, std::string> queryOf(std::string_view text) {
  std::map<std::string, std::string> query;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    const auto eq = pair.find('=');
    query[std::string(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
  }
  return query;
}

void fuzzRequest(std::uint8_t selector, std::string_view input) {
  Relay& r = relay();
  const std::string hook = "/v1/webhooks/" + r.endpoint;

  struct Route {
    const char* method;
    std::string path;
    bool query;  // the input is the query string, else the body
  };

  const Route routes[] = {
      {"POST", "/v1/users", false},
      {"POST", "/v1/users/batch", false},
      {"PUT", "/v1/users/EMP_1", false},
      {"DELETE", "/v1/users/EMP_1", true},
      {"GET", "/v1/users", true},
      {"POST", "/v1/devices", false},
      {"PATCH", "/v1/devices/SN1", false},
      {"GET", "/v1/logs", true},
      {"POST", "/v1/webhooks", false},
      {"PATCH", hook, false},
      {"POST", hook + "/rotate-secret", false},
      {"POST", hook + "/recover", false},
      {"GET", hook + "/deliveries", true},
      {"POST", "/v1/devices/SN1/commands", false},
      {"GET", "/v1/devices/SN1/commands", true},
      {"GET", "/v1/events", true},
  };
  const Route& route = routes[selector % std::size(routes)];
  api::ApiRequest request = r.request(route.method, route.path);
  if (route.query) {
    request.query = queryOf(input);
  } else {
    request.body = std::string(input);
  }
  if (selector & 0x80U) {
    request.headers["idempotency-key"] = "k" + std::to_string(input.size() % 7);
  }
  const api::ApiResponse response = r.router->dispatch(request);
  check(response.status >= 200 && response.status < 500);
  (void)response.body.dump();  // what the server would send must serialise
}

// Any path under /v1 (bytes as Poco hands them over once percent-decoded): its parameters end
// up in errors and queries.
void fuzzPath(std::uint8_t selector, std::string_view input) {
  static constexpr const char* kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
  Relay& r = relay();
  api::ApiRequest request =
      r.request(kMethods[selector % std::size(kMethods)], "/v1/" + std::string(input));
  request.body = "{}";
  const api::ApiResponse response = r.router->dispatch(request);
  check(response.status >= 200 && response.status < 500);
  (void)response.body.dump();
}

void fuzzConfig(std::uint8_t selector, std::string_view input) {
  auto doc = config::YamlDocument::loadString(input, "fuzz.yaml");
  if (!doc) {
    return;
  }
  if (selector & 1U) {
    const auto parsed = agent::parseAgentConfig(*doc, agent::builtinProtocols());
    if (parsed) {
      (void)agent::describeAgentConfig(*parsed, agent::builtinProtocols());
    }
  } else {
    (void)parseRelayConfig(*doc);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2 || size > 64 * 1024) {
    return 0;
  }
  const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  if (data[0] % 4 == 3) {
    fuzzConfig(data[1], input);
  } else if (data[0] % 4 == 2) {
    fuzzPath(data[1], input);
  } else {
    fuzzRequest(data[1], input);
  }
  return 0;
}
