// An agent's backlog and an agent's memory (issue #17, parts 4 and 5), with the real
// punchlink-agent and punchlink-relay processes and Mosquitto.
//
// Part 4: N punches (default 1,000,000) wait in an agent's outbox, as after an outage. They are
// written with the agent's own Outbox code before the agent starts. Then punchlink-agent starts
// against a running broker and relay, and the bench times until the agent's outbox has nothing
// unacknowledged: the relay acks a batch only after committing it, so that is "committed at the
// relay". The agent's drain pacing (uplink.drain_rate, a guard against many sites reconnecting at
// once) is lifted, so the figure is what the pipeline can do. It also prints the bytes each
// punch takes in the agent's outbox and in the relay's database, and both processes' peak RSS.
//
// Part 5: T zk-sim terminals (default 50), one agent reading them all; the agent's RSS once
// every terminal is online and again after 10 s.
#include "bench_stack.hpp"
#include "outbox/outbox.hpp"

#include <punchlink/common/sqlite_db.hpp>
#include <punchlink/contract/punch_batch.hpp>
#include <punchlink/testing/child_process.hpp>
#include <punchlink/testing/http_client.hpp>
#include <punchlink/testing/mosquitto_fixture.hpp>
#include <punchlink/testing/ports.hpp>
#include <punchlink/testing/postgres_server.hpp>
#include <punchlink/testing/temp_dir.hpp>
#include <punchlink/testing/zk_sim_process.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using namespace punchlink;

struct Options {
  std::string relay;   // punchlink-relay
  std::string agent;   // punchlink-agent
  std::string zk_sim;  // zk-sim
  int punches = 1'000'000;
  int batch_size = 0;  // 0: the agent's default
  int terminals = 50;
  bool postgres = false;
  std::string part = "all";
};

// One gauge of the agent's /metrics; nullopt when the agent does not answer (yet).
std::optional<double> agentGauge(std::uint16_t status_port, const std::string& name) {
  try {
    const auto reply = testing::httpRequest({status_port, {}}, "GET", "/metrics");
    std::istringstream lines(reply.body);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.rfind(name + " ", 0) == 0) {
        return std::stod(line.substr(name.size() + 1));
      }
    }
  } catch (const std::exception&) {
    // not listening yet
  }
  return std::nullopt;
}

// The agent's config: the site's account, no pacing of the backlog, the given devices.
std::filesystem::path agentConfig(testing::TempDir& dir,
                                  const std::string& broker_url,
                                  std::uint16_t status_port,
                                  int batch_size,
                                  const std::string& devices_yaml) {
  std::string yaml = "site_id: " + bench::siteName(0) + "\nuplink:\n  broker: " + broker_url +
                     "\n  password: " + bench::kSitePassword +
                     "\n  drain_rate: 100000000\n  drain_burst: 1000000\n";
  if (batch_size > 0) {
    yaml += "  batch_size: " + std::to_string(batch_size) + "\n";
  }
  yaml += "outbox:\n  path: " + dir.file("outbox.db").string() +
          "\n  max_size: 8GiB\nstatus:\n  listen: 127.0.0.1:" + std::to_string(status_port) +
          "\n  interval: 1s\nlog_level: warning\n" + devices_yaml;
  return dir.write("agent.yaml", yaml);
}

// Bytes of a SQLite file's tables and indexes, from its dbstat table, largest first; empty when
// this SQLite lacks dbstat.
std::string tableSizes(const std::string& path) {
  auto db = sqlite::Database::open(path);
  if (!db) {
    return {};
  }
  auto rows = db->prepare(
      "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY SUM(pgsize) DESC LIMIT 8");
  if (!rows) {
    return {};
  }
  std::string out;
  (void)rows->each([&](sqlite::Statement& row) {
    out += "    " + row.text(0) + ": " + std::to_string(row.integer(1) / 1024) + " kB\n";
  });
  return out;
}

struct Stack {
  Stack(const Options& options, testing::TempDir& dir)
      : broker(bench::brokerFor({"relay-admin", "relay-1"}, 1)) {
    std::string storage = dir.file("relay.db").string();
    if (options.postgres) {
      postgres.emplace(testing::PostgresServer::Durability::Production);
      storage = postgres->createDatabase("bench");
    }
    node = {options.relay, storage, broker.url(), ""};
    bench::createTenantWithSites(dir, node, "relay-admin", 1);
    relay = bench::startRelay(dir, node, "relay-1", testing::freeLoopbackPort());
  }

  std::optional<testing::PostgresServer> postgres;
  testing::MosquittoFixture broker;
  bench::RelayNode node;
  std::unique_ptr<testing::ChildProcess> relay;
};

int partBacklog(const Options& options) {
  testing::TempDir dir("punchlink-backlog-bench");
  // The backlog, written as the agent writes punches it reads from terminals.
  const auto fill_start = std::chrono::steady_clock::now();
  {
    auto outbox = agent::Outbox::open(dir.file("outbox.db").string(), 8ULL << 30U, 90);
    if (!outbox) {
      throw std::runtime_error("cannot open the outbox: " + outbox.error().toString());
    }
    constexpr int kChunk = 10'000;
    for (int from = 0; from < options.punches; from += kChunk) {
      std::vector<agent::OutboxPunch> chunk;
      for (int n = from; n < std::min(options.punches, from + kChunk); ++n) {
        const auto punch = bench::benchPunch("SN-BACKLOG", n);
        chunk.push_back({punch.event_id, punch.device_serial, contract::encodePunch(punch)});
      }
      if (auto inserted = (*outbox)->insert(chunk, 1'790'000'000'000); !inserted) {
        throw std::runtime_error("cannot fill the outbox: " + inserted.error().toString());
      }
    }
  }
  const double fill_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - fill_start).count();
  const auto outbox_bytes = std::filesystem::file_size(dir.file("outbox.db"));
  const std::string outbox_tables = tableSizes(dir.file("outbox.db").string());

  // The agent needs a terminal; this one has nothing in its log.
  testing::ZkSimProcess terminal(options.zk_sim, {"--users", "5", "--logs", "0"});
  Stack stack(options, dir);
  const std::uint16_t status_port = testing::freeLoopbackPort();
  const auto config = agentConfig(dir, stack.broker.url(), status_port, options.batch_size,
                                  "devices:\n  - name: door\n    host: 127.0.0.1\n    port: " +
                                      std::to_string(terminal.port()) + "\n    time_zone: UTC\n");
  const auto start = std::chrono::steady_clock::now();
  testing::ChildProcess agent({options.agent, "--config", config.string()}, dir.file("agent.log"));
  double pending = -1;
  long agent_hwm = 0;
  long relay_hwm = 0;
  while (std::chrono::steady_clock::now() - start < 900s) {
    std::this_thread::sleep_for(200ms);
    if (!agent.running()) {
      throw std::runtime_error("the agent stopped: " + agent.log());
    }
    agent_hwm = std::max(agent_hwm, bench::statusKb(agent.pid(), "VmHWM"));
    relay_hwm = std::max(relay_hwm, bench::statusKb(stack.relay->pid(), "VmHWM"));
    if (const auto now_pending = agentGauge(status_port, "punchlink_agent_outbox_pending")) {
      pending = *now_pending;
      if (pending == 0) {
        break;
      }
    }
  }
  const double drain_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const long agent_rss = bench::statusKb(agent.pid(), "VmRSS");
  const long relay_rss = bench::statusKb(stack.relay->pid(), "VmRSS");
  agent.stop();
  stack.relay->stop();  // the last connection checkpoints the WAL into the file

  std::printf(
      "backlog: %d punches in the agent's outbox (written in %.1f s), %s relay%s\n"
      "  committed at the relay in %.1f s from the agent's start: %.0f punches/s%s; "
      "<= 60 s for 1,000,000: %s\n"
      "  agent RSS %ld kB now, %ld kB peak; relay RSS %ld kB now, %ld kB peak\n"
      "  agent outbox: %.0f bytes per punch (%llu bytes)\n%s",
      options.punches, fill_s, options.postgres ? "PostgreSQL" : "SQLite",
      options.batch_size > 0 ? (", batch_size " + std::to_string(options.batch_size)).c_str()
                             : ", default batch_size",
      drain_s, options.punches / drain_s,
      pending == 0 ? "" : (" (NOT DONE: " + std::to_string(pending) + " pending)").c_str(),
      options.punches < 1'000'000 ? "not judged (the rate falls as a backlog grows: run 1,000,000)"
      : pending == 0 && drain_s <= 60 ? "yes"
                                      : "NO",
      agent_rss, agent_hwm, relay_rss, relay_hwm,
      static_cast<double>(outbox_bytes) / options.punches,
      static_cast<unsigned long long>(outbox_bytes), outbox_tables.c_str());
  if (!options.postgres) {
    const auto relay_bytes = std::filesystem::file_size(dir.file("relay.db"));
    std::printf("  relay database: %.0f bytes per punch (%llu bytes)\n%s",
                static_cast<double>(relay_bytes) / options.punches,
                static_cast<unsigned long long>(relay_bytes),
                tableSizes(dir.file("relay.db").string()).c_str());
  }
  return pending == 0 ? 0 : 1;
}

int partTerminals(const Options& options) {
  constexpr int kLogRecords = 50;
  testing::TempDir dir("punchlink-terminals-bench");
  std::vector<std::unique_ptr<testing::ZkSimProcess>> terminals;
  std::string devices = "devices:\n";
  for (int i = 0; i < options.terminals; ++i) {
    char serial[32];
    std::snprintf(serial, sizeof serial, "BENCH%09d", i);
    terminals.push_back(std::make_unique<testing::ZkSimProcess>(
        options.zk_sim,
        std::vector<std::string>{"--serial", serial, "--users", "20", "--logs",
                                 std::to_string(kLogRecords), "--seed", std::to_string(i)}));
    devices += "  - name: t" + std::to_string(i) +
               "\n    host: 127.0.0.1\n    port: " + std::to_string(terminals.back()->port()) +
               "\n    time_zone: UTC\n";
  }
  Stack stack(options, dir);
  const std::uint16_t status_port = testing::freeLoopbackPort();
  const auto config = agentConfig(dir, stack.broker.url(), status_port, 0, devices);
  const auto start = std::chrono::steady_clock::now();
  testing::ChildProcess agent({options.agent, "--config", config.string()}, dir.file("agent.log"));
  double online = 0;
  double acked = 0;
  while (std::chrono::steady_clock::now() - start < 120s) {
    std::this_thread::sleep_for(250ms);
    if (!agent.running()) {
      throw std::runtime_error("the agent stopped: " + agent.log());
    }
    online = agentGauge(status_port, "punchlink_agent_devices_online").value_or(0);
    acked = agentGauge(status_port, "punchlink_agent_punches_acked_total").value_or(0);
    if (online >= options.terminals && acked >= options.terminals * kLogRecords) {
      break;
    }
  }
  const double ready_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const long rss_ready = bench::statusKb(agent.pid(), "VmRSS");
  std::this_thread::sleep_for(10s);
  const long rss = bench::statusKb(agent.pid(), "VmRSS");
  const long hwm = bench::statusKb(agent.pid(), "VmHWM");
  const long anon = bench::statusKb(agent.pid(), "RssAnon");
  const long file = bench::statusKb(agent.pid(), "RssFile");
  const long threads = bench::statusKb(agent.pid(), "Threads");
  std::printf(
      "terminals: %d zk-sim terminals (20 users, 50 log records each), one agent\n"
      "  online: %.0f of %d after %.1f s, %.0f of %d log records acknowledged\n"
      "  agent RSS %ld kB then, %ld kB 10 s later (%ld kB anonymous, %ld kB mapped files such as "
      "shared libraries), %ld kB peak, %ld threads; < 20 MB: %s\n"
      "  relay RSS %ld kB\n",
      options.terminals, online, options.terminals, ready_s, acked, options.terminals * kLogRecords,
      rss_ready, rss, anon, file, hwm, threads,
      hwm < 20 * 1024 && online >= options.terminals ? "yes" : "NO",
      bench::statusKb(stack.relay->pid(), "VmRSS"));
  return online >= options.terminals ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  const auto text = [](std::string& into) {
    return [&into](const std::string& value) { into = value; };
  };
  if (const auto error = bench::parseFlags(argc, argv,
                                           {{"--relay", text(options.relay)},
                                            {"--agent", text(options.agent)},
                                            {"--zk-sim", text(options.zk_sim)},
                                            {"--punches", bench::intFlag(options.punches)},
                                            {"--batch-size", bench::intFlag(options.batch_size)},
                                            {"--terminals", bench::intFlag(options.terminals)},
                                            {"--part", text(options.part)}},
                                           {{"--postgres", [&] { options.postgres = true; }}});
      !error.empty()) {
    std::cerr << "backlog_bench: " << error
              << "\nusage: backlog_bench --relay BIN --agent BIN --zk-sim BIN [--punches N] "
                 "[--batch-size B] [--terminals T] [--part 4|5] [--postgres]\n";
    return 2;
  }
  if (options.relay.empty() || options.agent.empty() || options.zk_sim.empty() ||
      options.punches <= 0 || options.terminals <= 0 || options.batch_size < 0 ||
      (options.part != "all" && options.part != "4" && options.part != "5")) {
    std::cerr << "backlog_bench: --relay, --agent and --zk-sim are required; counts must be "
                 "positive; --part is 4 or 5\n";
    return 2;
  }
  try {
    int status = 0;
    if (options.part != "5") {
      status |= partBacklog(options);
    }
    if (options.part != "4") {
      status |= partTerminals(options);
    }
    return status;
  } catch (const std::exception& error) {
    std::cerr << "backlog_bench: " << error.what() << "\n";
    return 2;
  }
}
