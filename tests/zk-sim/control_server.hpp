// zk-sim's control interface: JSON over HTTP on loopback, for tests, benchmarks, the demo and
// users' scripts. Stable routes (README.md has the table):
//   POST /punches {"user_id","state","verify"[,"time","workcode","temperature","mask"]} → 201
//                      with the stored record
//   POST /events {"type"[,"user_id","door","time"]} → 201 with the event and what each channel
//                      sends; 409 when no channel can carry it (door_opened without push mode)
//   POST /clock {"offset_s"} → the clock runs that many seconds off real time
//   GET  /state        serial, users (with template counts), log size, device clock and offset,
//                      counters (events by type), and what the caller adds (ZK sessions, push
//                      mode progress)
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
#include <string>

namespace punchlink::zksim {

class ControlServer {
 public:
  // `extra_state` returns fields merged into /state. `push_device_type` is the push mode's
  // DeviceType ("att" or "acc"), empty when zk-sim is a ZK terminal only.
  ControlServer(SimDevice& device,
                std::function<nlohmann::json()> extra_state,
                std::uint16_t port,
                std::string push_device_type = {});
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
