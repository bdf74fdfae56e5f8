#include "log_sync.hpp"

#include "terminals/punch_mapper.hpp"

#include <punchlink/common/event_id.hpp>

#include <vector>

namespace punchlink::agent::zk_terminal {

namespace {

// Rows per outbox transaction while a log is read, so a 100,000-record log is neither one huge
// transaction nor 100,000 small ones.
constexpr std::size_t kInsertBatch = 2000;

}  // namespace

LogSync::LogSync(std::string device_name,
                 TimeZone zone,
                 Outbox& outbox,
                 Terminal::PunchSink punches,
                 Logger logger,
                 const Clock& clock)
    : device_name_(std::move(device_name)),
      zone_(std::move(zone)),
      outbox_(outbox),
      punches_(std::move(punches)),
      logger_(std::move(logger)),
      clock_(clock) {}

Result<LogSync::Pass> LogSync::readPass(zk_net::ZkClient& client,
                                        const std::string& serial,
                                        const UserDirectory& users,
                                        const DeviceWatermark& watermark) {
  Pass pass;
  pass.watermark_matched = watermark.log_count == 0;
  std::vector<OutboxPunch> batch;
  std::int64_t index = 0;
  Status failure;
  const auto flush = [&]() {
    if (batch.empty() || !failure) {
      return;
    }
    auto inserted = outbox_.insert(batch, epochMillis(clock_.now()));
    if (!inserted) {
      failure = inserted.error();
    } else {
      pass.inserted += *inserted;
    }
    batch.clear();
  };
  auto count = client.readAttendance([&](const zk::AttendanceRecord& record) {
    const std::string user_id = users.resolve(record.user_id, record.uid);
    const std::string event_id = makeEventId(serial, user_id, record.time);
    pass.oldest = pass.oldest ? std::min(*pass.oldest, record.time) : record.time;
    pass.newest = pass.newest ? std::max(*pass.newest, record.time) : record.time;
    // Records up to the watermark were handled by an earlier read; the last of them must match,
    // else the log was cleared or rotated and everything is read again (a second pass).
    if (!pass.watermark_matched && index < watermark.log_count) {
      if (index == watermark.log_count - 1) {
        pass.watermark_matched = event_id == watermark.last_event_id;
      }
      ++index;
      pass.end = {index, event_id};
      return;
    }
    DevicePunch punch{serial,       device_name_,  user_id,         record.time,
                      record.state, record.verify, record.workcode, "log"};
    punch.agent_now = std::chrono::floor<std::chrono::seconds>(clock_.now());
    batch.push_back(toOutboxPunch(punch, zone_));
    if (batch.size() >= kInsertBatch) {
      flush();
    }
    ++index;
    pass.end = {index, event_id};
  });
  flush();
  if (!count) {
    return count.error();
  }
  if (!failure) {
    return failure.error();
  }
  if (pass.inserted > 0) {
    logger_.info("collected punches from the terminal's log",
                 {{"device", device_name_},
                  {"new", std::to_string(pass.inserted)},
                  {"log_size", std::to_string(*count)}});
    if (punches_) {
      punches_(pass.inserted);
    }
  }
  return pass;
}

Result<std::size_t> LogSync::sync(zk_net::ZkClient& client,
                                  const std::string& serial,
                                  const UserDirectory& users,
                                  const char* trigger) {
  auto watermark = outbox_.watermark(serial);
  if (!watermark) {
    return watermark.error();
  }
  auto pass = readPass(client, serial, users, *watermark);
  if (!pass) {
    return pass.error();
  }
  std::size_t inserted = pass->inserted;
  if (!pass->watermark_matched) {
    logger_.info("terminal log changed since the last read (cleared or rotated); reading it all",
                 {{"device", device_name_}, {"trigger", trigger}});
    pass = readPass(client, serial, users, {});
    if (!pass) {
      return pass.error();
    }
    inserted += pass->inserted;
  }
  if (auto moved = outbox_.setWatermark(serial, pass->end); !moved) {
    return moved.error();
  }
  last_span_ =
      LogSpan{pass->end.log_count, pass->oldest ? formatLocalTime(*pass->oldest) : std::string(),
              pass->newest ? formatLocalTime(*pass->newest) : std::string(), clock_.now()};
  realtime_since_read_ = 0;
  realtime_oldest_.clear();
  realtime_newest_.clear();
  return inserted;
}

Result<std::size_t> LogSync::insertRealtime(const std::string& serial,
                                            const zk::RealtimePunch& punch,
                                            const UserDirectory& users) {
  DevicePunch row{serial,         device_name_, users.resolve(punch.user_id, punch.uid.value_or(0)),
                  punch.time,     punch.state,  punch.verify,
                  punch.workcode, "realtime"};
  row.agent_now = std::chrono::floor<std::chrono::seconds>(clock_.now());
  auto inserted = outbox_.insert({toOutboxPunch(row, zone_)}, epochMillis(clock_.now()));
  if (!inserted) {
    return inserted.error();
  }
  if (*inserted > 0) {
    realtime_since_read_ += static_cast<std::int64_t>(*inserted);
    // Local times as text ("YYYY-MM-DD HH:MM:SS") order as the times do.
    const std::string local = formatLocalTime(punch.time);
    realtime_newest_ = std::max(realtime_newest_, local);
    realtime_oldest_ = realtime_oldest_.empty() ? local : std::min(realtime_oldest_, local);
    if (punches_) {
      punches_(*inserted);
    }
  }
  return *inserted;
}

std::optional<LogSync::LogSpan> LogSync::spanNow(std::int64_t terminal_records) const {
  if (!last_span_ || terminal_records != last_span_->records + realtime_since_read_) {
    return last_span_;
  }
  LogSpan span = *last_span_;
  span.records = terminal_records;
  span.newest = std::max(span.newest, realtime_newest_);
  if (span.oldest.empty()) {
    span.oldest = realtime_oldest_;  // the log was empty at the read
  }
  span.read_at = clock_.now();
  return span;
}

Status LogSync::forget(const std::string& serial) { return outbox_.setWatermark(serial, {}); }

Result<LogSync::Reread> LogSync::reread(zk_net::ZkClient& client,
                                        const std::string& serial,
                                        const UserDirectory& users,
                                        UtcSeconds from,
                                        UtcSeconds to) {
  const LocalSeconds first = zone_.toLocal(from);
  const LocalSeconds last = zone_.toLocal(to);
  Reread out;
  std::vector<OutboxPunch> batch;
  Status failure;
  const auto flush = [&]() {
    if (batch.empty() || !failure) {
      return;
    }
    auto added = outbox_.republish(batch, epochMillis(clock_.now()));
    if (!added) {
      failure = added.error();
    } else {
      out.added += *added;
    }
    batch.clear();
  };
  auto count = client.readAttendance([&](const zk::AttendanceRecord& record) {
    if (record.time < first || record.time > last) {
      return;
    }
    ++out.records;
    DevicePunch punch{serial,          device_name_, users.resolve(record.user_id, record.uid),
                      record.time,     record.state, record.verify,
                      record.workcode, "log"};
    punch.agent_now = std::chrono::floor<std::chrono::seconds>(clock_.now());
    batch.push_back(toOutboxPunch(punch, zone_));
    if (batch.size() >= kInsertBatch) {
      flush();
    }
  });
  flush();
  if (!count) {
    return count.error();
  }
  if (!failure) {
    return failure.error();
  }
  logger_.info("read the terminal's log again for a range",
               {{"device", device_name_},
                {"from", formatLocalTime(first)},
                {"to", formatLocalTime(last)},
                {"records", std::to_string(out.records)},
                {"new", std::to_string(out.added)}});
  if (out.records > 0 && punches_) {
    punches_(out.records);
  }
  return out;
}

}  // namespace punchlink::agent::zk_terminal
