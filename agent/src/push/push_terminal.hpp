// PushTerminal: one terminal that calls the agent over iclock HTTP push. It answers the
// terminal's requests (handshake, uploads, polls, command results), keeps what the terminal
// sends in the outbox before answering OK, queues the relay's commands for its next poll and
// reports them once the terminal's results are in, and knows whether the terminal is online
// (it polled within offline_after). Sockets are not its business: PushListener parses HTTP and
// hands it a PushRequest; tests do the same without a network.
#pragma once

#include "commands/command.hpp"
#include "outbox/outbox.hpp"
#include "push/push_command_plan.hpp"
#include "push/push_config.hpp"
#include "terminals/terminal.hpp"

#include <punchlink/common/adms/adms_codec.hpp>
#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/time_zone.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace punchlink::agent {

struct PushRequest {
  adms::Endpoint endpoint = adms::Endpoint::Unknown;
  bool post = false;
  adms::IclockQuery query;
  std::string body;
  std::string remote_address;
};

struct PushReply {
  int status = 200;
  std::string body = "OK";
};

class PushTerminal final : public Terminal {
 public:
  // `push` must outlive the terminal.
  PushTerminal(std::string name,
               PushDeviceConfig device,
               const PushConfig& push,
               Outbox& outbox,
               TerminalSinks sinks,
               Logger logger,
               const Clock& clock);

  const std::string& name() const noexcept override { return name_; }

  std::string serial() const override { return device_.serial; }

  std::string statusJson() const override;
  bool online() const override;
  void enqueue(Command command, std::chrono::system_clock::time_point expires) override;

  // Answers one request of this terminal, after checking that it may speak for the serial
  // (host, comm key, address pin; push_access.hpp). Never throws; every non-200 reply says why.
  PushReply handle(const PushRequest& request);

  // Marks the terminal offline when it has not called for offline_after, and fails commands
  // that expired or were sent command_attempts times without a result. Called every second.
  void tick();

 private:
  struct Step {
    std::string id;
    adms::Command command;
    int sends = 0;
    std::chrono::system_clock::time_point sent_at;
    bool done = false;
  };

  struct Job {
    Command command;
    std::chrono::system_clock::time_point expires;
    PushPlan plan;
    std::size_t phase = 0;
    std::vector<Step> steps;  // of the current phase
    std::chrono::system_clock::time_point phase_started;
    PushProgress progress;
  };

  struct Finished {
    Command command;
    CommandOutcome outcome;
  };

  // nullopt when the request may speak for this serial (pinning it if it is the first), else
  // the refusal (403, or 503 when the pin cannot be read or stored). Call with mutex_ held.
  std::optional<PushReply> admit(const PushRequest& request);
  PushReply answer(const PushRequest& request, std::vector<Finished>& finished);
  PushReply handshake(const PushRequest& request);
  PushReply upload(const PushRequest& request);
  PushReply uploadAttendance(const PushRequest& request);
  PushReply uploadOperations(const PushRequest& request, const std::string& table);
  PushReply uploadRtLog(const PushRequest& request);
  PushReply uploadRtState(const PushRequest& request);
  // Commits punches and device events of one upload; OK for its `lines`, or 503 to resend.
  PushReply store(const std::vector<OutboxPunch>& rows, std::size_t lines);
  PushReply poll(const PushRequest& request);
  PushReply results(const PushRequest& request, std::vector<Finished>& finished);
  void startPhase(Job& job);
  // Why `job`'s next phase may not go to the terminal yet (its plan's relay_complete_before:
  // records the relay has not acknowledged), or nullopt. Call with mutex_ held.
  std::optional<std::string> awaitingRelay(const Job& job);
  std::optional<std::size_t> jobOfStep(const std::string& id) const;
  void finish(std::size_t index, CommandOutcome outcome, std::vector<Finished>& finished);
  void failExpired(std::vector<Finished>& finished);
  void report(std::vector<Finished>& finished);
  bool markSeen(const std::string& address);
  // The last thing that went wrong with this terminal's requests, for the status.
  void noteError(std::string error);
  void publishStatus();
  std::string statusJsonLocked() const;
  std::int64_t nowMs() const;

  std::string name_;
  PushDeviceConfig device_;
  const PushConfig& push_;
  TimeZone zone_;
  Outbox& outbox_;
  TerminalSinks sinks_;
  Logger logger_;
  const Clock& clock_;

  mutable std::mutex mutex_;
  bool online_ = false;
  std::string offline_reason_ = "has not called yet";
  std::optional<std::chrono::system_clock::time_point> last_seen_;
  std::string address_;
  std::string push_version_;
  std::string device_type_ = "att";
  std::optional<adms::DeviceInfo> info_;
  std::map<std::string, std::string> options_;  // from table=options
  std::map<int, adms::DoorState> door_states_;  // by door, from table=rtstate
  std::string last_error_;
  std::chrono::system_clock::time_point last_error_at_;
  bool status_dirty_ = false;  // INFO or options changed what the status shows
  std::deque<Job> jobs_;
  std::uint64_t next_step_id_;
};

}  // namespace punchlink::agent
