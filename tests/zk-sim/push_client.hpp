// zk-sim as an ADMS push terminal (shared/reference/adms-push.md §10): it calls a server's
// /iclock/* like attendance firmware does. Boot handshake (retried until answered, clock set
// from the Date header and TimeZone), the options post, the attendance backlog from the
// server's ATTLOGStamp in batches, each new punch (with mask and temperature) and device event
// (OPERLOG lines, or rtlog/rtstate for DeviceType acc) within a poll tick (Realtime=1), getrequest
// every Delay with INFO whenever the counts change, commands executed against the emulated
// state with one devicecmd post per batch (query data uploaded first), and every refused or
// failed request kept and retried after ErrorDelay.
#pragma once

#include "sim_device.hpp"

#include <punchlink/common/adms/adms_codec.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace punchlink::zksim {

struct PushClientOptions {
  std::string url;  // http://host:port of the server (the agent's push listener)
  // Before the first handshake reply sets ErrorDelay, and the poll delay until Delay arrives.
  std::chrono::milliseconds retry{30'000};
  std::size_t batch = 100;  // ATTLOG records per upload
  std::string push_version = "2.4.1";
  std::string device_type = "att";  // "acc": device events go as rtlog/rtstate, not OPLOG
  bool fahrenheit = false;          // send ATTLOG temperatures in °F (converted, one decimal)
  // Sent as ComKey= on every request when set, as firmware with IsPushComKey=1 does (§7).
  std::string comm_key;
  // The local address requests come from; empty: the system's choice. Lets a test be a second
  // host on loopback (127.0.0.2).
  std::string source_address;
};

struct PushClientStats {
  std::uint64_t handshakes = 0;
  std::uint64_t uploads = 0;  // accepted ATTLOG posts
  std::uint64_t refused = 0;  // requests answered with anything but 200, or not at all
  std::uint64_t polls = 0;
  std::uint64_t commands = 0;     // commands executed
  std::size_t uploaded = 0;       // attendance records the server has taken (the cursor)
  std::uint64_t event_lines = 0;  // OPLOG/rtlog/rtstate lines of device events accepted
  std::string last_error;
  std::string attlog_stamp;  // as the last handshake gave it
  int delay_s = 0;
  int error_delay_s = 0;
};

class PushClient {
 public:
  PushClient(SimDevice& device, PushClientOptions options);
  ~PushClient();
  PushClient(const PushClient&) = delete;
  PushClient& operator=(const PushClient&) = delete;
  PushClient(PushClient&&) = delete;
  PushClient& operator=(PushClient&&) = delete;

  void start();
  void stop();
  PushClientStats stats() const;

 private:
  struct Reply {
    int status = 0;
    std::string body;
    std::optional<std::chrono::system_clock::time_point> date;
  };

  void run(const std::stop_token& stop);
  bool handshake();
  bool postOptions();
  bool uploadNew();
  bool uploadEvents();
  // Posts the lines `line` makes of the events from `cursor` on as `table`; advances the cursor.
  template <typename Line, typename Make, typename Encode>
  bool uploadEventTable(const char* table, std::uint64_t& cursor, Make make, Encode encode);
  adms::AttendanceRecord attlogRecord(const SimPunch& punch) const;
  bool poll();
  bool postResults();
  std::vector<adms::CommandResult> execute(const std::string& reply);
  adms::CommandResult executeOne(const adms::QueuedCommand& queued);
  bool uploadQueryRecords(const std::string& id, LocalSeconds start, LocalSeconds end);
  bool uploadUsers(const std::optional<std::string>& pin);
  std::string infoValue() const;
  Reply request(const std::string& method,
                const std::string& path_and_query,
                const std::string& body,
                const std::string& content_type);
  bool accepted(const Reply& reply, const char* what);
  void waitFor(const std::stop_token& stop, std::chrono::milliseconds duration);

  SimDevice& device_;
  PushClientOptions options_;
  std::jthread thread_;

  // Owned by the client thread.
  bool need_handshake_ = true;
  bool options_posted_ = false;
  std::string last_info_;
  std::vector<adms::CommandResult> pending_results_;
  std::chrono::steady_clock::time_point next_poll_{};
  std::uint64_t oplog_cursor_ = 0;  // next event seq to upload, per table
  std::uint64_t rtlog_cursor_ = 0;
  std::uint64_t rtstate_cursor_ = 0;

  mutable std::mutex mutex_;  // guards stats_
  PushClientStats stats_;
};

}  // namespace punchlink::zksim
