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

#include <cstddef>
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

  // After the terminal's log was cleared: the next read starts from nothing.
  Status forget(const std::string& serial);

 private:
  struct Pass {
    bool watermark_matched = false;
    DeviceWatermark end;  // where the log ended
    std::size_t inserted = 0;
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
};

}  // namespace punchlink::agent::zk_terminal
