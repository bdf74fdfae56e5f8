// The agent's durable outbox (STYLE.md §5 "the outbox policy is written down"):
// - a punch is committed (WAL, synchronous=FULL) before anything else happens to it;
// - insert is idempotent by event_id, so real-time and log reads of one punch are one row;
// - a row stays until the relay acknowledges it (not the broker); unacknowledged rows are
//   offered again after the ack timeout;
// - "sent" and "acknowledged" marks are committed without waiting for fsync: a power cut can
//   only take back the last of them, and the agent then sends those punches again, which the
//   relay recognizes by their event ids (two fsyncs per batch halved a backlog's drain rate);
// - acknowledged rows are pruned after the retention period, earlier when the size limit is
//   reached; unacknowledged rows are never deleted. At alarm_percent of the limit, and at the
//   limit, the outbox reports an alarm (status and a log line).
// Thread-safe: device threads insert, the uplink thread reads batches and applies acks.
#pragma once

#include <punchlink/common/result.hpp>
#include <punchlink/common/sqlite_db.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace punchlink::agent {

// What a row carries: a punch, or a device event (door, alarm, clock); both travel in punch
// batches, in their own lists.
enum class OutboxKind { Punch, DeviceEvent };

struct OutboxPunch {
  std::string event_id;
  std::string device;   // serial
  std::string payload;  // the punch's (or event's) JSON object as published
  OutboxKind kind = OutboxKind::Punch;
};

struct OutboxRow {
  std::int64_t seq = 0;
  std::string event_id;
  std::string payload;
  std::int64_t created_ms = 0;
  bool resend = false;  // was sent before and not acknowledged in time
  OutboxKind kind = OutboxKind::Punch;
};

// A terminal's clock policy as sync_time set it (docs/agent-config.md "Clocks"); it overrides
// the configuration until set again.
struct ClockPolicyOverride {
  std::string policy;  // off | alert | auto
  std::int64_t threshold_s = 60;
};

struct OutboxStats {
  std::int64_t pending = 0;                       // not yet acknowledged
  std::int64_t total = 0;                         // rows on disk
  std::optional<std::int64_t> oldest_pending_ms;  // created_at of the oldest pending row
  std::uint64_t size_bytes = 0;
  bool alarm = false;  // at or above alarm_percent of max_size
  bool full = false;   // at or above max_size
};

// Where a push terminal's upload stream stands: the Stamp of its last upload of `table` that was
// committed. Stored with the upload's punches, so a stamp never runs ahead of the data.
struct UploadStamp {
  std::string device;  // serial
  std::string table;   // ATTLOG, OPERLOG…
  std::string stamp;
};

struct DeviceWatermark {
  std::int64_t log_count = 0;  // records seen in the last full read
  std::string last_event_id;   // event id of the last of them
};

class Outbox {
 public:
  static Result<std::unique_ptr<Outbox>> open(const std::string& path,
                                              std::uint64_t max_size,
                                              int alarm_percent);

  // Inserts in one transaction, together with `stamp` when given; returns how many were new.
  // Inserts from several threads at once share a transaction (group commit): one fsync for all
  // of them, and each returns once its rows are committed.
  Result<std::size_t> insert(const std::vector<OutboxPunch>& punches,
                             std::int64_t now_ms,
                             const std::optional<UploadStamp>& stamp = std::nullopt);

  // Inserts the new ones and makes those already kept (acknowledged or not) go to the relay
  // again: a re-read of a terminal's log that the relay may lack. Returns how many were new.
  Result<std::size_t> republish(const std::vector<OutboxPunch>& punches, std::int64_t now_ms);

  // Rows of `device` the relay has not acknowledged yet.
  Result<std::int64_t> pendingFor(const std::string& device);

  // Up to `limit` rows to publish: never sent, or sent before `resend_before_ms` and not acked.
  Result<std::vector<OutboxRow>> nextBatch(std::size_t limit, std::int64_t resend_before_ms);
  Status markSent(const std::vector<std::string>& event_ids, std::int64_t now_ms);
  // Returns how many rows were newly acknowledged.
  Result<std::size_t> acknowledge(const std::vector<std::string>& event_ids, std::int64_t now_ms);

  // Deletes acknowledged rows older than `acked_before_ms`; when the size limit is reached also
  // younger acknowledged rows, oldest first. Returns the number deleted.
  Result<std::size_t> prune(std::int64_t acked_before_ms);

  Result<OutboxStats> stats();

  // Per-device position in its attendance log, so resyncs skip records already handled.
  Result<DeviceWatermark> watermark(const std::string& device);
  Status setWatermark(const std::string& device, const DeviceWatermark& watermark);

  // The last committed stamp of each of a push terminal's tables (ATTLOG, OPERLOG, BIODATA).
  Result<std::map<std::string, std::string>> uploadStamps(const std::string& device);

  // Push terminals' address pins (docs/push-terminals.md#address-pinning): the address a serial
  // first called from, kept so a restart does not let another host take the serial over.
  // The pinned address of `device`, if it has one.
  Result<std::optional<std::string>> addressPin(const std::string& device);
  // Pins `device` to `address` unless it is pinned already; returns the address it is pinned to
  // now (the earlier one, if there was one).
  Result<std::string> pinAddress(const std::string& device,
                                 const std::string& address,
                                 std::int64_t now_ms);
  // Forgets the pin of `device`; returns the address it was pinned to, if any.
  Result<std::optional<std::string>> releaseAddressPin(const std::string& device);

  // sync_time overrides, by device (serial or configured name).
  Result<std::map<std::string, ClockPolicyOverride>> clockPolicies();
  Status setClockPolicy(const std::string& device, const ClockPolicyOverride& policy);

  // Transactions insert() has committed (or tried): fewer than its calls when they were grouped.
  std::uint64_t insertTransactions();

  // Command idempotency: the stored result of a command id, if it was already handled.
  Result<std::optional<std::string>> commandResult(const std::string& command_id);
  Status saveCommandResult(const std::string& command_id,
                           const std::string& result_json,
                           std::int64_t now_ms);

 private:
  Outbox(sqlite::Database db, std::uint64_t max_size, int alarm_percent)
      : db_(std::move(db)), max_size_(max_size), alarm_percent_(alarm_percent) {}

  struct InsertRequest {
    const std::vector<OutboxPunch>* punches;
    std::int64_t now_ms;
    const std::optional<UploadStamp>* stamp;
    Result<std::size_t> result = std::size_t{0};
    bool done = false;
  };

  // One transaction for all of `group`, or each alone when that fails; marks each done.
  void commitGroup(const std::vector<InsertRequest*>& group);
  // Under mutex_: the requests' rows in one transaction, each request's count set on success.
  Status insertInOneTransaction(const std::vector<InsertRequest*>& requests);
  // Inside a transaction: the request's rows and stamp; how many rows were new.
  Result<std::size_t> insertRows(const InsertRequest& request);
  Status migrate();
  // Runs `sql` (binding now_ms, event_id) for each id in one transaction; returns rows changed.
  Result<std::size_t> stampEach(sqlite::Durability durability,
                                std::string_view sql,
                                const std::vector<std::string>& event_ids,
                                std::int64_t now_ms);
  std::uint64_t sizeBytes();

  std::mutex group_mutex_;
  std::condition_variable group_changed_;
  std::vector<InsertRequest*> group_queue_;
  bool group_committing_ = false;

  std::mutex mutex_;
  std::uint64_t insert_transactions_ = 0;
  sqlite::Database db_;
  std::uint64_t max_size_;
  int alarm_percent_;
};

}  // namespace punchlink::agent
