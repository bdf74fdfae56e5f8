// What is known about one ZK terminal: online or why not, identity, counts, clock drift and last
// contact, and the status JSON built from it (docs/mqtt-contract.md, devices/<serial>/status).
// Thread-safe: the device thread writes, the app's threads read.
#pragma once

#include "terminals/clock_policy.hpp"
#include "terminals/terminal.hpp"
#include "zk_net/zk_client.hpp"
#include "zk_terminal/zk_device_config.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/result.hpp>
#include <punchlink/common/time_zone.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace punchlink::agent::zk_terminal {

class DeviceStatus {
 public:
  // `sink` (may be empty) receives every published status.
  DeviceStatus(std::string name,
               ZkDeviceConfig config,
               TimeZone zone,
               Terminal::StatusSink sink,
               Logger logger,
               const Clock& clock);

  // Reads the terminal's free sizes and clock: counts, storage, clock drift (logged, rate-limited,
  // beyond two minutes) and last contact. Errors are the terminal's; nothing changes then.
  Status refresh(zk_net::ZkClient& client);

  // What the terminal said about itself at connect; its serial keys the status from then on.
  void setIdentity(const zk_net::DeviceInfo& info);
  void setOnline();
  // Returns whether this changed anything (it was online, or offline for another reason), so
  // the caller logs and publishes once per change.
  bool setOffline(const std::string& reason);

  // Builds the JSON and hands it to the sink, keyed by the serial once known, else the name.
  void publish();

  // The log as the last full read found it (LogSync::LogSpan): reported for reconciliation.
  void setLogSpan(std::int64_t records,
                  const std::string& oldest,
                  const std::string& newest,
                  std::chrono::system_clock::time_point read_at);
  // The clock policy in force, shown in the status.
  void setClockSettings(const ClockSettings& settings);
  // Terminal minus agent at the last refresh, seconds; and the terminal's clock then.
  std::optional<std::int64_t> drift() const;
  // The terminal's own count of attendance records at the last refresh (its free sizes);
  // nullopt before the first.
  std::optional<std::int64_t> terminalRecords() const;

  std::string deviceTime() const;

  std::string serial() const;
  bool online() const;
  std::string offlineReason() const;
  // The last published JSON, empty before the first publish.
  std::string json() const;

 private:
  std::string buildJsonLocked() const;

  std::string name_;
  ZkDeviceConfig config_;
  TimeZone zone_;
  Terminal::StatusSink sink_;
  Logger logger_;
  const Clock& clock_;

  mutable std::mutex mutex_;
  std::string serial_;
  bool online_ = false;
  std::string offline_reason_ = "not connected yet";
  zk_net::DeviceInfo info_;
  zk::FreeSizes sizes_;
  std::optional<std::int64_t> drift_seconds_;
  std::string device_time_;
  std::optional<std::chrono::system_clock::time_point> clock_checked_at_;
  std::optional<ClockSettings> clock_settings_;
  std::optional<std::int64_t> log_records_;
  std::string log_oldest_;
  std::string log_newest_;
  std::optional<std::chrono::system_clock::time_point> log_read_at_;
  std::optional<std::chrono::system_clock::time_point> last_seen_;
  std::string json_;
};

}  // namespace punchlink::agent::zk_terminal
