// Collecting a ZK terminal's punches into the outbox: the whole attendance log read against the
// terminal's watermark (only records after it become rows; a log that was cleared or rotated is
// read again from the start), and real-time punches one by one. Used by the device thread only.
#pragma once

#include "outbox/outbox.hpp"
#include "terminals/terminal.hpp"
#include "zk_net/zk_client.hpp"
#include "zk_terminal/user_directory.hpp"

#include <punchlink/common/clock.hpp>
#include <punchlink/common/log.hpp>
#include <punchlink/common/result.hpp>
#include <punchlink/common/time_zone.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace punchlink::agent::zk_terminal {

class LogSync {
 public:
  // `punches` (may be empty) hears how many rows each read or punch added to the outbox.
  LogSync(std::string device_name,
          TimeZone zone,
          Outbox& outbox,
          Terminal::PunchSink punches,
          Logger logger,
          const Clock& clock);

  // Reads the log of the terminal with `serial` and stores what is new since the watermark, then
  // moves the watermark to the log's end. `trigger` ("connect", "poll", "resync") is logged when
  // the log turns out to have changed. Returns how many rows were new; errors are the terminal's
  // or the outbox's (the watermark then stays, so the next read takes the records again).
  Result<std::size_t> sync(zk_net::ZkClient& client,
                           const std::string& serial,
                           const UserDirectory& users,
                           const char* trigger);

  // Stores one real-time punch; returns 1 when it was new, 0 when the outbox had it already.
  Result<std::size_t> insertRealtime(const std::string& serial,
                                     const zk::RealtimePunch& punch,
                                     const UserDirectory& users);

  // What the last full read found: how many records, and the oldest and newest ("" when empty).
  struct LogSpan {
    std::int64_t records = 0;
    std::string oldest;
    std::string newest;
    std::chrono::system_clock::time_point read_at{};
  };

  std::optional<LogSpan> lastSpan() const { return last_span_; }

  // The last read's span carried forward to now when the terminal's own count of records
  // (`terminal_records`, from its free sizes) is exactly the read's plus the real-time punches
  // stored since: then the terminal holds nothing the agent has not seen, and the relay can
  // compare without a full read (which realtime mode makes only hourly). Otherwise the last
  // read's span as it was.
  std::optional<LogSpan> spanNow(std::int64_t terminal_records) const;

  // Rows of the terminal the relay has not acknowledged yet.
  Result<std::int64_t> pendingAtRelay(const std::string& serial) {
    return outbox_.pendingFor(serial);
  }

  // After the terminal's log was cleared: the next read starts from nothing.
  Status forget(const std::string& serial);

  struct Reread {
    std::size_t records = 0;  // in the range
    std::size_t added = 0;    // of them, new to the outbox
  };

  // read_log: reads the whole log again and publishes every record of [from, to] (UTC, taken
  // in the terminal's zone) again, those the outbox has too; the relay keeps each once.
  Result<Reread> reread(zk_net::ZkClient& client,
                        const std::string& serial,
                        const UserDirectory& users,
                        UtcSeconds from,
                        UtcSeconds to);

 private:
  struct Pass {
    bool watermark_matched = false;
    DeviceWatermark end;  // where the log ended
    std::size_t inserted = 0;
    std::optional<LocalSeconds> oldest;
    std::optional<LocalSeconds> newest;
  };

  Result<Pass> readPass(zk_net::ZkClient& client,
                        const std::string& serial,
                        const UserDirectory& users,
                        const DeviceWatermark& watermark);

  std::string device_name_;
  TimeZone zone_;
  Outbox& outbox_;
  Terminal::PunchSink punches_;
  Logger logger_;
  const Clock& clock_;
  std::optional<LogSpan> last_span_;
  // Real-time punches stored since the last full read, and the oldest and newest of them.
  std::int64_t realtime_since_read_ = 0;
  std::string realtime_oldest_;
  std::string realtime_newest_;
};

}  // namespace punchlink::agent::zk_terminal
