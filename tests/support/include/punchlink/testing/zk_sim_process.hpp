// Runs the real zk-sim binary for a test, waits for its ready line and talks to its control API.
#pragma once

#include <punchlink/testing/child_process.hpp>
#include <punchlink/testing/temp_dir.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace punchlink::testing {

class ZkSimProcess {
 public:
  // Starts `binary` with `args` (plus --port 0 --control-port 0 unless given). Throws with the
  // emulator's output if it does not print its ready line within 15 s.
  ZkSimProcess(const std::string& binary, std::vector<std::string> args);
  ~ZkSimProcess();
  ZkSimProcess(const ZkSimProcess&) = delete;
  ZkSimProcess& operator=(const ZkSimProcess&) = delete;
  ZkSimProcess(ZkSimProcess&&) = delete;
  ZkSimProcess& operator=(ZkSimProcess&&) = delete;

  std::uint16_t port() const noexcept { return port_; }

  std::uint16_t controlPort() const noexcept { return control_port_; }

  const std::string& serial() const noexcept { return serial_; }

  // Control API calls; throw std::runtime_error on transport errors, return status and body.
  struct Response {
    int status = 0;
    nlohmann::json body;
  };

  Response get(const std::string& path) const;
  Response post(const std::string& path, const nlohmann::json& body) const;
  Response del(const std::string& path) const;

  nlohmann::json state() const { return get("/state").body; }

  // Records a punch (POST /punches) and returns it; throws if zk-sim refuses it. `time` is the
  // device-local "YYYY-MM-DD HH:MM:SS", empty for the device's clock now.
  nlohmann::json punch(const std::string& user_id,
                       int state = 0,
                       int verify = 1,
                       const std::string& time = "") const;

  std::string log() const { return process_->log(); }

  void stop() { process_->stop(); }

  void kill() { process_->kill(); }

 private:
  Response call(const std::string& method, const std::string& path, const std::string& body) const;

  TempDir dir_;
  std::unique_ptr<ChildProcess> process_;
  std::uint16_t port_ = 0;
  std::uint16_t control_port_ = 0;
  std::string serial_;
};

}  // namespace punchlink::testing
