// DeviceSession: one supervised connection to one ZK terminal, on its own thread, so a terminal
// that misbehaves never stalls another. It connects with capped, jittered backoff; at connect it
// reads the terminal's identity, users, status and log; then it runs queued commands, re-reads
// the log every poll or resync interval, refreshes the status and takes real-time punches. The
// work itself is LogSync's, CommandExecutor's and DeviceStatus's.
#pragma once

#include "commands/command.hpp"
#include "outbox/outbox.hpp"
#include "terminals/clock_policy.hpp"
#include "terminals/terminal.hpp"
#include "zk_net/zk_client.hpp"
#include "zk_terminal/command_executor.hpp"
#include "zk_terminal/device_status.hpp"
#include "zk_terminal/log_sync.hpp"
#include "zk_terminal/user_directory.hpp"
#include "zk_terminal/zk_device_config.hpp"

#include <punchlink/common/backoff.hpp>
#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/time_zone.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace punchlink::agent::zk_terminal {

class DeviceSession final : public Terminal {
 public:
  // `connect` opens links to the terminal (tests pass an emulated one).
  DeviceSession(std::string name,
                ZkDeviceConfig config,
                Outbox& outbox,
                std::chrono::milliseconds status_interval,
                TerminalSinks sinks,
                const ClockPolicies& clocks,
                Logger logger,
                const Clock& clock,
                zk_net::ZkLinkFactory connect = zk_net::connectZkLink);
  ~DeviceSession() override;
  DeviceSession(const DeviceSession&) = delete;
  DeviceSession& operator=(const DeviceSession&) = delete;
  DeviceSession(DeviceSession&&) = delete;
  DeviceSession& operator=(DeviceSession&&) = delete;

  // Starts the session's thread, which publishes the initial status and then runs step() until
  // stop(). stop() joins it and disconnects.
  void start();
  void stop();

  // One pass of the session's loop: connect (and sync) when offline, else run queued commands
  // and whatever is due (log read, status refresh, one real-time punch). Returns how long to
  // wait before the next pass (0 to go on at once; the backoff after a failure). The thread
  // calls it; tests call it directly instead of start(), never both.
  std::chrono::milliseconds step();

  void enqueue(Command command, std::chrono::system_clock::time_point expires) override;

  const std::string& name() const noexcept override { return name_; }

  // Known after the first connect.
  std::string serial() const override;

  std::string statusJson() const override;
  bool online() const override;

 private:
  struct Queued {
    Command command;
    std::chrono::system_clock::time_point expires;
  };

  void run(const std::stop_token& stop);
  Status connectAndSync();
  // The connected part of step(): how long to wait, or why the connection is given up.
  Result<std::chrono::milliseconds> serve();
  void runCommands();
  void expireCommands();
  void setOffline(const std::string& reason);
  // After each clock reading: the terminal's policy decides whether device.clock_drift goes out
  // and whether the clock is set (auto).
  Status checkClock();
  // The status refreshed, with the last log read's span.
  Status refreshStatus();
  // A door, alarm or denied-access event into the outbox, as a device event.
  Status storeDeviceEvent(const zk::DeviceEvent& event);
  std::chrono::milliseconds syncInterval() const;
  bool sleepFor(const std::stop_token& stop, std::chrono::milliseconds duration);

  std::string name_;
  ZkDeviceConfig config_;
  TimeZone zone_;
  std::chrono::milliseconds status_interval_;
  TerminalSinks sinks_;
  const ClockPolicies& clocks_;
  Outbox& outbox_;
  Logger logger_;
  const Clock& clock_;
  zk_net::ZkClient client_;
  Backoff backoff_;
  UserDirectory users_;
  DeviceStatus status_;
  LogSync log_;
  CommandExecutor executor_;

  // The loop's state between steps (device thread only).
  bool session_up_ = false;
  bool drift_raised_ = false;  // device.clock_drift sent for the drift going on
  std::chrono::steady_clock::time_point next_status_;
  std::chrono::steady_clock::time_point next_sync_;

  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::deque<Queued> commands_;
  std::jthread thread_;
};

}  // namespace punchlink::agent::zk_terminal
