// Test helper: connects with a last will, prints "connected", then waits to be killed, so the
// integration test can check that the broker publishes the will after an abrupt death.
// Usage: mqtt_will_helper URL CA_FILE USER PASSWORD WILL_TOPIC WILL_PAYLOAD
#include <punchlink/common/mqtt_client.hpp>

#include <chrono>
#include <cstdio>
#include <thread>

int main(int argc, char** argv) {
  using namespace punchlink;
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s URL CA_FILE USER PASSWORD WILL_TOPIC WILL_PAYLOAD\n", argv[0]);
    return 2;
  }
  SystemClock clock;
  Logger logger("will-helper", LogLevel::Info, StderrSink::detect(), clock);
  mqtt_client::MqttClientOptions options;
  options.server_uri = argv[1];
  options.ca_file = argv[2];
  options.username = argv[3];
  options.password = argv[4];
  options.client_id = "will-helper";
  options.keep_alive = std::chrono::seconds{2};
  options.will = mqtt_client::MqttWill{argv[5], argv[6], 1, true};
  auto client = mqtt_client::MqttClient::create(options, logger);
  if (!client) {
    std::fprintf(stderr, "%s\n", client.error().toString().c_str());
    return 1;
  }
  if (auto connected = (*client)->connect(std::chrono::seconds{10}); !connected) {
    std::fprintf(stderr, "%s\n", connected.error().toString().c_str());
    return 1;
  }
  std::printf("connected\n");
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::minutes{5});
  return 0;
}
