// Rate-limit windows and Idempotency-Keys over SQL, shared by every relay node.
#include "store/sql_parts.hpp"

#include <chrono>

namespace punchlink::relay {

namespace {

// The schema keeps these times as Unix seconds.
std::int64_t unixSeconds(UtcMillis time) {
  return std::chrono::floor<std::chrono::seconds>(time).time_since_epoch().count();
}

}  // namespace

Result<std::vector<std::int64_t>> SqlApiGuard::addRateLimitHits(
    std::span<const RateLimitHits> hits) {
  return sql_.write(
      [&](sql::Database& db) -> Result<std::vector<std::int64_t>> {
        std::vector<std::int64_t> totals;
        totals.reserve(hits.size());
        for (const RateLimitHits& entry : hits) {
          const std::int64_t window = unixSeconds(entry.window_start);
          auto upsert = db.query(
              "INSERT INTO rate_limit_windows(key_id, window_start, hits) VALUES (?, ?, ?) "
              "ON CONFLICT(key_id, window_start) DO UPDATE SET hits = rate_limit_windows.hits + "
              "excluded.hits RETURNING hits",
              entry.key_id, window, entry.hits);
          if (!upsert) {
            return upsert.error();
          }
          auto total = upsert->first([](sql::Statement& row) { return row.integer(0); });
          upsert
              ->reset();  // RETURNING leaves the statement mid-step; finish it before the next one
          if (!total) {
            return total.error();
          }
          totals.push_back(total->value_or(entry.hits));
          // Old windows are useless; drop them as we go.
          if (auto pruned =
                  db.run("DELETE FROM rate_limit_windows WHERE key_id = ? AND window_start < ?",
                         entry.key_id, window);
              !pruned) {
            return pruned.error();
          }
        }
        return totals;
      },
      // A crash forgets at most one flush interval of counts.
      Durability::Relaxed);
}

Result<IdempotencyClaim> SqlApiGuard::claimIdempotencyKey(const std::string& key_id,
                                                          const std::string& idempotency_key,
                                                          const std::string& request_hash,
                                                          UtcMillis now,
                                                          UtcMillis expired_before) {
  return sql_.write([&](sql::Database& db) -> Result<IdempotencyClaim> {
    if (auto expired = db.run("DELETE FROM idempotency_keys WHERE created_at < ?",
                              unixSeconds(expired_before));
        !expired) {
      return expired.error();
    }
    // A placeholder (status 0) claims the key, so a concurrent retry cannot run it twice; on
    // another node at the same moment the insert waits for that one's commit and does nothing.
    auto claimed = db.run(
        "INSERT INTO idempotency_keys(key_id, idempotency_key, request_hash, status, response, "
        "created_at) VALUES (?, ?, ?, 0, '', ?) ON CONFLICT(key_id, idempotency_key) DO NOTHING",
        key_id, idempotency_key, request_hash, unixSeconds(now));
    if (!claimed) {
      return claimed.error();
    }
    if (*claimed == 1) {
      return IdempotencyClaim{IdempotencyClaim::Kind::Claimed, request_hash, 0, ""};
    }
    auto existing = db.query(
        "SELECT request_hash, status, response FROM idempotency_keys "
        "WHERE key_id = ? AND idempotency_key = ?",
        key_id, idempotency_key);
    if (!existing) {
      return existing.error();
    }
    auto row = existing->first([](sql::Statement& r) {
      return IdempotencyClaim{IdempotencyClaim::Kind::Stored, r.text(0), r.integer(1), r.text(2)};
    });
    if (!row) {
      return row.error();
    }
    // Gone again already (its request failed with a 5xx and freed it): still in progress as
    // far as this request can tell; the client's retry runs it.
    IdempotencyClaim claim =
        row->value_or(IdempotencyClaim{IdempotencyClaim::Kind::InProgress, request_hash, 0, ""});
    if (claim.request_hash != request_hash) {
      claim.kind = IdempotencyClaim::Kind::Mismatch;
    } else if (claim.status == 0) {
      claim.kind = IdempotencyClaim::Kind::InProgress;
    }
    return claim;
  });
}

Status SqlApiGuard::finishIdempotencyKey(const std::string& key_id,
                                         const std::string& idempotency_key,
                                         int http_status,
                                         const std::string& response) {
  auto done = sql_.with([&](sql::Database& db) {
    if (http_status >= 500) {
      // Not a result worth replaying: free the key so the client's retry runs again.
      return db.run("DELETE FROM idempotency_keys WHERE key_id = ? AND idempotency_key = ?", key_id,
                    idempotency_key);
    }
    return db.run(
        "UPDATE idempotency_keys SET status = ?, response = ? WHERE key_id = ? AND "
        "idempotency_key = ?",
        http_status, response, key_id, idempotency_key);
  });
  return done ? Status{} : Status(done.error());
}

}  // namespace punchlink::relay
