// Webhook deliveries over SQL: the dispatcher's queue (leases, attempts) and the tenant's log.
#include "store/sql_endpoint_rows.hpp"
#include "store/sql_parts.hpp"

#include <algorithm>
#include <set>

namespace punchlink::relay {

using sql_rows::deliveryFrom;
using sql_rows::endpointFrom;
using sql_rows::kClaimLapsed;
using sql_rows::kClaimQueued;
using sql_rows::kSelectDeliveries;
using sql_rows::kSelectEndpoints;
using sql_support::millisText;
using sql_support::secondsText;
using sql_support::unixMs;

namespace {

Status loadAttempts(sql::Database& db, std::vector<Delivery>& deliveries) {
  auto rows = db.query(
      "SELECT attempt, at, status_code, latency_ms, error, response_excerpt FROM "
      "webhook_attempts WHERE delivery_id = ? ORDER BY attempt");
  if (!rows) {
    return rows.error();
  }
  for (auto& delivery : deliveries) {
    rows->bindAll(delivery.id);
    if (auto done = rows->each([&](sql::Statement& row) {
          delivery.attempts.push_back({row.integer(0), sql_support::storedTime(row.text(1)),
                                       row.integer(2), row.integer(3), row.text(4), row.text(5)});
        });
        !done) {
      return done;
    }
  }
  return {};
}

Result<std::optional<Delivery>> findIn(sql::Database& db,
                                       const std::string& tenant_id,
                                       const std::string& endpoint_id,
                                       std::int64_t delivery_id) {
  auto rows = db.query(
      std::string(kSelectDeliveries) + "WHERE tenant_id = ? AND endpoint_id = ? AND id = ?",
      tenant_id, endpoint_id, delivery_id);
  if (!rows) {
    return rows.error();
  }
  auto row = rows->first(deliveryFrom);
  if (!row || !*row) {
    return row;
  }
  std::vector<Delivery> one{std::move(**row)};
  if (auto loaded = loadAttempts(db, one); !loaded) {
    return loaded.error();
  }
  return std::optional<Delivery>(std::move(one.front()));
}

// Leases and outcomes are written this many per statement (a short chunk repeats its last row,
// so each statement has one SQL text, prepared once): a round trip per delivery was most of a
// claim, and of the recorder's time, on PostgreSQL.
constexpr std::size_t kChunk = 32;
// Every outcome moves its row out of `queued` in (endpoint_id, state, due_ms, id), and
// PostgreSQL keeps the old index entry until the table is vacuumed. Claims read that range from
// its start, so with a backlog they walked ever more dead entries: at 100,000 deliveries a claim
// took 14 ms with 97,500 dead rows, before autovacuum's first run. Vacuuming after this many
// outcomes keeps the walk short (bench/README.md, part 1).
constexpr std::size_t kVacuumEvery = 10'000;

// `item` kChunk times, comma-separated: the IN or VALUES list of a chunk.
std::string chunkList(std::string_view item) {
  std::string list;
  for (std::size_t i = 0; i < kChunk; ++i) {
    list.append(i == 0 ? "" : ", ").append(item);
  }
  return list;
}

const std::string& leaseChunkSql() {
  static const std::string sql =
      "UPDATE webhook_deliveries SET state = 'delivering', lease_owner = ?, lease_until_ms = ? "
      "WHERE id IN (" +
      chunkList("?") + ")";
  return sql;
}

// Only while the lease is still this node's: a node that stalled past its lease must not
// overwrite the outcome of the node that took the delivery over, nor free its lease. Returns
// the ids it changed.
const std::string& outcomeChunkSql() {
  static const std::string sql =
      "UPDATE webhook_deliveries SET state = v.column2, attempts = v.column3, "
      "due_ms = v.column4, lease_owner = '', lease_until_ms = 0, delivered_at = v.column5, "
      "last_error = v.column6 FROM (VALUES " +
      chunkList("(?, ?, ?, ?, ?, ?)") +
      ") AS v WHERE webhook_deliveries.id = v.column1 AND "
      "webhook_deliveries.state = 'delivering' AND webhook_deliveries.lease_owner = ? "
      "RETURNING webhook_deliveries.id";
  return sql;
}

const std::string& attemptChunkSql() {
  static const std::string sql =
      "INSERT INTO webhook_attempts(delivery_id, attempt, at, status_code, latency_ms, error, "
      "response_excerpt) VALUES " +
      chunkList("(?, ?, ?, ?, ?, ?, ?)") + " ON CONFLICT(delivery_id, attempt) DO NOTHING";
  return sql;
}

Error busy() {
  return makeError(ErrorCode::Conflict, "the delivery is being attempted right now",
                   "look at it again in a moment");
}

}  // namespace

Result<std::vector<ClaimedDelivery>> SqlDeliveries::claimDue(
    const std::string& owner,
    UtcMillis now,
    std::chrono::milliseconds lease,
    std::size_t limit,
    const std::map<std::string, std::size_t>& per_endpoint_capacity,
    std::size_t default_capacity) {
  // Leases are bookkeeping committed without waiting for fsync (Relaxed): what a power cut can
  // take back is at most a lease, so the delivery is sent again, never lost; the delivery
  // itself was committed with Full when it was queued.
  return sql_.write(
      [&](sql::Database& db) -> Result<std::vector<ClaimedDelivery>> {
        // Endpoint by endpoint, so one endpoint's backlog can never crowd out the others.
        auto endpoints = db.query(std::string(kSelectEndpoints) + "WHERE enabled = 1");
        if (!endpoints) {
          return endpoints.error();
        }
        auto enabled = endpoints->all(endpointFrom);
        if (!enabled) {
          return enabled.error();
        }
        // Several nodes claim at once on PostgreSQL: each skips the rows another is leasing
        // right now instead of waiting for them, so no two nodes ever lease the same delivery.
        // (SQLite's single writer lock does the same for one node.)
        // Two queries, not one with an OR across states: that one had to sort every due row
        // of the endpoint before its LIMIT, so with a backlog of 100,000 each claim cost
        // milliseconds. Lapsed leases (a handful) go first; then queued rows, oldest due first.
        const std::string lock =
            db.dialect() == sql::Dialect::Postgres ? " FOR UPDATE SKIP LOCKED" : "";
        auto lapsed = db.query(std::string(kSelectDeliveries) + std::string(kClaimLapsed) + lock);
        auto due = db.query(std::string(kSelectDeliveries) + std::string(kClaimQueued) + lock);
        auto leased = db.query(leaseChunkSql());
        if (!lapsed) {
          return lapsed.error();
        }
        if (!due) {
          return due.error();
        }
        if (!leased) {
          return leased.error();
        }
        // Fair turns: endpoints with the most free capacity (fewest attempts in flight) first,
        // and among equals a different one first each time. Otherwise an endpoint whose
        // receiver answers slowly would take back every worker it frees before a later one
        // in table order were reached, and a few slow receivers could hold every worker.
        const auto capacityOf = [&](const WebhookEndpoint& endpoint) {
          const auto found = per_endpoint_capacity.find(endpoint.id);
          return found == per_endpoint_capacity.end() ? default_capacity : found->second;
        };
        if (!enabled->empty()) {
          std::rotate(enabled->begin(),
                      enabled->begin() + static_cast<std::ptrdiff_t>(turn_++ % enabled->size()),
                      enabled->end());
          std::stable_sort(enabled->begin(), enabled->end(),
                           [&](const WebhookEndpoint& a, const WebhookEndpoint& b) {
                             return capacityOf(a) > capacityOf(b);
                           });
        }
        std::vector<ClaimedDelivery> claimed;
        for (const auto& endpoint : *enabled) {
          if (claimed.size() >= limit) {
            break;
          }
          const std::size_t capacity = std::min(capacityOf(endpoint), limit - claimed.size());
          if (capacity == 0) {
            continue;
          }
          const std::size_t first = claimed.size();
          for (auto* statement : {&*lapsed, &*due}) {
            const std::size_t room = capacity - (claimed.size() - first);
            if (room == 0) {
              break;
            }
            statement->bindAll(endpoint.id, unixMs(now), room);
            if (auto done = statement->each([&](sql::Statement& row) {
                  claimed.push_back({deliveryFrom(row), endpoint});
                });
                !done) {
              return done.error();
            }
          }
          for (std::size_t chunk = first; chunk < claimed.size(); chunk += kChunk) {
            leased->reset();
            leased->bind(1, owner).bind(2, unixMs(now + lease));
            for (std::size_t i = 0; i < kChunk; ++i) {
              const std::size_t at = std::min(chunk + i, claimed.size() - 1);
              leased->bind(static_cast<int>(3 + i), claimed[at].delivery.id);
            }
            if (auto done = leased->run(); !done) {
              return done.error();
            }
          }
          for (std::size_t i = first; i < claimed.size(); ++i) {
            claimed[i].delivery.state = "delivering";
          }
        }
        return claimed;
      },
      Durability::Relaxed);
}

Status SqlDeliveries::releaseLeases(const std::string& owner) {
  auto done = sql_.with([&](sql::Database& db) {
    return db.run(
        "UPDATE webhook_deliveries SET state = 'queued', lease_owner = '', lease_until_ms = 0 "
        "WHERE state = 'delivering' AND lease_owner = ?",
        owner);
  });
  return done ? Status{} : Status(done.error());
}

void SqlDeliveries::vacuumWhenDue(std::size_t recorded) {
  if (sql_.dialect() != sql::Dialect::Postgres ||
      recorded_since_vacuum_.fetch_add(recorded) + recorded < kVacuumEvery) {
    return;
  }
  recorded_since_vacuum_ = 0;
  // Outside any transaction (VACUUM cannot run in one), and never waiting for a lock (another
  // node's VACUUM, an anti-wraparound autovacuum): the recorder runs it, and while it waits no
  // outcome is recorded. Only tidies: if it is skipped or fails, autovacuum still runs, and
  // claims are slower meanwhile, never wrong.
  (void)sql_.with(
      [](sql::Database& db) { return db.exec("VACUUM (SKIP_LOCKED) webhook_deliveries"); });
}

Result<std::vector<Status>> SqlDeliveries::recordAttempts(const std::string& owner,
                                                          const std::vector<AttemptRecord>& records,
                                                          UtcMillis now) {
  auto statuses = recordInTransaction(owner, records, now);
  if (statuses) {
    vacuumWhenDue(records.size());
  }
  return statuses;
}

Result<std::vector<Status>> SqlDeliveries::recordInTransaction(
    const std::string& owner, const std::vector<AttemptRecord>& records, UtcMillis now) {
  // Relaxed, as claims are: a lost record means one more attempt, never a lost delivery.
  return sql_.write(
      [&](sql::Database& db) -> Result<std::vector<Status>> {
        auto outcome = db.query(outcomeChunkSql());
        if (!outcome) {
          return outcome.error();
        }
        auto logged = db.query(attemptChunkSql());
        if (!logged) {
          return logged.error();
        }
        const auto errorOf = [](const AttemptRecord& record) {
          const bool delivered = record.outcome.kind == AttemptOutcome::Kind::Delivered;
          return delivered                       ? std::string()
                 : record.outcome.reason.empty() ? record.attempt.error
                                                 : record.outcome.reason;
        };
        // Chunks never hold one delivery twice: its second record must see the first applied
        // (and be refused, its lease being gone), as if each were recorded on its own.
        std::vector<std::vector<std::size_t>> chunks;
        {
          std::set<std::int64_t> in_chunk;
          for (std::size_t i = 0; i < records.size(); ++i) {
            if (chunks.empty() || chunks.back().size() == kChunk ||
                in_chunk.count(records[i].delivery_id) != 0) {
              chunks.emplace_back();
              in_chunk.clear();
            }
            chunks.back().push_back(i);
            in_chunk.insert(records[i].delivery_id);
          }
        }
        std::vector<bool> applied(records.size(), false);
        for (const auto& chunk : chunks) {
          outcome->reset();
          for (std::size_t i = 0; i < kChunk; ++i) {
            const AttemptRecord& record = records[chunk[std::min(i, chunk.size() - 1)]];
            const auto& attempt = record.attempt;
            const bool delivered = record.outcome.kind == AttemptOutcome::Kind::Delivered;
            const bool retry = record.outcome.kind == AttemptOutcome::Kind::Retry;
            const int base = static_cast<int>(i * 6);
            outcome->bind(base + 1, record.delivery_id)
                .bind(base + 2, delivered ? "delivered"
                                : retry   ? "queued"
                                          : "failed")
                .bind(base + 3, attempt.attempt)
                .bind(base + 4, retry ? unixMs(record.outcome.next_attempt) : std::int64_t{0})
                .bind(base + 5, delivered ? millisText(attempt.at) : std::string())
                .bind(base + 6, errorOf(record));
          }
          outcome->bind(static_cast<int>(kChunk * 6 + 1), owner);
          std::set<std::int64_t> changed;
          if (auto done =
                  outcome->each([&](sql::Statement& row) { changed.insert(row.integer(0)); });
              !done) {
            return done.error();
          }
          for (const std::size_t index : chunk) {
            applied[index] = changed.count(records[index].delivery_id) != 0;
          }
        }
        // The attempts of the outcomes recorded, in chunks as above.
        std::vector<const AttemptRecord*> kept;
        for (std::size_t i = 0; i < records.size(); ++i) {
          if (applied[i]) {
            kept.push_back(&records[i]);
          }
        }
        for (std::size_t chunk = 0; chunk < kept.size(); chunk += kChunk) {
          logged->reset();
          for (std::size_t i = 0; i < kChunk; ++i) {
            const AttemptRecord& record = *kept[std::min(chunk + i, kept.size() - 1)];
            const auto& attempt = record.attempt;
            const int base = static_cast<int>(i * 7);
            logged->bind(base + 1, record.delivery_id)
                .bind(base + 2, attempt.attempt)
                .bind(base + 3, millisText(attempt.at))
                .bind(base + 4, attempt.status_code)
                .bind(base + 5, attempt.latency_ms)
                .bind(base + 6, attempt.error)
                .bind(base + 7, attempt.response_excerpt);
          }
          if (auto done = logged->run(); !done) {
            return done.error();
          }
        }
        std::vector<Status> statuses;
        statuses.reserve(records.size());
        // Each endpoint's failure streak as the batch leaves it: ended by a delivery, started
        // by a failure (again, if a delivery in this batch ended the previous one).
        enum class Streak { Ended, Started, Restarted };
        std::map<std::string, Streak> streaks;
        for (std::size_t i = 0; i < records.size(); ++i) {
          const AttemptRecord& record = records[i];
          if (!applied[i]) {
            statuses.emplace_back(
                makeError(ErrorCode::Conflict,
                          "the lease on delivery dlv_" + std::to_string(record.delivery_id) +
                              " lapsed before its attempt was recorded; the node that holds it now "
                              "decides its outcome",
                          "attempts must end well within the lease (2 x attempt_timeout + 30 s)"));
            continue;
          }
          statuses.emplace_back();
          const bool delivered = record.outcome.kind == AttemptOutcome::Kind::Delivered;
          auto [streak, first] = streaks.try_emplace(record.endpoint_id, Streak::Ended);
          if (delivered) {
            streak->second = Streak::Ended;
          } else if (first) {
            streak->second = Streak::Started;
          } else if (streak->second == Streak::Ended) {
            streak->second = Streak::Restarted;
          }
        }
        // Written only when the streak changes, once per endpoint and batch: every node records
        // attempts of the same endpoint, and a write per attempt would queue them all on the
        // endpoint's row lock.
        for (const auto& [endpoint_id, streak] : streaks) {
          auto done = streak == Streak::Ended
                          ? db.run(
                                "UPDATE webhook_endpoints SET failing_since_ms = 0 WHERE "
                                "failing_since_ms <> 0 AND id = ?",
                                endpoint_id)
                      : streak == Streak::Started
                          ? db.run(
                                "UPDATE webhook_endpoints SET failing_since_ms = ? WHERE "
                                "failing_since_ms = 0 AND id = ?",
                                unixMs(now), endpoint_id)
                          : db.run("UPDATE webhook_endpoints SET failing_since_ms = ? WHERE id = ?",
                                   unixMs(now), endpoint_id);
          if (!done) {
            return done.error();
          }
        }
        return statuses;
      },
      Durability::Relaxed);
}

Result<DeliveryCounts> SqlDeliveries::counts() {
  return sql_.with([&](sql::Database& db) -> Result<DeliveryCounts> {
    // Delivered rows only grow; they are counted by the dispatcher, not scanned here.
    auto rows = db.query(
        "SELECT state, COUNT(*) FROM webhook_deliveries "
        "WHERE state IN ('queued', 'delivering', 'failed') GROUP BY state");
    if (!rows) {
      return rows.error();
    }
    DeliveryCounts counts;
    if (auto done = rows->each([&](sql::Statement& row) {
          (row.text(0) == "failed" ? counts.failed : counts.pending) += row.integer(1);
        });
        !done) {
      return done.error();
    }
    return counts;
  });
}

Result<std::vector<Delivery>> SqlDeliveries::listDeliveries(const std::string& tenant_id,
                                                            const std::string& endpoint_id,
                                                            const DeliveryFilter& filter) {
  std::string sql =
      std::string(kSelectDeliveries) + "WHERE tenant_id = ? AND endpoint_id = ? AND id > ?";
  const bool pending = filter.status == "pending";
  if (pending) {
    sql += " AND state IN ('queued', 'delivering')";
  } else if (filter.status) {
    sql += " AND state = ?";
  }
  if (filter.event_id) {
    sql += " AND event_id = ?";
  }
  sql += " ORDER BY id LIMIT ?";
  return sql_.with([&](sql::Database& db) -> Result<std::vector<Delivery>> {
    auto rows = db.query(sql, tenant_id, endpoint_id, filter.after_id);
    if (!rows) {
      return rows.error();
    }
    int index = 4;
    if (filter.status && !pending) {
      rows->bind(index++, *filter.status);
    }
    if (filter.event_id) {
      rows->bind(index++, *filter.event_id);
    }
    rows->bind(index, static_cast<std::int64_t>(filter.limit + 1));
    if (auto ordered = db.beginOrderedRead(); !ordered) {
      return ordered.error();
    }
    auto out = rows->all(deliveryFrom);
    db.endOrderedRead();
    if (!out) {
      return out.error();
    }
    if (auto loaded = loadAttempts(db, *out); !loaded) {
      return loaded.error();
    }
    return out;
  });
}

Result<std::optional<Delivery>> SqlDeliveries::findDelivery(const std::string& tenant_id,
                                                            const std::string& endpoint_id,
                                                            std::int64_t delivery_id) {
  return sql_.with(
      [&](sql::Database& db) { return findIn(db, tenant_id, endpoint_id, delivery_id); });
}

Result<Delivery> SqlDeliveries::resendDelivery(const std::string& tenant_id,
                                               const std::string& endpoint_id,
                                               std::int64_t delivery_id,
                                               UtcMillis now) {
  return sql_.write([&](sql::Database& db) -> Result<Delivery> {
    auto current = findIn(db, tenant_id, endpoint_id, delivery_id);
    if (!current) {
      return current.error();
    }
    if (!*current) {
      return makeError(ErrorCode::NotFound, "no delivery dlv_" + std::to_string(delivery_id));
    }
    if ((*current)->state == "delivering") {
      return busy();
    }
    // Not while a node is attempting it (it may have claimed it since the read above): queued
    // again under its lease, it could be attempted twice at once.
    auto changed = db.run(
        "UPDATE webhook_deliveries SET state = 'queued', due_ms = ?, created_ms = ?, "
        "delivered_at = '', last_error = '' WHERE id = ? AND state <> 'delivering'",
        unixMs(now), unixMs(now), delivery_id);
    if (!changed) {
      return changed.error();
    }
    if (*changed == 0) {
      return busy();
    }
    auto updated = findIn(db, tenant_id, endpoint_id, delivery_id);
    if (!updated) {
      return updated.error();
    }
    return std::move(updated->value());
  });
}

Result<std::int64_t> SqlDeliveries::recoverDeliveries(const std::string& tenant_id,
                                                      const std::string& endpoint_id,
                                                      UtcMillis since,
                                                      UtcMillis now) {
  return sql_.with([&](sql::Database& db) {
    return db.run(
        "UPDATE webhook_deliveries SET state = 'queued', due_ms = ?, created_ms = ?, "
        "last_error = '' WHERE tenant_id = ? AND endpoint_id = ? AND "
        "state = 'failed' AND created_at >= ?",
        unixMs(now), unixMs(now), tenant_id, endpoint_id, secondsText(since));
  });
}

Result<std::int64_t> SqlDeliveries::countDeliveries(const std::string& tenant_id) {
  return sql_.with([&](sql::Database& db) {
    return db.scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE tenant_id = ?", tenant_id);
  });
}

Result<std::vector<HourAttempts>> SqlDeliveries::attemptsByHour(const std::string& tenant_id,
                                                                const std::string& endpoint_id,
                                                                UtcMillis since) {
  // Attempt times are RFC 3339 UTC text: the first 13 characters name the hour. A status of 0
  // is an attempt that got no HTTP answer.
  return sql_.with([&](sql::Database& db) -> Result<std::vector<HourAttempts>> {
    auto rows = db.query(
        "SELECT substr(a.at, 1, 13), COUNT(*), "
        "SUM(CASE WHEN a.status_code >= 200 AND a.status_code < 300 THEN 1 ELSE 0 END), "
        "CAST(AVG(a.latency_ms) AS INTEGER) FROM webhook_attempts a JOIN webhook_deliveries d "
        "ON d.id = a.delivery_id WHERE d.tenant_id = ? AND d.endpoint_id = ? AND a.at >= ? "
        "GROUP BY substr(a.at, 1, 13) ORDER BY 1",
        tenant_id, endpoint_id, millisText(since));
    if (!rows) {
      return rows.error();
    }
    return rows->all([](sql::Statement& row) {
      HourAttempts hour{row.text(0), row.integer(1), row.integer(2), std::nullopt};
      if (!row.isNull(3)) {
        hour.latency_ms_avg = static_cast<double>(row.integer(3));
      }
      return hour;
    });
  });
}

}  // namespace punchlink::relay
