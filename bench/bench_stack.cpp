#include "bench_stack.hpp"

#include <punchlink/contract/topics.hpp>
#include <punchlink/testing/http_client.hpp>
#include <punchlink/testing/punch_ids.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace punchlink::bench {

using namespace std::chrono_literals;

long statusKb(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      return std::atol(line.c_str() + field.size() + 1);
    }
  }
  return -1;
}

std::string siteName(int i) { return "site-" + std::to_string(i + 1); }

testing::MosquittoOptions brokerFor(const std::vector<std::string>& relay_accounts, int sites) {
  testing::MosquittoOptions options;
  for (const auto& account : relay_accounts) {
    options.users.push_back({account, kRelayPassword});
    options.acl += "user " + account + "\ntopic readwrite punchlink/#\n\n";
  }
  for (int i = 0; i < sites; ++i) {
    options.users.push_back({siteName(i), kSitePassword});
  }
  options.acl += "pattern readwrite " + contract::siteAclPattern() + "\n";
  options.persistence = false;
  options.log_packets = false;
  return options;
}

std::filesystem::path relayConfig(testing::TempDir& dir,
                                  const RelayNode& node,
                                  const std::string& account,
                                  std::uint16_t port) {
  const auto password = dir.write("relay-password", std::string(kRelayPassword) + "\n");
  return dir.write(account + ".yaml",
                   "storage: " + node.storage +
                       "\nlog_level: warning\nhttp:\n  listen: 127.0.0.1:" + std::to_string(port) +
                       "\nbroker:\n  url: " + node.broker_url + "\n  client_id: " + account +
                       "\n  username: " + account + "\n  password_file: " + password.string() +
                       "\n" + node.extra_yaml);
}

std::string relayAdmin(testing::TempDir& dir,
                       const RelayNode& node,
                       const std::string& account,
                       const std::vector<std::string>& args) {
  std::vector<std::string> argv{node.binary, "--config",
                                relayConfig(dir, node, account, 1).string()};
  argv.insert(argv.end(), args.begin(), args.end());
  testing::ChildProcess process(argv, dir.file("admin.log"));
  if (process.waitForExit(60s) != 0) {
    throw std::runtime_error("admin command failed: " + process.log());
  }
  return process.log();
}

std::string createTenantWithSites(testing::TempDir& dir,
                                  const RelayNode& node,
                                  const std::string& account,
                                  int sites) {
  const std::string out = relayAdmin(dir, node, account, {"tenants", "create", "Bench"});
  const auto at = out.rfind("ten_");
  if (at == std::string::npos) {
    throw std::runtime_error("no tenant id in the output of tenants create: " + out);
  }
  const std::string tenant = out.substr(at, 20);
  for (int i = 0; i < sites; ++i) {
    relayAdmin(dir, node, account, {"sites", "create", "--tenant", tenant, siteName(i)});
  }
  return tenant;
}

std::unique_ptr<testing::ChildProcess> startRelay(testing::TempDir& dir,
                                                  const RelayNode& node,
                                                  const std::string& account,
                                                  std::uint16_t port) {
  auto relay = std::make_unique<testing::ChildProcess>(
      std::vector<std::string>{node.binary, "serve", "--config",
                               relayConfig(dir, node, account, port).string()},
      dir.file(account + ".log"));
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (true) {
    try {
      if (testing::httpRequest({port, {}}, "GET", "/healthz", "", {})
              .json()
              .value("broker_connected", false)) {
        return relay;
      }
    } catch (const std::exception&) {
      // not listening yet
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("the relay did not start and connect: " + relay->log());
    }
    std::this_thread::sleep_for(50ms);
  }
}

std::unique_ptr<mqtt_client::MqttClient> siteClient(
    const std::string& broker_url,
    int i,
    Logger& logger,
    std::function<void(const mqtt_client::MqttMessage&)> on_message) {
  mqtt_client::MqttClientOptions options;
  options.server_uri = broker_url;
  options.client_id = siteName(i);
  options.username = siteName(i);
  options.password = kSitePassword;
  auto client = mqtt_client::MqttClient::create(options, logger).value();
  if (on_message) {
    client->setMessageHandler(std::move(on_message));
  }
  client->start();
  return client;
}

void waitConnected(const std::vector<std::unique_ptr<mqtt_client::MqttClient>>& clients) {
  for (const auto& client : clients) {
    if (!client->waitConnected(20s)) {
      const auto error = client->lastError();
      throw std::runtime_error("a site client cannot connect: " +
                               (error ? error->toString() : std::string("no answer in 20 s")));
    }
  }
}

contract::Punch benchPunch(const std::string& serial, int n) {
  contract::Punch punch;
  punch.device_serial = serial;
  punch.user_id = "EMP_" + std::to_string(n % 500);
  punch.local_time = testing::nthLocalTime(n);
  punch.event_id = testing::punchEventId(punch.device_serial, punch.user_id, punch.local_time);
  punch.timestamp = "2026-03-27T08:30:12Z";
  punch.punch_type = "CheckIn";
  punch.method = "Fingerprint";
  return punch;
}

std::function<void(const std::string&)> intFlag(int& into) {
  return [&into](const std::string& value) { into = std::stoi(value); };
}

std::string parseFlags(int argc,
                       char** argv,
                       const std::map<std::string, std::function<void(const std::string&)>>& parse,
                       const std::map<std::string, std::function<void()>>& switches) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (const auto on = switches.find(flag); on != switches.end()) {
      on->second();
      continue;
    }
    const auto found = parse.find(flag);
    if (found == parse.end()) {
      return "unknown option " + flag;
    }
    if (i + 1 >= argc) {
      return flag + " needs a value";
    }
    try {
      found->second(argv[++i]);
    } catch (const std::exception& error) {
      return flag + ": " + error.what();
    }
  }
  return {};
}

}  // namespace punchlink::bench
