// Live webhook latency under load (issue #17, part 2): S sites (default 20) publish punches as
// their agents do in real time, R a second each (default 100: 2,000/s in all), one MQTT message
// per punch, to one relay through Mosquitto; one webhook endpoint takes every punch. Prints the
// publish -> webhook latency (p50, p90, p99, max) and what was lost, and the relay's RSS at the
// end. SQLite by default, PostgreSQL (durable defaults) with --postgres. Run by
// bench/throughput.sh.
#include "bench_stack.hpp"
#include "events/event_catalogue.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/mqtt_client.hpp>
#include <punchlink/contract/punch_batch.hpp>
#include <punchlink/contract/topics.hpp>
#include <punchlink/testing/child_process.hpp>
#include <punchlink/testing/http_client.hpp>
#include <punchlink/testing/mosquitto_fixture.hpp>
#include <punchlink/testing/ports.hpp>
#include <punchlink/testing/postgres_server.hpp>
#include <punchlink/testing/punch_ids.hpp>
#include <punchlink/testing/temp_dir.hpp>
#include <punchlink/testing/webhook_receiver.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using namespace punchlink;
using namespace punchlink::relay;
using nlohmann::json;
using SteadyTime = std::chrono::steady_clock::time_point;

struct Options {
  std::string relay;  // the punchlink-relay binary
  int sites = 20;
  int rate = 100;  // punches a second per site
  int seconds = 10;
  bool postgres = false;
};

double percentile(std::vector<double> sorted, double p) {
  if (sorted.empty()) {
    return 0;
  }
  const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

int run(const Options& options) {
  testing::TempDir dir("punchlink-live-bench");
  std::optional<testing::PostgresServer> postgres;
  std::string storage = dir.file("relay.db").string();
  if (options.postgres) {
    postgres.emplace(testing::PostgresServer::Durability::Production);
    storage = postgres->createDatabase("bench");
  }

  testing::MosquittoFixture broker(bench::brokerFor({"relay-admin", "relay-1"}, options.sites));
  const bench::RelayNode node{options.relay, storage, broker.url(),
                              "webhooks:\n  allow_http: true\n  allow_private_networks: true\n"};
  const auto admin = [&](const std::vector<std::string>& args) {
    return bench::relayAdmin(dir, node, "relay-admin", args);
  };
  const std::string tenant = bench::createTenantWithSites(dir, node, "relay-admin", options.sites);
  // The secret is shown once, on a line of its own ("sk_live_…"); the log may hold more lines.
  const std::string key_out = admin({"keys", "create", "--tenant", tenant});
  const auto key_at = key_out.find("sk_live_");
  if (key_at == std::string::npos) {
    throw std::runtime_error("no API key in: " + key_out);
  }
  const std::string key = key_out.substr(key_at, key_out.find('\n', key_at) - key_at);
  const std::uint16_t api_port = testing::freeLoopbackPort();
  const auto relay = bench::startRelay(dir, node, "relay-1", api_port);

  testing::WebhookReceiver receiver;
  const auto created = testing::httpRequest(
      {api_port, {}}, "POST", "/v1/webhooks",
      json{{"url", receiver.url()},
           {"events",
            json::array({std::string(events::eventTypeName(events::EventType::AttendancePunch))})}}
          .dump(),
      {{"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}});
  if (created.status != 201) {
    throw std::runtime_error("cannot create the endpoint: " + created.body);
  }

  SystemClock clock;
  Logger logger("bench", LogLevel::Error, StderrSink::detect(), clock);
  std::vector<std::unique_ptr<mqtt_client::MqttClient>> clients;
  for (int i = 0; i < options.sites; ++i) {
    clients.push_back(bench::siteClient(broker.url(), i, logger));
  }
  bench::waitConnected(clients);

  // Each site on its own thread, a punch every 1/rate s on a fixed schedule (a late one does not
  // shift the rest), published when it happens as an agent with batch_delay 0 would.
  std::mutex published_mutex;
  std::map<std::string, SteadyTime> published;
  std::atomic<int> publish_failures{0};
  const int per_site = options.rate * options.seconds;
  const auto period = std::chrono::nanoseconds(1'000'000'000LL / options.rate);
  const auto start = std::chrono::steady_clock::now() + 200ms;
  std::vector<std::thread> sites;
  for (int i = 0; i < options.sites; ++i) {
    sites.emplace_back([&, i] {
      // Sites start spread over one period, as independent agents would.
      const auto offset = period * i / options.sites;
      std::vector<std::pair<std::string, SteadyTime>> mine;
      for (int n = 0; n < per_site; ++n) {
        std::this_thread::sleep_until(start + offset + period * n);
        const contract::Punch punch = bench::benchPunch("SN-" + bench::siteName(i), n);
        const std::vector<std::string> one{contract::encodePunch(punch)};
        const std::string batch = contract::encodePunchBatch(
            {bench::siteName(i), bench::siteName(i) + "-" + std::to_string(n),
             "2026-03-27T08:30:13Z"},
            one);
        const auto at = std::chrono::steady_clock::now();
        if (!clients[static_cast<std::size_t>(i)]->publish(
                {contract::SiteTopics(bench::siteName(i)).punches(), batch, 1, false, "", ""},
                10s)) {
          ++publish_failures;
          continue;
        }
        mine.emplace_back(punch.event_id, at);
      }
      const std::lock_guard lock(published_mutex);
      published.insert(mine.begin(), mine.end());
    });
  }
  for (auto& site : sites) {
    site.join();
  }
  const double publish_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  receiver.waitFor([&](const auto& received) { return received.size() >= published.size(); }, 30s);
  const long rss = bench::statusKb(relay->pid(), "VmRSS");
  const long hwm = bench::statusKb(relay->pid(), "VmHWM");

  std::vector<double> latencies;
  std::map<std::string, int> seen;
  for (const auto& webhook : receiver.received()) {
    const auto body = json::parse(webhook.body, nullptr, false);
    if (!body.is_object() || !body.contains("event_id")) {
      continue;
    }
    const std::string id = body["event_id"].get<std::string>();
    const auto sent = published.find(id);
    if (sent == published.end() || seen[id]++ > 0) {
      continue;
    }
    latencies.push_back(
        std::chrono::duration<double, std::milli>(webhook.at - sent->second).count());
  }
  std::sort(latencies.begin(), latencies.end());
  const std::size_t total =
      static_cast<std::size_t>(per_site) * static_cast<std::size_t>(options.sites);
  const std::size_t lost = published.size() - latencies.size();
  for (auto& client : clients) {
    client->stop();
  }
  std::printf(
      "live: %s, %d sites x %d punches/s for %d s = %zu punches (%.0f/s published), one "
      "endpoint\n"
      "  publish -> webhook: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n"
      "  missing 30 s after the last publish: %zu (publish failures: %d); p99 < 50 ms and none "
      "missing: %s\n"
      "  relay RSS: %ld kB now, %ld kB peak\n",
      options.postgres ? "postgresql" : "sqlite", options.sites, options.rate, options.seconds,
      total, static_cast<double>(published.size()) / publish_s, percentile(latencies, 0.50),
      percentile(latencies, 0.90), percentile(latencies, 0.99),
      latencies.empty() ? 0.0 : latencies.back(), lost, publish_failures.load(),
      percentile(latencies, 0.99) < 50 && lost == 0 && publish_failures == 0 ? "yes" : "NO", rss,
      hwm);
  if (lost > 0) {
    // What the relay said about it (its log level is warning).
    const std::string log = relay->log();
    std::printf("  the relay's log, last 2,000 characters:\n%s\n",
                log.substr(log.size() > 2000 ? log.size() - 2000 : 0).c_str());
  }
  return lost == 0 && publish_failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (const auto error =
          bench::parseFlags(argc, argv,
                            {{"--relay", [&](const std::string& value) { options.relay = value; }},
                             {"--sites", bench::intFlag(options.sites)},
                             {"--rate", bench::intFlag(options.rate)},
                             {"--seconds", bench::intFlag(options.seconds)}},
                            {{"--postgres", [&] { options.postgres = true; }}});
      !error.empty()) {
    std::cerr << "live_bench: " << error
              << "\nusage: live_bench --relay BIN [--sites S] [--rate R] [--seconds T] "
                 "[--postgres]\n";
    return 2;
  }
  if (options.relay.empty() || options.sites <= 0 || options.rate <= 0 || options.seconds <= 0 ||
      options.rate > 1000) {
    std::cerr << "live_bench: --relay is required; counts must be positive, rate at most 1000\n";
    return 2;
  }
  try {
    return run(options);
  } catch (const std::exception& error) {
    std::cerr << "live_bench: " << error.what() << "\n";
    return 2;
  }
}
