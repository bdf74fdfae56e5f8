// Ingest throughput of the relay on PostgreSQL, for one node and for two nodes in the same run:
// sites publish batches of punches over MQTT (as their agents would), relay nodes in one shared
// subscription group store them and ack them after the commit, and the figure is punches whose
// ack came back per second. Each round gets a fresh PostgreSQL server (fsync on, as in
// production) and a fresh Mosquitto, all on loopback. Run by bench/scale-out.sh.
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

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
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

std::string siteName(int i) { return "site-" + std::to_string(i + 1); }

// One round: `nodes` relay nodes; returns punches acked per second.
double runRound(const Options& options, int nodes) {
  testing::TempDir dir("punchlink-ingest-bench");
  testing::PostgresServer postgres(testing::PostgresServer::Durability::Production);
  const std::string storage = postgres.createDatabase("bench");

  testing::MosquittoOptions broker_options;
  // Each node its own account: the broker makes usernames the client ids.
  for (int node = 0; node <= 2; ++node) {
    const std::string account = "relay-" + std::to_string(node);
    broker_options.users.push_back({account, "relay-secret"});
    broker_options.acl += "user " + account + "\ntopic readwrite punchlink/#\n\n";
  }
  for (int i = 0; i < options.sites; ++i) {
    broker_options.users.push_back({siteName(i), "site-secret"});
  }
  broker_options.acl += contract::siteAclPattern() + "\n";
  broker_options.persistence = false;
  testing::MosquittoFixture broker(broker_options);

  dir.write("relay-password", "relay-secret\n");
  const auto config_for = [&](int node, std::uint16_t port) {
    return dir.write("relay-" + std::to_string(node) + ".yaml",
                     "storage: " + storage + "\nlog_level: warning\nhttp:\n  listen: 127.0.0.1:" +
                         std::to_string(port) + "\nbroker:\n  url: " + broker.url() +
                         "\n  client_id: relay-" + std::to_string(node) + "\n  username: relay-" +
                         std::to_string(node) +
                         "\n  password_file: " + dir.file("relay-password").string() + "\n");
  };
  const auto admin = [&](std::vector<std::string> args) {
    std::vector<std::string> argv{options.relay, "--config", config_for(0, 1).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    testing::ChildProcess process(argv, dir.file("admin.log"));
    if (process.waitForExit(60s) != 0) {
      throw std::runtime_error("admin command failed: " + process.log());
    }
    return process.log();
  };
  const std::string tenant_out = admin({"tenants", "create", "Bench"});
  const std::string tenant = tenant_out.substr(tenant_out.rfind("ten_"), 20);
  for (int i = 0; i < options.sites; ++i) {
    admin({"sites", "create", "--tenant", tenant, siteName(i)});
  }

  std::vector<std::unique_ptr<testing::ChildProcess>> relays;
  for (int node = 1; node <= nodes; ++node) {
    const std::uint16_t port = testing::freeLoopbackPort();
    relays.push_back(std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{options.relay, "serve", "--config",
                                 config_for(node, port).string()},
        dir.file("relay-" + std::to_string(node) + ".log")));
    if (!testing::waitForPort(port, 20s)) {
      throw std::runtime_error("relay node did not start: " + relays.back()->log());
    }
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!testing::httpRequest({port, {}}, "GET", "/healthz", "", {})
                .json()
                .value("broker_connected", false)) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("relay node did not connect to the broker");
      }
      std::this_thread::sleep_for(50ms);
    }
  }

  SystemClock clock;
  Logger logger("bench", LogLevel::Error, StderrSink::detect(), clock);
  std::vector<std::unique_ptr<AckCounter>> counters;
  std::vector<std::unique_ptr<mqtt_client::MqttClient>> clients;
  for (int i = 0; i < options.sites; ++i) {
    counters.push_back(std::make_unique<AckCounter>());
    mqtt_client::MqttClientOptions client_options;
    client_options.server_uri = broker.url();
    client_options.client_id = siteName(i);
    client_options.username = siteName(i);
    client_options.password = "site-secret";
    auto client = mqtt_client::MqttClient::create(client_options, logger).value();
    AckCounter& counter = *counters.back();
    client->setMessageHandler([&counter](const mqtt_client::MqttMessage& message) {
      if (const auto ack = contract::decodeAck(message.payload)) {
        counter.onAck(ack->acked.size());
      }
    });
    if (auto connected = client->connect(10s); !connected) {
      throw std::runtime_error("site client cannot connect: " + connected.error().toString());
    }
    client->start();
    if (auto subscribed = client->subscribe(contract::SiteTopics(siteName(i)).acks(), 1, 10s);
        !subscribed) {
      throw std::runtime_error("cannot subscribe to acks: " + subscribed.error().toString());
    }
    clients.push_back(std::move(client));
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
          // Ids as agents derive them (the relay checks); new for every round's serial.
          contract::Punch punch;
          punch.device_serial = "SN-" + siteName(i) + "-r" + std::to_string(nodes);
          punch.user_id = "EMP_" + std::to_string(n % 500);
          punch.local_time = testing::nthLocalTime(n);
          punch.event_id =
              testing::punchEventId(punch.device_serial, punch.user_id, punch.local_time);
          punch.timestamp = "2026-03-27T08:30:12Z";
          punch.punch_type = "CheckIn";
          punch.method = "Fingerprint";
          punches.push_back(contract::encodePunch(punch));
        }
        const std::string batch = contract::encodePunchBatch(
            {siteName(i), siteName(i) + "-" + std::to_string(sent_batches), "2026-03-27T08:30:13Z"},
            punches);
        if (!clients[static_cast<std::size_t>(i)]->publish(
                {contract::SiteTopics(siteName(i)).punches(), batch, 1, false, "", ""}, 10s)) {
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
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        throw std::runtime_error(flag + " needs a value");
      }
      return argv[++i];
    };
    try {
      if (flag == "--relay") {
        options.relay = value();
      } else if (flag == "--punches") {
        options.punches = std::stoi(value());
      } else if (flag == "--sites") {
        options.sites = std::stoi(value());
      } else if (flag == "--batch") {
        options.batch = std::stoi(value());
      } else if (flag == "--window") {
        options.window = std::stoi(value());
      } else {
        std::cerr << "ingest_bench: unknown option " << flag
                  << "\nusage: ingest_bench --relay BIN [--punches N] [--sites S] [--batch B] "
                     "[--window W]\n";
        return 2;
      }
    } catch (const std::exception& error) {
      std::cerr << "ingest_bench: " << flag << ": " << error.what() << "\n";
      return 2;
    }
  }
  if (options.relay.empty() || options.punches <= 0 || options.sites <= 0 || options.batch <= 0 ||
      options.window <= 0) {
    std::cerr << "ingest_bench: --relay is required; counts must be positive\n";
    return 2;
  }
  try {
    std::printf(
        "ingest on PostgreSQL: %d punches from %d sites, batches of %d, %d in flight "
        "per site\n",
        options.punches, options.sites, options.batch, options.window);
    double one = 0;
    for (const int nodes : {1, 2}) {
      const double rate = runRound(options, nodes);
      if (nodes == 1) {
        one = rate;
      }
      std::printf("  %d node%s: %8.0f punches/s committed and acked (x%.2f)\n", nodes,
                  nodes == 1 ? " " : "s", rate, rate / one);
      std::fflush(stdout);
    }
  } catch (const std::exception& error) {
    std::cerr << "ingest_bench: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
