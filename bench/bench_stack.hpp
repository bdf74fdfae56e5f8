// What the benches that run punchlink-relay as a process share: a Mosquitto with the relay's
// and the sites' accounts, the relay's config and admin commands, a relay node started and
// connected, sites publishing as agents, and their command lines.
#pragma once

#include <punchlink/common/log.hpp>
#include <punchlink/common/mqtt_client.hpp>
#include <punchlink/contract/punch_batch.hpp>
#include <punchlink/testing/child_process.hpp>
#include <punchlink/testing/mosquitto_fixture.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace punchlink::bench {

inline constexpr const char* kRelayPassword = "relay-secret";
inline constexpr const char* kSitePassword = "site-secret";

std::string siteName(int i);

// A /proc/<pid>/status figure in kB ("VmRSS", "VmHWM"); -1 when absent.
long statusKb(pid_t pid, const std::string& field);

// A broker with an account per relay name (the broker makes usernames the client ids) and one
// per site, the per-site ACL, and no persistence.
testing::MosquittoOptions brokerFor(const std::vector<std::string>& relay_accounts, int sites);

struct RelayNode {
  std::string binary;   // punchlink-relay
  std::string storage;  // its storage: line
  std::string broker_url;
  std::string extra_yaml;  // appended to every config written
};

// Writes `account`.yaml for `node` with its API on 127.0.0.1:`port`.
std::filesystem::path relayConfig(testing::TempDir& dir,
                                  const RelayNode& node,
                                  const std::string& account,
                                  std::uint16_t port);
// Runs an admin command (`tenants create Bench`, …) as `account`; its output. Throws on failure.
std::string relayAdmin(testing::TempDir& dir,
                       const RelayNode& node,
                       const std::string& account,
                       const std::vector<std::string>& args);
// Creates tenant "Bench" and sites 0..sites-1 with admin commands; returns the tenant's id.
// Throws when a command fails or prints no tenant id.
std::string createTenantWithSites(testing::TempDir& dir,
                                  const RelayNode& node,
                                  const std::string& account,
                                  int sites);
// `relay serve` as `account`, once /healthz says it reached the broker. Throws otherwise.
std::unique_ptr<testing::ChildProcess> startRelay(testing::TempDir& dir,
                                                  const RelayNode& node,
                                                  const std::string& account,
                                                  std::uint16_t port);

// Site `i`'s MQTT client, started (connecting in the background), handing what it receives to
// `on_message`. Start them all, then waitConnected(): Paho's one receive thread per process
// notices a new connection only at its next 1 s poll, so connecting 20 clients one after the
// other took ~35 s.
std::unique_ptr<mqtt_client::MqttClient> siteClient(
    const std::string& broker_url,
    int i,
    Logger& logger,
    std::function<void(const mqtt_client::MqttMessage&)> on_message = {});
// Waits until every client is connected; throws with the reason when one is not in 20 s.
void waitConnected(const std::vector<std::unique_ptr<mqtt_client::MqttClient>>& clients);
// Punch `n` of terminal `serial`, with the event id agents derive (the relay checks it).
contract::Punch benchPunch(const std::string& serial, int n);

// A parser for parseFlags() that reads an integer into `into`.
std::function<void(const std::string&)> intFlag(int& into);

// `--flag value` options: `parse` is called with each flag's value and throws on a bad one;
// `switches` take no value. Returns an error text, empty when every argument was understood.
std::string parseFlags(int argc,
                       char** argv,
                       const std::map<std::string, std::function<void(const std::string&)>>& parse,
                       const std::map<std::string, std::function<void()>>& switches = {});

}  // namespace punchlink::bench
