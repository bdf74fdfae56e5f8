// zk-sim's control interface: JSON over HTTP on loopback, for tests, benchmarks, the demo and
// users' scripts. Stable routes:
//   POST /punches {"user_id","state","verify"[,"time","workcode"]} → 201 with the stored record
//   GET  /state        serial, users (with template counts), log size, device clock, counters,
//                      and what the caller adds (ZK sessions, push mode progress)
//   GET  /attendance   the attendance log
//   GET  /users/{user_id}   one user with base64 templates
//   POST /faults {...} arm faults; DELETE /faults clears them
#pragma once

#include "sim_device.hpp"

#include <punchlink/common/http_listener.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>

namespace punchlink::zksim {

class ControlServer {
 public:
  // `extra_state` returns fields merged into /state.
  ControlServer(SimDevice& device, std::function<nlohmann::json()> extra_state, std::uint16_t port);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  ControlServer(ControlServer&&) = delete;
  ControlServer& operator=(ControlServer&&) = delete;

  std::uint16_t port() const noexcept { return port_; }

 private:
  HttpListenerPtr server_;
  std::uint16_t port_ = 0;
};

}  // namespace punchlink::zksim
