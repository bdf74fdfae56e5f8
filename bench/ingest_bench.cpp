// Ingest throughput of the relay, in one run: one node on SQLite; one node on PostgreSQL with one
// connection and with the default pool; two nodes on PostgreSQL. Sites publish batches of
// punches over MQTT (as their agents would), relay nodes in one shared subscription group store
// them and ack them after the commit, and the figure is punches whose ack came back per second.
// Each round gets a fresh database (PostgreSQL with fsync on, as in production) and a fresh
// Mosquitto, all on loopback. Run by bench/scale-out.sh.
#include "bench_stack.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/mqtt_client.hpp>
#include <punchlink/contract/ack.hpp>
#include <punchlink/contract/punch_batch.hpp>
#include <punchlink/contract/topics.hpp>
#include <punchlink/testing/child_process.hpp>
#include <punchlink/testing/http_client.hpp>
#include <punchlink/testing/mosquitto_fixture.hpp>
#include <punchlink/testing/ports.hpp>
#include <punchlink/testing/postgres_server.hpp>
#include <punchlink/testing/punch_ids.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using namespace punchlink;
using nlohmann::json;

struct Options {
  std::string relay;  // the punchlink-relay binary
  int punches = 20'000;
  int sites = 4;
  int batch = 100;
  int window = 4;  // batches a site has sent and not yet seen acked
};

// Counts acked punches of one site and lets its publisher wait for room in its window.
class AckCounter {
 public:
  void onAck(std::size_t punches) {
    {
      const std::lock_guard lock(mutex_);
      acked_ += punches;
      ++batches_acked_;
    }
    changed_.notify_all();
  }

  // Waits until at most `window` batches are unacknowledged; false on timeout.
  bool waitForRoom(int sent_batches, int window) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 60s, [&] { return sent_batches - batches_acked_ < window; });
  }

  bool waitForPunches(std::size_t punches) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 300s, [&] { return acked_ >= punches; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t acked_ = 0;
  int batches_acked_ = 0;
};

struct Round {
  std::string name;
  bool postgres = true;
  int nodes = 1;
  int connections = 0;  // storage_connections; 0: the relay's default
};

// One round; returns punches acked per second.
double runRound(const Options& options, const Round& round, int number) {
  const int nodes = round.nodes;
  testing::TempDir dir("punchlink-ingest-bench");
  std::optional<testing::PostgresServer> postgres;
  bench::RelayNode node{options.relay, dir.file("relay.db").string(), "", ""};
  if (round.postgres) {
    postgres.emplace(testing::PostgresServer::Durability::Production);
    node.storage = postgres->createDatabase("bench");
  }
  if (round.connections > 0) {
    node.extra_yaml = "storage_connections: " + std::to_string(round.connections) + "\n";
  }
  testing::MosquittoFixture broker(
      bench::brokerFor({"relay-0", "relay-1", "relay-2"}, options.sites));
  node.broker_url = broker.url();
  bench::createTenantWithSites(dir, node, "relay-0", options.sites);
  std::vector<std::unique_ptr<testing::ChildProcess>> relays;
  for (int n = 1; n <= nodes; ++n) {
    relays.push_back(
        bench::startRelay(dir, node, "relay-" + std::to_string(n), testing::freeLoopbackPort()));
  }

  SystemClock clock;
  Logger logger("bench", LogLevel::Error, StderrSink::detect(), clock);
  std::vector<std::unique_ptr<AckCounter>> counters;
  std::vector<std::unique_ptr<mqtt_client::MqttClient>> clients;
  for (int i = 0; i < options.sites; ++i) {
    counters.push_back(std::make_unique<AckCounter>());
    AckCounter& counter = *counters.back();
    clients.push_back(bench::siteClient(
        broker.url(), i, logger, [&counter](const mqtt_client::MqttMessage& message) {
          if (const auto ack = contract::decodeAck(message.payload)) {
            counter.onAck(ack->acked.size());
          }
        }));
  }
  bench::waitConnected(clients);
  for (int i = 0; i < options.sites; ++i) {
    if (auto subscribed = clients[static_cast<std::size_t>(i)]->subscribe(
            contract::SiteTopics(bench::siteName(i)).acks(), 1, 10s);
        !subscribed) {
      throw std::runtime_error("cannot subscribe to acks: " + subscribed.error().toString());
    }
  }

  const int per_site = options.punches / options.sites;
  const auto started = std::chrono::steady_clock::now();
  std::atomic<bool> failed{false};
  std::vector<std::thread> publishers;
  for (int i = 0; i < options.sites; ++i) {
    publishers.emplace_back([&, i] {
      int sent_batches = 0;
      for (int first = 0; first < per_site; first += options.batch) {
        if (!counters[static_cast<std::size_t>(i)]->waitForRoom(sent_batches, options.window)) {
          failed = true;
          return;
        }
        std::vector<std::string> punches;
        for (int n = first; n < std::min(per_site, first + options.batch); ++n) {
          // A serial of its own for every round.
          punches.push_back(contract::encodePunch(
              bench::benchPunch("SN-" + bench::siteName(i) + "-r" + std::to_string(number), n)));
        }
        const std::string batch = contract::encodePunchBatch(
            {bench::siteName(i), bench::siteName(i) + "-" + std::to_string(sent_batches),
             "2026-03-27T08:30:13Z"},
            punches);
        if (!clients[static_cast<std::size_t>(i)]->publish(
                {contract::SiteTopics(bench::siteName(i)).punches(), batch, 1, false, "", ""},
                10s)) {
          failed = true;
          return;
        }
        ++sent_batches;
      }
      if (!counters[static_cast<std::size_t>(i)]->waitForPunches(
              static_cast<std::size_t>(per_site))) {
        failed = true;
      }
    });
  }
  for (auto& publisher : publishers) {
    publisher.join();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  for (auto& client : clients) {
    client->stop();
  }
  if (failed) {
    throw std::runtime_error("not every batch was acked; relay log: " + relays.front()->log());
  }
  return per_site * options.sites / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (const auto error =
          bench::parseFlags(argc, argv,
                            {{"--relay", [&](const std::string& value) { options.relay = value; }},
                             {"--punches", bench::intFlag(options.punches)},
                             {"--sites", bench::intFlag(options.sites)},
                             {"--batch", bench::intFlag(options.batch)},
                             {"--window", bench::intFlag(options.window)}});
      !error.empty()) {
    std::cerr << "ingest_bench: " << error
              << "\nusage: ingest_bench --relay BIN [--punches N] [--sites S] [--batch B] "
                 "[--window W]\n";
    return 2;
  }
  if (options.relay.empty() || options.punches <= 0 || options.sites <= 0 || options.batch <= 0 ||
      options.window <= 0) {
    std::cerr << "ingest_bench: --relay is required; counts must be positive\n";
    return 2;
  }
  try {
    std::printf("ingest: %d punches from %d sites, batches of %d, %d in flight per site\n",
                options.punches, options.sites, options.batch, options.window);
    const std::vector<Round> rounds{
        {"SQLite, 1 node", false, 1, 0},
        {"PostgreSQL, 1 node, 1 connection", true, 1, 1},
        {"PostgreSQL, 1 node, default pool", true, 1, 0},
        {"PostgreSQL, 2 nodes, default pool", true, 2, 0},
    };
    double single = 0;
    for (std::size_t i = 0; i < rounds.size(); ++i) {
      const double rate = runRound(options, rounds[i], static_cast<int>(i));
      if (i == 1) {
        single = rate;
      }
      std::printf("  %-36s %8.0f punches/s committed and acked", (rounds[i].name + ":").c_str(),
                  rate);
      if (i >= 1) {
        std::printf(" (x%.2f the single connection)", rate / single);
      }
      std::printf("\n");
      std::fflush(stdout);
    }
  } catch (const std::exception& error) {
    std::cerr << "ingest_bench: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
