// A real Mosquitto broker on a free loopback port, for integration tests (STYLE.md §8.3).
// Mosquitto has no ephemeral-port mode ("listener 0" is a unix socket), so the fixture asks the
// kernel for a free port, writes it into mosquitto.conf, and retries with a new port if the
// broker fails to bind. The broker's log is attached to failures.
#pragma once

#include <punchlink/testing/child_process.hpp>
#include <punchlink/testing/temp_dir.hpp>
#include <punchlink/testing/test_ca.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace punchlink::testing {

struct MosquittoUser {
  std::string name;
  std::string password;
};

struct MosquittoOptions {
  bool tls = false;
  // With users: anonymous clients are refused and each user needs its password.
  std::vector<MosquittoUser> users;
  // mosquitto ACL file contents (e.g. "user site-a\ntopic readwrite punchlink/a/#\n").
  std::string acl;
  // Keep sessions and queued messages across restart() (persistence on).
  bool persistence = true;
  // Log every packet (log_type all), for tests that read the broker's log when they fail.
  // Benchmarks turn it off: at thousands of messages a second the log costs the broker more
  // than routing them.
  bool log_packets = true;
};

class MosquittoFixture {
 public:
  // Starts the broker; throws std::runtime_error (with the broker log) if it does not come up.
  explicit MosquittoFixture(MosquittoOptions options = {});
  ~MosquittoFixture();
  MosquittoFixture(const MosquittoFixture&) = delete;
  MosquittoFixture& operator=(const MosquittoFixture&) = delete;
  MosquittoFixture(MosquittoFixture&&) = delete;
  MosquittoFixture& operator=(MosquittoFixture&&) = delete;

  std::uint16_t port() const noexcept { return port_; }

  // mqtts://127.0.0.1:port or mqtt://127.0.0.1:port
  std::string url() const;

  // Only with options.tls.
  const TestCa& ca() const { return ca_; }

  // Stops the broker (SIGTERM, so it saves persistence) and leaves it down until start().
  void stopBroker();
  // Starts it again on the same port.
  void startBroker();

  std::string log() const;

  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  void writeConfig();
  bool launch();

  MosquittoOptions options_;
  TempDir dir_;
  TestCa ca_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> broker_;
};

}  // namespace punchlink::testing
