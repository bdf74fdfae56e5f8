#include "outbox.hpp"

#include <sstream>

namespace punchlink::agent {

namespace {

constexpr std::string_view kSchema = R"SQL(
PRAGMA auto_vacuum = INCREMENTAL;
CREATE TABLE IF NOT EXISTS punches (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  device TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  sent_ms INTEGER,
  acked_ms INTEGER
);
CREATE INDEX IF NOT EXISTS punches_pending ON punches(acked_ms, seq);
CREATE TABLE IF NOT EXISTS device_watermarks (
  device TEXT PRIMARY KEY,
  log_count INTEGER NOT NULL,
  last_event_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS upload_stamps (
  device TEXT NOT NULL,
  table_name TEXT NOT NULL,
  stamp TEXT NOT NULL,
  PRIMARY KEY (device, table_name)
);
CREATE TABLE IF NOT EXISTS command_results (
  command_id TEXT PRIMARY KEY,
  result TEXT NOT NULL,
  finished_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS push_address_pins (
  device TEXT PRIMARY KEY,
  address TEXT NOT NULL,
  pinned_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '1');
)SQL";

// Version 2: rows are punches or device events; terminals' clock policies set by sync_time.
constexpr std::string_view kSchema2 = R"SQL(
ALTER TABLE punches ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS clock_policies (
  device TEXT PRIMARY KEY,
  policy TEXT NOT NULL,
  threshold_s INTEGER NOT NULL
);
UPDATE meta SET value = '2' WHERE key = 'schema_version';
)SQL";

// Version 3: counts kept by triggers. stats() used to count with a scan of the whole table under
// the outbox's lock; with a 1,000,000-punch backlog (430 MB) every status report and /metrics
// scrape read it all, and the backlog drained 5 times slower (bench/throughput.sh, part 4).
constexpr std::string_view kSchema3 = R"SQL(
CREATE TABLE punch_counts (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  total INTEGER NOT NULL,
  pending INTEGER NOT NULL
);
INSERT INTO punch_counts(id, total, pending)
  SELECT 1, COUNT(*), COUNT(*) - COUNT(acked_ms) FROM punches;
CREATE TRIGGER punch_counts_insert AFTER INSERT ON punches BEGIN
  UPDATE punch_counts SET total = total + 1, pending = pending + (NEW.acked_ms IS NULL)
    WHERE id = 1;
END;
CREATE TRIGGER punch_counts_delete AFTER DELETE ON punches BEGIN
  UPDATE punch_counts SET total = total - 1, pending = pending - (OLD.acked_ms IS NULL)
    WHERE id = 1;
END;
CREATE TRIGGER punch_counts_ack AFTER UPDATE OF acked_ms ON punches
  WHEN (OLD.acked_ms IS NULL) != (NEW.acked_ms IS NULL) BEGIN
  UPDATE punch_counts SET pending = pending + (NEW.acked_ms IS NULL) - (OLD.acked_ms IS NULL)
    WHERE id = 1;
END;
UPDATE meta SET value = '3' WHERE key = 'schema_version';
)SQL";

// Version 4: an index of what was never sent and one of what is in flight. nextBatch() walked the
// pending rows in seq order and read each from the table to skip those sent and not yet acked:
// during a 1,000,000-punch backlog thousands are in flight, and half of the agent's CPU went to
// skipping them again for every batch (bench/throughput.sh, part 4).
constexpr std::string_view kSchema4 = R"SQL(
CREATE INDEX punches_unsent ON punches(seq) WHERE acked_ms IS NULL AND sent_ms IS NULL;
CREATE INDEX punches_in_flight ON punches(sent_ms, seq)
  WHERE acked_ms IS NULL AND sent_ms IS NOT NULL;
UPDATE meta SET value = '4' WHERE key = 'schema_version';
)SQL";

}  // namespace

Result<std::unique_ptr<Outbox>> Outbox::open(const std::string& path,
                                             std::uint64_t max_size,
                                             int alarm_percent) {
  auto db = sqlite::Database::open(path);
  if (!db) {
    return db.error();
  }
  std::unique_ptr<Outbox> outbox(new Outbox(std::move(db.value()), max_size, alarm_percent));
  if (auto migrated = outbox->migrate(); !migrated) {
    return makeError(ErrorCode::Unavailable,
                     "cannot prepare outbox " + path + ": " + migrated.error().message);
  }
  return outbox;
}

Status Outbox::migrate() {
  if (auto created = db_.exec(kSchema); !created) {
    return created;
  }
  auto version = db_.prepare("SELECT value FROM meta WHERE key = 'schema_version'");
  if (!version) {
    return version.error();
  }
  auto current = version->first([](sqlite::Statement& row) { return row.text(0); });
  if (!current) {
    return current.error();
  }
  const std::string from = current->value_or("1");
  if (from == "1") {
    if (auto done = db_.transaction([&]() -> Status { return db_.exec(kSchema2); }); !done) {
      return done;
    }
  }
  if (from == "1" || from == "2") {
    if (auto done = db_.transaction([&]() -> Status { return db_.exec(kSchema3); }); !done) {
      return done;
    }
  }
  if (from == "1" || from == "2" || from == "3") {
    return db_.transaction([&]() -> Status { return db_.exec(kSchema4); });
  }
  return {};
}

std::uint64_t Outbox::sizeBytes() {
  std::uint64_t pages = 0;
  std::uint64_t page_size = 0;
  if (auto statement = db_.prepare("PRAGMA page_count");
      statement && statement->step().valueOr(false)) {
    pages = static_cast<std::uint64_t>(statement->integer(0));
  }
  if (auto statement = db_.prepare("PRAGMA page_size");
      statement && statement->step().valueOr(false)) {
    page_size = static_cast<std::uint64_t>(statement->integer(0));
  }
  return pages * page_size;
}

Result<std::size_t> Outbox::insert(const std::vector<OutboxPunch>& punches,
                                   std::int64_t now_ms,
                                   const std::optional<UploadStamp>& stamp) {
  // Group commit: whoever finds no commit under way commits what every thread has queued by
  // then, in one transaction and one fsync; the others wait for it. Terminals whose punches
  // arrive while a commit is on disk share the next one instead of taking turns.
  InsertRequest mine{&punches, now_ms, &stamp};
  std::unique_lock lock(group_mutex_);
  group_queue_.push_back(&mine);
  group_changed_.wait(lock, [&] { return mine.done || !group_committing_; });
  if (mine.done) {
    return std::move(mine.result);
  }
  group_committing_ = true;
  while (!mine.done) {
    std::vector<InsertRequest*> group;
    group.swap(group_queue_);
    lock.unlock();
    commitGroup(group);
    lock.lock();
    group_changed_.notify_all();
  }
  group_committing_ = false;
  group_changed_.notify_all();
  return std::move(mine.result);
}

void Outbox::commitGroup(const std::vector<InsertRequest*>& group) {
  const std::lock_guard lock(mutex_);
  const auto settle = [](InsertRequest* request, const Status& status) {
    if (!status) {
      request->result = status.error();
    }
    request->done = true;
  };
  if (auto all = insertInOneTransaction(group); all || group.size() == 1) {
    for (auto* request : group) {
      settle(request, all);
    }
    return;
  }
  // One request's failure must not fail the others: each on its own.
  for (auto* request : group) {
    settle(request, insertInOneTransaction({request}));
  }
}

Status Outbox::insertInOneTransaction(const std::vector<InsertRequest*>& requests) {
  ++insert_transactions_;
  return db_.transaction([&]() -> Status {
    for (auto* request : requests) {
      auto inserted = insertRows(*request);
      if (!inserted) {
        return inserted.error();
      }
      request->result = *inserted;
    }
    return {};
  });
}

Result<std::size_t> Outbox::insertRows(const InsertRequest& request) {
  std::size_t inserted = 0;
  auto statement = db_.prepare(
      "INSERT OR IGNORE INTO punches(event_id, device, payload, created_ms, kind) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  for (const auto& punch : *request.punches) {
    statement->reset();
    statement->bind(1, punch.event_id)
        .bind(2, punch.device)
        .bind(3, punch.payload)
        .bind(4, request.now_ms)
        .bind(5, static_cast<std::int64_t>(punch.kind));
    if (auto done = statement->run(); !done) {
      return done.error();
    }
    inserted += static_cast<std::size_t>(db_.changes());
  }
  const auto& stamp = *request.stamp;
  if (!stamp) {
    return inserted;
  }
  auto saved = db_.prepare(
      "INSERT INTO upload_stamps(device, table_name, stamp) VALUES (?, ?, ?) "
      "ON CONFLICT(device, table_name) DO UPDATE SET stamp = excluded.stamp");
  if (!saved) {
    return saved.error();
  }
  saved->bind(1, stamp->device).bind(2, stamp->table).bind(3, stamp->stamp);
  if (auto done = saved->run(); !done) {
    return done.error();
  }
  return inserted;
}

std::uint64_t Outbox::insertTransactions() {
  const std::lock_guard lock(mutex_);
  return insert_transactions_;
}

Result<std::map<std::string, std::string>> Outbox::uploadStamps(const std::string& device) {
  const std::lock_guard lock(mutex_);
  auto statement = db_.prepare("SELECT table_name, stamp FROM upload_stamps WHERE device = ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, device);
  std::map<std::string, std::string> stamps;
  if (auto done = statement->each(
          [&](sqlite::Statement& row) { stamps.emplace(row.text(0), row.text(1)); });
      !done) {
    return done.error();
  }
  return stamps;
}

Result<std::vector<OutboxRow>> Outbox::nextBatch(std::size_t limit, std::int64_t resend_before_ms) {
  const std::lock_guard lock(mutex_);
  const auto toRow = [](sqlite::Statement& row) {
    return OutboxRow{row.integer(0),      row.text(1),
                     row.text(2),         row.integer(3),
                     row.integer(4) != 0, static_cast<OutboxKind>(row.integer(5) != 0 ? 1 : 0)};
  };
  // Sent before the cutoff and not acknowledged, longest waiting first, then never sent: each
  // query reads only the rows it returns. INDEXED BY, because with ORDER BY seq the planner
  // preferred punches_pending, which walks every pending row (1,000,000 of them, per batch).
  auto resend = db_.prepare(
      "SELECT seq, event_id, payload, created_ms, 1, kind FROM punches "
      "INDEXED BY punches_in_flight WHERE acked_ms IS NULL AND sent_ms IS NOT NULL "
      "AND sent_ms < ? ORDER BY sent_ms, seq LIMIT ?");
  if (!resend) {
    return resend.error();
  }
  resend->bind(1, resend_before_ms).bind(2, static_cast<std::int64_t>(limit));
  auto rows = resend->all(toRow);
  if (!rows || rows->size() >= limit) {
    return rows;
  }
  auto unsent = db_.prepare(
      "SELECT seq, event_id, payload, created_ms, 0, kind FROM punches "
      "INDEXED BY punches_unsent WHERE acked_ms IS NULL AND sent_ms IS NULL ORDER BY seq "
      "LIMIT ?");
  if (!unsent) {
    return unsent.error();
  }
  unsent->bind(1, static_cast<std::int64_t>(limit - rows->size()));
  auto fresh = unsent->all(toRow);
  if (!fresh) {
    return fresh.error();
  }
  rows->insert(rows->end(), std::make_move_iterator(fresh->begin()),
               std::make_move_iterator(fresh->end()));
  return rows;
}

Result<std::size_t> Outbox::republish(const std::vector<OutboxPunch>& punches,
                                      std::int64_t now_ms) {
  auto inserted = insert(punches, now_ms);
  if (!inserted) {
    return inserted.error();
  }
  std::vector<std::string> ids;
  ids.reserve(punches.size());
  for (const auto& punch : punches) {
    ids.push_back(punch.event_id);
  }
  const std::lock_guard lock(mutex_);
  // The relay keeps each id once, so sending one it has again costs an ack, nothing more.
  auto again = stampEach(
      sqlite::Durability::Full,
      "UPDATE punches SET sent_ms = NULL, acked_ms = NULL WHERE ?1 IS NOT NULL AND event_id = ?2",
      ids, now_ms);
  if (!again) {
    return again.error();
  }
  return *inserted;
}

Result<std::int64_t> Outbox::pendingFor(const std::string& device) {
  const std::lock_guard lock(mutex_);
  auto statement =
      db_.prepare("SELECT COUNT(*) FROM punches WHERE device = ? AND acked_ms IS NULL");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, device);
  auto count = statement->first([](sqlite::Statement& row) { return row.integer(0); });
  if (!count) {
    return count.error();
  }
  return count->value_or(0);
}

Result<std::map<std::string, ClockPolicyOverride>> Outbox::clockPolicies() {
  const std::lock_guard lock(mutex_);
  auto statement = db_.prepare("SELECT device, policy, threshold_s FROM clock_policies");
  if (!statement) {
    return statement.error();
  }
  std::map<std::string, ClockPolicyOverride> policies;
  if (auto done = statement->each([&](sqlite::Statement& row) {
        policies[row.text(0)] = {row.text(1), row.integer(2)};
      });
      !done) {
    return done.error();
  }
  return policies;
}

Status Outbox::setClockPolicy(const std::string& device, const ClockPolicyOverride& policy) {
  const std::lock_guard lock(mutex_);
  auto statement = db_.prepare(
      "INSERT INTO clock_policies(device, policy, threshold_s) VALUES (?, ?, ?) "
      "ON CONFLICT(device) DO UPDATE SET policy = excluded.policy, "
      "threshold_s = excluded.threshold_s");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, device).bind(2, policy.policy).bind(3, policy.threshold_s);
  return statement->run();
}

Result<std::size_t> Outbox::stampEach(sqlite::Durability durability,
                                      std::string_view sql,
                                      const std::vector<std::string>& event_ids,
                                      std::int64_t now_ms) {
  // One transaction for the whole list: a batch is marked (or acked) as a unit.
  auto statement = db_.prepare(sql);
  if (!statement) {
    return statement.error();
  }
  std::size_t changed = 0;
  auto status = db_.transaction(
      [&]() -> Status {
        for (const auto& id : event_ids) {
          statement->reset();
          statement->bind(1, now_ms).bind(2, id);
          if (auto done = statement->run(); !done) {
            return done;
          }
          changed += static_cast<std::size_t>(db_.changes());
        }
        return {};
      },
      durability);
  if (!status) {
    return status.error();
  }
  return changed;
}

Status Outbox::markSent(const std::vector<std::string>& event_ids, std::int64_t now_ms) {
  const std::lock_guard lock(mutex_);
  auto marked = stampEach(sqlite::Durability::Relaxed,
                          "UPDATE punches SET sent_ms = ? WHERE event_id = ?", event_ids, now_ms);
  return marked ? Status{} : Status{marked.error()};
}

Result<std::size_t> Outbox::acknowledge(const std::vector<std::string>& event_ids,
                                        std::int64_t now_ms) {
  const std::lock_guard lock(mutex_);
  return stampEach(sqlite::Durability::Relaxed,
                   "UPDATE punches SET acked_ms = ? WHERE event_id = ? AND acked_ms IS NULL",
                   event_ids, now_ms);
}

Result<std::size_t> Outbox::prune(std::int64_t acked_before_ms) {
  const std::lock_guard lock(mutex_);
  std::size_t deleted = 0;
  auto old = db_.prepare("DELETE FROM punches WHERE acked_ms IS NOT NULL AND acked_ms < ?");
  if (!old) {
    return old.error();
  }
  old->bind(1, acked_before_ms);
  if (auto done = old->run(); !done) {
    return done.error();
  }
  deleted += static_cast<std::size_t>(db_.changes());
  // At the size limit, acknowledged rows go early (oldest first); pending rows never do.
  while (sizeBytes() >= max_size_) {
    auto early = db_.prepare(
        "DELETE FROM punches WHERE seq IN (SELECT seq FROM punches WHERE acked_ms IS NOT NULL "
        "ORDER BY seq LIMIT 1000)");
    if (!early) {
      return early.error();
    }
    if (auto done = early->run(); !done) {
      return done.error();
    }
    const auto removed = static_cast<std::size_t>(db_.changes());
    deleted += removed;
    (void)db_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    (void)db_.exec("PRAGMA incremental_vacuum");
    if (removed == 0) {
      break;
    }
  }
  return deleted;
}

Result<OutboxStats> Outbox::stats() {
  const std::lock_guard lock(mutex_);
  OutboxStats stats;
  // The oldest pending row is the first by seq (rows are numbered as they are stored): one step
  // into the punches_pending index.
  auto statement = db_.prepare(
      "SELECT total, pending, (SELECT created_ms FROM punches WHERE acked_ms IS NULL "
      "ORDER BY seq LIMIT 1) FROM punch_counts WHERE id = 1");
  if (!statement) {
    return statement.error();
  }
  if (auto row = statement->step(); !row) {
    return row.error();
  }
  stats.total = statement->integer(0);
  stats.pending = statement->integer(1);
  if (!statement->isNull(2)) {
    stats.oldest_pending_ms = statement->integer(2);
  }
  stats.size_bytes = sizeBytes();
  stats.full = stats.size_bytes >= max_size_;
  stats.alarm = stats.size_bytes * 100 >= max_size_ * static_cast<std::uint64_t>(alarm_percent_);
  return stats;
}

Result<DeviceWatermark> Outbox::watermark(const std::string& device) {
  const std::lock_guard lock(mutex_);
  auto statement =
      db_.prepare("SELECT log_count, last_event_id FROM device_watermarks WHERE device = ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, device);
  auto found = statement->first([](sqlite::Statement& row) {
    return DeviceWatermark{row.integer(0), row.text(1)};
  });
  if (!found) {
    return found.error();
  }
  return found->value_or(DeviceWatermark{});
}

Status Outbox::setWatermark(const std::string& device, const DeviceWatermark& watermark) {
  const std::lock_guard lock(mutex_);
  auto statement = db_.prepare(
      "INSERT INTO device_watermarks(device, log_count, last_event_id) VALUES (?, ?, ?) "
      "ON CONFLICT(device) DO UPDATE SET log_count = excluded.log_count, "
      "last_event_id = excluded.last_event_id");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, device).bind(2, watermark.log_count).bind(3, watermark.last_event_id);
  return statement->run();
}

Result<std::optional<std::string>> Outbox::addressPin(const std::string& device) {
  const std::lock_guard lock(mutex_);
  auto statement = db_.prepare("SELECT address FROM push_address_pins WHERE device = ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, device);
  return statement->first([](sqlite::Statement& row) { return row.text(0); });
}

Result<std::string> Outbox::pinAddress(const std::string& device,
                                       const std::string& address,
                                       std::int64_t now_ms) {
  const std::lock_guard lock(mutex_);
  // The first pin wins: a later one hands back the address that is there already.
  auto statement = db_.prepare(
      "INSERT INTO push_address_pins(device, address, pinned_ms) VALUES (?, ?, ?) "
      "ON CONFLICT(device) DO UPDATE SET device = excluded.device RETURNING address");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, device).bind(2, address).bind(3, now_ms);
  auto pinned = statement->first([](sqlite::Statement& row) { return row.text(0); });
  if (!pinned) {
    return pinned.error();
  }
  return pinned->value_or(address);
}

Result<std::optional<std::string>> Outbox::releaseAddressPin(const std::string& device) {
  const std::lock_guard lock(mutex_);
  auto statement = db_.prepare("DELETE FROM push_address_pins WHERE device = ? RETURNING address");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, device);
  return statement->first([](sqlite::Statement& row) { return row.text(0); });
}

Result<std::optional<std::string>> Outbox::commandResult(const std::string& command_id) {
  const std::lock_guard lock(mutex_);
  auto statement = db_.prepare("SELECT result FROM command_results WHERE command_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, command_id);
  return statement->first([](sqlite::Statement& row) { return row.text(0); });
}

Status Outbox::saveCommandResult(const std::string& command_id,
                                 const std::string& result_json,
                                 std::int64_t now_ms) {
  const std::lock_guard lock(mutex_);
  auto statement = db_.prepare(
      "INSERT OR REPLACE INTO command_results(command_id, result, finished_ms) VALUES (?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, command_id).bind(2, result_json).bind(3, now_ms);
  return statement->run();
}

}  // namespace punchlink::agent
