// DeviceSession: one supervised connection to one terminal, on its own thread, so a terminal
// that misbehaves never stalls another. It connects with capped, jittered backoff; reads the
// whole attendance log at connect and every resync interval (only records after its watermark
// become new rows); takes real-time punches (or polls); reports status on change and
// periodically; and runs the relay's commands queued for it while it is online.
#pragma once

#include "commands/command.hpp"
#include "config/agent_config.hpp"
#include "outbox/outbox.hpp"
#include "terminals/terminal.hpp"
#include "zk_net/zk_client.hpp"

#include <punchlink/common/backoff.hpp>
#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/time_zone.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace punchlink::agent::zk_terminal {

class DeviceSession final : public Terminal {
 public:
  DeviceSession(DeviceConfig config,
                Outbox& outbox,
                std::chrono::milliseconds status_interval,
                TerminalSinks sinks,
                Logger logger,
                const Clock& clock);
  ~DeviceSession() override;
  DeviceSession(const DeviceSession&) = delete;
  DeviceSession& operator=(const DeviceSession&) = delete;
  DeviceSession(DeviceSession&&) = delete;
  DeviceSession& operator=(DeviceSession&&) = delete;

  void start();
  void stop();

  void enqueue(Command command, std::chrono::system_clock::time_point expires) override;

  const std::string& name() const noexcept override { return config_.name; }

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
  Status syncLog(const char* source);
  Status readLogOnce(const DeviceWatermark& watermark,
                     bool& watermark_matched,
                     DeviceWatermark& next);
  Status refreshStatus();
  Status insertPunch(const std::string& user_id,
                     LocalSeconds time,
                     int state,
                     int verify,
                     std::uint32_t workcode,
                     const char* source);
  void runCommands();
  void expireCommands();
  CommandOutcome execute(const Command& command);
  Result<std::uint16_t> uidOf(const std::string& user_id, bool allocate);
  Status refreshUserIds();
  std::string resolveUserId(const std::string& reported, std::uint16_t uid) const;
  void setOffline(const std::string& reason);
  void publishStatus();
  bool sleepFor(const std::stop_token& stop, std::chrono::milliseconds duration);

  DeviceConfig config_;
  TimeZone zone_;
  Outbox& outbox_;
  std::chrono::milliseconds status_interval_;
  TerminalSinks sinks_;
  Logger logger_;
  const Clock& clock_;
  zk_net::ZkClient client_;
  Backoff backoff_;
  std::map<std::uint16_t, std::string> user_ids_;  // uid → user_id, for uid-only records

  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  std::deque<Queued> commands_;
  std::string serial_;
  bool online_ = false;
  std::string status_json_;
  std::string offline_reason_ = "not connected yet";
  zk_net::DeviceInfo info_;
  zk::FreeSizes sizes_;
  std::optional<std::int64_t> drift_seconds_;
  std::optional<std::chrono::system_clock::time_point> last_seen_;
  std::jthread thread_;
};

}  // namespace punchlink::agent::zk_terminal
