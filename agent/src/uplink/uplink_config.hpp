// The `uplink:` section as the uplink uses it (docs/agent-config.md#uplink): the broker and its
// credentials, batching and pacing. config/ parses it; here so the uplink needs nothing above it.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace punchlink::agent {

struct UplinkConfig {
  std::string broker;  // mqtts://host:port
  std::string client_id;
  std::string username;
  std::string password;  // from `password` or `password_file`
  std::string password_file;
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool verify_hostname = true;
  std::size_t batch_size = 100;
  std::chrono::milliseconds batch_delay{200};
  std::chrono::milliseconds ack_timeout{30'000};
  double drain_rate = 200;  // punches per second once a backlog drains
  std::size_t drain_burst = 500;
};

}  // namespace punchlink::agent
