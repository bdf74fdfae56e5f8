// Webhook backlog delivery: N punches are ingested into the relay's store (SQLite, or PostgreSQL
// with --postgres) with E endpoints subscribed, which queues N x E deliveries; then the relay's
// own dispatcher and HTTP client (the release build's code, in process) send them to a local
// receiver, and the figure is deliveries/s until none is pending. In the same run a plain
// keep-alive HTTP client posts the same signed bodies to the same receiver at the same
// concurrency: the ceiling this machine and receiver allow, and ours as a fraction of it.
// Run by bench/throughput.sh, which starts the receiver (bench/receiver.js).
#include "bench_stack.hpp"
#include "config/relay_config.hpp"
#include "events/event_catalogue.hpp"
#include "ingest/punch_ingest.hpp"
#include "store/store.hpp"
#include "tenancy/tenancy.hpp"
#include "webhooks/endpoint_fields.hpp"
#include "webhooks/webhook_dispatcher.hpp"
#include "webhooks/webhook_http_client.hpp"
#include "webhooks/webhook_signature.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/crypto.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/contract/punch_batch.hpp>
#include <punchlink/testing/postgres_server.hpp>
#include <punchlink/testing/punch_ids.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <istream>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using namespace punchlink;
using namespace punchlink::relay;
using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

struct Options {
  int punches = 100'000;
  int endpoints = 1;
  int max_events_per_request = 1;  // above 1: batched delivery
  int port = 0;                    // the receiver's
  bool postgres = false;
};

double secondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

UtcMillis nowMs() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// One agent's batches of 1,000 punches, decoded as the relay would.
std::vector<contract::PunchBatch> punchBatches(int count, const std::string& site) {
  std::vector<contract::PunchBatch> batches;
  json punches = json::array();
  for (int i = 0; i < count; ++i) {
    const std::string user = "E" + std::to_string(i % 500);
    const std::string local_time = testing::nthLocalTime(i);
    punches.push_back({{"event_id", testing::punchEventId("BENCH1", user, local_time)},
                       {"device_serial", "BENCH1"},
                       {"user_id", user},
                       {"timestamp", "2026-03-27T08:30:12Z"},
                       {"local_time", local_time},
                       {"time_zone", "UTC"},
                       {"punch_type", "CheckIn"},
                       {"method", "Fingerprint"}});
    if (punches.size() == 1000 || i == count - 1) {
      const json batch{{"site_id", site}, {"batch_id", "b"}, {"punches", punches}};
      batches.push_back(contract::decodePunchBatch(batch.dump(), site).value());
      punches = json::array();
    }
  }
  return batches;
}

// `total` POSTs of `body` over `concurrency` kept-alive connections; requests/s.
double plainClientRate(int port,
                       std::size_t concurrency,
                       std::size_t total,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       const std::string& body) {
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> failed{0};
  const auto start = SteadyClock::now();
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < concurrency; ++t) {
    threads.emplace_back([&] {
      Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
      session.setKeepAlive(true);
      while (next.fetch_add(1) < total) {
        try {
          Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/hook/plain",
                                         Poco::Net::HTTPMessage::HTTP_1_1);
          for (const auto& [name, value] : headers) {
            request.set(name, value);
          }
          request.setContentLength(static_cast<std::streamsize>(body.size()));
          request.setKeepAlive(true);
          session.sendRequest(request) << body;
          Poco::Net::HTTPResponse response;
          std::istream& in = session.receiveResponse(response);
          in.ignore(std::numeric_limits<std::streamsize>::max());
          if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
            ++failed;
          }
        } catch (const Poco::Exception&) {
          ++failed;
          session.reset();
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  if (failed > 0) {
    std::cerr << "plain client: " << failed << " requests failed\n";
  }
  return static_cast<double>(total) / secondsSince(start);
}

int run(const Options& options) {
  const std::string_view punch_event = events::eventTypeName(events::EventType::AttendancePunch);
  testing::TempDir dir{"punchlink-delivery-bench"};
  std::unique_ptr<testing::PostgresServer> server;
  std::string location = dir.file("relay.db").string();
  if (options.postgres) {
    server =
        std::make_unique<testing::PostgresServer>(testing::PostgresServer::Durability::Production);
    location = server->createDatabase("bench");
  }
  SystemClock clock;
  auto opened = openStore(location, clock);
  if (!opened || !(*opened)->migrate()) {
    std::cerr << "cannot open the store at " << location << "\n";
    return 2;
  }
  Store& store = **opened;
  const Tenant tenant = tenancy::createTenant(store.tenants(), "bench").value();
  const Site site = tenancy::createSite(store.tenants(), tenant.id, "bench-site").value();
  const std::string secret = "whsec_" + crypto::base64Encode(std::string(32, 'k'));
  for (int e = 0; e < options.endpoints; ++e) {
    WebhookEndpoint endpoint;
    endpoint.id = "whk_bench" + std::to_string(e);
    endpoint.tenant_id = tenant.id;
    endpoint.url =
        "http://127.0.0.1:" + std::to_string(options.port) + "/hook/" + std::to_string(e);
    endpoint.secret = secret;
    endpoint.events = json::array({punch_event}).dump();
    endpoint.max_events_per_request = options.max_events_per_request;
    endpoint.created_at = endpoint.updated_at = nowMs();
    if (!store.endpoints().createEndpoint(endpoint)) {
      std::cerr << "cannot create an endpoint\n";
      return 2;
    }
  }

  PunchIngest ingest(PunchIngestParts{store.unitOfWork(), store.sightings(), store.punches(),
                                      store.deviceEvents(), store.users(), store.outbox()});
  const auto batches = punchBatches(options.punches, site.id);
  const auto ingest_start = SteadyClock::now();
  for (const auto& batch : batches) {
    if (!ingest.ingest(site, batch, nowMs())) {
      std::cerr << "ingest failed\n";
      return 2;
    }
  }
  const double ingest_s = secondsSince(ingest_start);
  const auto queued =
      static_cast<std::size_t>(options.punches) * static_cast<std::size_t>(options.endpoints);

  // The relay's defaults, as relay.yaml leaves them.
  const WebhookConfig defaults;
  webhooks::WebhookHttpOptions http_options;
  http_options.timeout = defaults.attempt_timeout;
  http_options.policy = {true, true};
  http_options.max_idle_per_origin = defaults.per_endpoint_max_concurrency;
  webhooks::WebhookHttpClient http(http_options);
  webhooks::DispatcherOptions dispatch;
  dispatch.node_id = "bench";
  dispatch.workers = defaults.workers;
  dispatch.per_endpoint_concurrency = defaults.per_endpoint_concurrency;
  dispatch.per_endpoint_max_concurrency = defaults.per_endpoint_max_concurrency;
  dispatch.poll_interval = defaults.poll_interval;
  dispatch.attempt_timeout = defaults.attempt_timeout;
  Logger logger("bench", LogLevel::Warning, StderrSink::detect(), clock);
  webhooks::WebhookDispatcher dispatcher(
      webhooks::DispatcherStores{store.deliveryQueue(), store.endpoints(), store.outbox(),
                                 store.unitOfWork()},
      http, clock, logger, dispatch);
  const auto deliver_start = SteadyClock::now();
  dispatcher.start();
  // Watched through the dispatcher's own counters: counting the pending rows in the database
  // every 100 ms scanned the whole backlog each time, which on PostgreSQL took a large share
  // of the server's CPU away from the deliveries being measured.
  while (dispatcher.stats().delivered + dispatcher.stats().failed < queued &&
         secondsSince(deliver_start) < 1800) {
    std::this_thread::sleep_for(20ms);
  }
  dispatcher.stop();  // records every outcome still waiting: part of the time
  const double deliver_s = secondsSince(deliver_start);
  const auto stats = dispatcher.stats();
  auto counts = store.deliveryQueue().counts();
  const std::int64_t pending = counts ? counts->pending + counts->failed : 1;
  if (pending > 0 || stats.delivered < queued) {
    std::cerr << "not every delivery went out: " << stats.delivered << " of " << queued << "\n";
    return 1;
  }

  // The most the dispatcher may have in flight (a fast receiver grows each endpoint to it).
  const std::size_t concurrency =
      std::min(dispatch.workers,
               dispatch.per_endpoint_max_concurrency * static_cast<std::size_t>(options.endpoints));
  const std::string body =
      R"({"event":")" + std::string(punch_event) +
      R"(","event_id":"evt_000000000000000000000000",)"
      R"("timestamp":"2026-03-27T08:30:12Z","device":{"id":"BENCH1"},"user":{"id":"E1"},)"
      R"("punch":{"type":"CheckIn","method":"Fingerprint","timestamp":"2026-03-27T08:30:12Z"}})";
  auto signed_headers = webhooks::signRequest({secret}, "evt_000000000000000000000000", punch_event,
                                              1'774'600'212, body, "bench");
  const double ceiling =
      plainClientRate(options.port, concurrency, queued, signed_headers.value().headers, body);
  const double rate = static_cast<double>(queued) / deliver_s;
  std::printf(
      "storage=%s punches=%d endpoints=%d deliveries=%zu max_events_per_request=%d "
      "concurrency=%zu (workers %zu, %zu-%zu per endpoint)\n"
      "  ingest: %.1f s, %.0f punches/s (deliveries queued with them)\n"
      "  delivery: %.1f s, %.0f deliveries/s, %llu attempts in %llu requests\n"
      "  plain keep-alive client, same receiver and concurrency: %.0f requests/s\n"
      "  ours / plain: %.2f\n"
      "  relay RSS: %ld kB now, %ld kB peak\n",
      options.postgres ? "postgresql" : "sqlite", options.punches, options.endpoints, queued,
      options.max_events_per_request, concurrency, dispatch.workers,
      dispatch.per_endpoint_concurrency, dispatch.per_endpoint_max_concurrency, ingest_s,
      options.punches / ingest_s, deliver_s, rate, static_cast<unsigned long long>(stats.attempts),
      static_cast<unsigned long long>(stats.requests), ceiling, rate / ceiling,
      bench::statusKb(getpid(), "VmRSS"), bench::statusKb(getpid(), "VmHWM"));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> int { return i + 1 < argc ? std::atoi(argv[++i]) : 0; };
    if (arg == "--punches") {
      options.punches = value();
    } else if (arg == "--endpoints") {
      options.endpoints = value();
    } else if (arg == "--max-events-per-request") {
      options.max_events_per_request = value();
    } else if (arg == "--port") {
      options.port = value();
    } else if (arg == "--postgres") {
      options.postgres = true;
    } else {
      std::cerr << "usage: delivery_bench --port RECEIVER_PORT [--punches N] [--endpoints E] "
                   "[--max-events-per-request M] [--postgres]\n";
      return 2;
    }
  }
  if (options.port <= 0 || options.punches <= 0 || options.endpoints <= 0 ||
      options.max_events_per_request < 1 ||
      options.max_events_per_request > webhooks::kMaxEventsPerRequest) {
    std::cerr << "delivery_bench: --port, --punches and --endpoints must be positive, "
                 "--max-events-per-request from 1 to "
              << webhooks::kMaxEventsPerRequest << "\n";
    return 2;
  }
  return run(options);
}
