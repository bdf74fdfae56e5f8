// SqlStore: webhook endpoints, deliveries and their attempts, and the events (device status,
// command outcomes) that cause deliveries.
#include "sql_store.hpp"
#include "store/delivery_queue.hpp"
#include "store/sql_support.hpp"

#include <punchlink/common/clock.hpp>

#include <algorithm>
#include <set>

namespace punchlink::relay {

using sql_support::nowText;
using sql_support::rfc3339;

namespace {

constexpr std::string_view kSelectEndpoints =
    "SELECT id, tenant_id, url, description, events, enabled, disabled_reason, secret, "
    "previous_secret, previous_secret_expires_ms, failing_since_ms, created_at, updated_at "
    "FROM webhook_endpoints ";

WebhookEndpoint endpointFrom(sql::Statement& row) {
  WebhookEndpoint endpoint;
  endpoint.id = row.text(0);
  endpoint.tenant_id = row.text(1);
  endpoint.url = row.text(2);
  endpoint.description = row.text(3);
  endpoint.events = row.text(4);
  endpoint.enabled = row.integer(5) != 0;
  endpoint.disabled_reason = row.text(6);
  endpoint.secret = row.text(7);
  endpoint.previous_secret = row.text(8);
  endpoint.previous_secret_expires_ms = row.integer(9);
  endpoint.failing_since_ms = row.integer(10);
  endpoint.created_at = row.text(11);
  endpoint.updated_at = row.text(12);
  return endpoint;
}

constexpr std::string_view kSelectDeliveries =
    "SELECT id, tenant_id, endpoint_id, event_id, event_type, body, state, attempts, due_ms, "
    "created_ms, created_at, delivered_at, last_error FROM webhook_deliveries ";

Delivery deliveryFrom(sql::Statement& row) {
  Delivery delivery;
  delivery.id = row.integer(0);
  delivery.tenant_id = row.text(1);
  delivery.endpoint_id = row.text(2);
  delivery.event_id = row.text(3);
  delivery.event_type = row.text(4);
  delivery.body = row.text(5);
  delivery.state = row.text(6);
  delivery.attempt_count = row.integer(7);
  delivery.due_ms = row.integer(8);
  delivery.created_ms = row.integer(9);
  delivery.created_at = row.text(10);
  delivery.delivered_at = row.text(11);
  delivery.last_error = row.text(12);
  return delivery;
}

}  // namespace

Status SqlStore::queueDeviceEvent(const std::string& tenant_id,
                                  const std::string& serial,
                                  bool online,
                                  UtcSeconds now) {
  auto device = db_->prepare("SELECT name, location FROM devices WHERE serial = ?");
  if (!device) {
    return device.error();
  }
  device->bind(1, serial);
  auto names = device->first([](sql::Statement& row) {
    return std::pair{row.text(0), row.text(1)};
  });
  if (!names) {
    return names.error();
  }
  const auto event = events::deviceStatusChanged(
      online, {serial, *names ? (*names)->first : "", *names ? (*names)->second : ""}, now);
  auto queue = DeliveryQueue::prepare(*db_, tenant_id, event.type);
  if (!queue) {
    return queue.error();
  }
  if (auto recorded = queue->record(event, epochMillis(now)); !recorded) {
    return recorded.error();
  }
  return {};
}

Status SqlStore::queueCommandEvents(const std::string& command_id) {
  auto statement = db_->prepare(
      "SELECT c.tenant_id, c.type, c.device_serial, COALESCE(c.user_id, ''), c.state, "
      "COALESCE(c.error, ''), c.updated_at, COALESCE(u.name, '') FROM commands c "
      "LEFT JOIN users u ON u.tenant_id = c.tenant_id AND u.user_id = c.user_id WHERE c.id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, command_id);

  struct Row {
    std::string tenant_id;
    events::CommandFacts facts;
  };

  auto row = statement->first([&](sql::Statement& r) {
    return Row{r.text(0),
               {command_id, r.text(1), r.text(2), r.text(4) == "succeeded", r.text(3), r.text(7),
                r.text(5), r.text(6)}};
  });
  if (!row) {
    return row.error();
  }
  if (!*row) {
    return {};
  }
  const Row& command = **row;
  const std::int64_t now_ms = epochMillis(std::chrono::system_clock::now());
  const auto record = [&](const events::Event& event) -> Status {
    auto queue = DeliveryQueue::prepare(*db_, command.tenant_id, event.type);
    if (!queue) {
      return queue.error();
    }
    if (auto recorded = queue->record(event, now_ms); !recorded) {
      return recorded.error();
    }
    return {};
  };
  if (auto done = record(events::commandFinished(command.facts)); !done) {
    return done;
  }
  if (command.facts.type == "enroll_user" && command.facts.succeeded) {
    return record(events::userEnrolled(command.facts));
  }
  return {};
}

Status SqlStore::createWebhookEndpoint(const WebhookEndpoint& endpoint) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(
      "INSERT INTO webhook_endpoints(id, tenant_id, url, secret, events, enabled, created_at, "
      "description, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, endpoint.id)
      .bind(2, endpoint.tenant_id)
      .bind(3, endpoint.url)
      .bind(4, endpoint.secret)
      .bind(5, endpoint.events)
      .bind(6, endpoint.created_at)
      .bind(7, endpoint.description)
      .bind(8, endpoint.updated_at);
  return statement->run();
}

Result<std::vector<WebhookEndpoint>> SqlStore::listWebhookEndpoints(const std::string& tenant_id) {
  const std::lock_guard lock(mutex_);
  auto statement =
      db_->prepare(std::string(kSelectEndpoints) + "WHERE tenant_id = ? ORDER BY created_at, id");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, tenant_id);
  return statement->all(endpointFrom);
}

Result<std::optional<WebhookEndpoint>> SqlStore::findEndpointLocked(const std::string& tenant_id,
                                                                    const std::string& id) {
  auto statement =
      db_->prepare(std::string(kSelectEndpoints) +
                   (tenant_id.empty() ? "WHERE id = ?" : "WHERE id = ? AND tenant_id = ?"));
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, id);
  if (!tenant_id.empty()) {
    statement->bind(2, tenant_id);
  }
  return statement->first(endpointFrom);
}

Result<WebhookEndpoint> SqlStore::requireEndpointLocked(const std::string& tenant_id,
                                                        const std::string& id) {
  auto endpoint = findEndpointLocked(tenant_id, id);
  if (!endpoint) {
    return endpoint.error();
  }
  if (!*endpoint) {
    return makeError(ErrorCode::NotFound, "no webhook endpoint " + id);
  }
  return **endpoint;
}

Result<std::optional<WebhookEndpoint>> SqlStore::findWebhookEndpoint(const std::string& tenant_id,
                                                                     const std::string& id) {
  const std::lock_guard lock(mutex_);
  return findEndpointLocked(tenant_id, id);
}

Result<WebhookEndpoint> SqlStore::updateWebhookEndpoint(const std::string& tenant_id,
                                                        const std::string& id,
                                                        const EndpointChanges& changes) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(
      "UPDATE webhook_endpoints SET url = COALESCE(?, url), events = COALESCE(?, events), "
      "description = COALESCE(?, description), enabled = COALESCE(?, enabled), "
      "disabled_reason = CASE WHEN ? = 1 THEN '' ELSE disabled_reason END, "
      "failing_since_ms = CASE WHEN ? = 1 THEN 0 ELSE failing_since_ms END, updated_at = ? "
      "WHERE id = ? AND tenant_id = ?");
  if (!statement) {
    return statement.error();
  }
  const auto bind_optional = [&](int index, const std::optional<std::string>& value) {
    if (value) {
      statement->bind(index, *value);
    } else {
      statement->bindNull(index);
    }
  };
  bind_optional(1, changes.url);
  bind_optional(2, changes.events);
  bind_optional(3, changes.description);
  if (changes.enabled) {
    statement->bind(4, std::int64_t{*changes.enabled ? 1 : 0});
  } else {
    statement->bindNull(4);
  }
  const std::int64_t enabling = changes.enabled.value_or(false) ? 1 : 0;
  statement->bind(5, enabling).bind(6, enabling).bind(7, nowText()).bind(8, id).bind(9, tenant_id);
  if (auto done = statement->run(); !done) {
    return done.error();
  }
  return requireEndpointLocked(tenant_id, id);
}

Status SqlStore::deleteWebhookEndpoint(const std::string& tenant_id, const std::string& id) {
  const std::lock_guard lock(mutex_);
  if (auto endpoint = requireEndpointLocked(tenant_id, id); !endpoint) {
    return endpoint.error();
  }
  return db_->transaction([&]() -> Status {
    for (const char* sql : {"DELETE FROM webhook_attempts WHERE delivery_id IN "
                            "(SELECT id FROM webhook_deliveries WHERE endpoint_id = ?)",
                            "DELETE FROM webhook_deliveries WHERE endpoint_id = ?",
                            "DELETE FROM webhook_endpoints WHERE id = ?"}) {
      auto statement = db_->prepare(sql);
      if (!statement) {
        return statement.error();
      }
      statement->bind(1, id);
      if (auto done = statement->run(); !done) {
        return done;
      }
    }
    return {};
  });
}

Result<WebhookEndpoint> SqlStore::rotateWebhookSecret(const std::string& tenant_id,
                                                      const std::string& id,
                                                      const std::string& new_secret,
                                                      std::int64_t previous_expires_ms) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(
      "UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_expires_ms = ?, "
      "secret = ?, updated_at = ? WHERE id = ? AND tenant_id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, previous_expires_ms)
      .bind(2, new_secret)
      .bind(3, nowText())
      .bind(4, id)
      .bind(5, tenant_id);
  if (auto done = statement->run(); !done) {
    return done.error();
  }
  return requireEndpointLocked(tenant_id, id);
}

Result<std::vector<Store::ClaimedDelivery>> SqlStore::claimDueDeliveries(
    const std::string& owner,
    std::int64_t now_ms,
    std::int64_t lease_ms,
    std::size_t limit,
    const std::map<std::string, std::size_t>& per_endpoint_capacity,
    std::size_t default_capacity) {
  const std::lock_guard lock(mutex_);
  std::vector<ClaimedDelivery> claimed;
  // Leases and attempts are bookkeeping committed without waiting for fsync (Relaxed): what a
  // power cut can take back is at most a lease or the record of an attempt, so the delivery is
  // sent again, never lost; the delivery itself was committed with FULL when it was queued.
  // It saves two fsyncs per webhook.
  auto status = db_->transaction(
      [&]() -> Status {
        // Endpoint by endpoint, so one endpoint's backlog can never crowd out the others.
        auto endpoints = db_->prepare(std::string(kSelectEndpoints) + "WHERE enabled = 1");
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
        auto due = db_->prepare(
            std::string(kSelectDeliveries) +
            "WHERE endpoint_id = ? AND ((state = 'queued' AND due_ms <= ?) OR "
            "(state = 'delivering' AND lease_until_ms <= ?)) "
            "ORDER BY due_ms, id LIMIT ?" +
            (db_->dialect() == sql::Dialect::Postgres ? " FOR UPDATE SKIP LOCKED" : ""));
        auto lease = db_->prepare(
            "UPDATE webhook_deliveries SET state = 'delivering', lease_owner = ?, lease_until_ms = "
            "? "
            "WHERE id = ?");
        if (!due) {
          return due.error();
        }
        if (!lease) {
          return lease.error();
        }
        for (const auto& endpoint : *enabled) {
          if (claimed.size() >= limit) {
            break;
          }
          const auto found = per_endpoint_capacity.find(endpoint.id);
          const std::size_t capacity =
              std::min(found == per_endpoint_capacity.end() ? default_capacity : found->second,
                       limit - claimed.size());
          if (capacity == 0) {
            continue;
          }
          due->reset();
          due->bind(1, endpoint.id)
              .bind(2, now_ms)
              .bind(3, now_ms)
              .bind(4, static_cast<std::int64_t>(capacity));
          const std::size_t first = claimed.size();
          if (auto done = due->each([&](sql::Statement& row) {
                claimed.push_back({deliveryFrom(row), endpoint});
              });
              !done) {
            return done;
          }
          for (std::size_t i = first; i < claimed.size(); ++i) {
            lease->reset();
            lease->bind(1, owner).bind(2, now_ms + lease_ms).bind(3, claimed[i].delivery.id);
            if (auto done = lease->run(); !done) {
              return done;
            }
            claimed[i].delivery.state = "delivering";
          }
        }
        return {};
      },
      sql::Durability::Relaxed);
  if (!status) {
    return status.error();
  }
  return claimed;
}

Status SqlStore::releaseLeases(const std::string& owner) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(
      "UPDATE webhook_deliveries SET state = 'queued', lease_owner = '', lease_until_ms = 0 "
      "WHERE state = 'delivering' AND lease_owner = ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, owner);
  return statement->run();
}

Status SqlStore::recordAttempt(const std::string& owner,
                               std::int64_t delivery_id,
                               const DeliveryAttempt& attempt,
                               const AttemptOutcome& outcome,
                               std::int64_t now_ms) {
  const std::lock_guard lock(mutex_);
  return db_->transaction(
      [&]() -> Status {
        const bool delivered = outcome.kind == AttemptOutcome::Kind::Delivered;
        const char* state = delivered                                     ? "delivered"
                            : outcome.kind == AttemptOutcome::Kind::Retry ? "queued"
                                                                          : "failed";
        // Only while the lease is still this node's: a node that stalled past its lease must
        // not overwrite the outcome of the node that took the delivery over, nor free its lease.
        auto update = db_->prepare(
            "UPDATE webhook_deliveries SET state = ?, attempts = ?, due_ms = ?, "
            "lease_owner = '', lease_until_ms = 0, delivered_at = ?, last_error = ? "
            "WHERE id = ? AND state = 'delivering' AND lease_owner = ?");
        if (!update) {
          return update.error();
        }
        const std::int64_t due =
            outcome.kind == AttemptOutcome::Kind::Retry ? outcome.next_due_ms : 0;
        update->bind(1, state)
            .bind(2, attempt.attempt)
            .bind(3, due)
            .bind(4, delivered ? attempt.at : std::string())
            .bind(5, delivered                ? std::string()
                     : outcome.reason.empty() ? attempt.error
                                              : outcome.reason)
            .bind(6, delivery_id)
            .bind(7, owner);
        if (auto done = update->run(); !done) {
          return done;
        }
        if (db_->changes() == 0) {
          return makeError(ErrorCode::Conflict,
                           "the lease on delivery dlv_" + std::to_string(delivery_id) +
                               " lapsed before its attempt was recorded; the node that holds it "
                               "now decides its outcome",
                           "attempts must end well within the lease (2 x attempt_timeout + 30 s)");
        }
        auto log = db_->prepare(
            "INSERT INTO webhook_attempts(delivery_id, attempt, at, status_code, latency_ms, "
            "error, response_excerpt) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(delivery_id, attempt) DO NOTHING");
        if (!log) {
          return log.error();
        }
        log->bind(1, delivery_id)
            .bind(2, attempt.attempt)
            .bind(3, attempt.at)
            .bind(4, attempt.status_code)
            .bind(5, attempt.latency_ms)
            .bind(6, attempt.error)
            .bind(7, attempt.response_excerpt);
        if (auto done = log->run(); !done) {
          return done;
        }
        // Written only when the streak changes: every node records attempts of the same
        // endpoint, and a write per attempt would queue them all on the endpoint's row lock.
        auto streak = db_->prepare(
            delivered
                ? "UPDATE webhook_endpoints SET failing_since_ms = 0 WHERE failing_since_ms <> 0 "
                  "AND id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = ?)"
                : "UPDATE webhook_endpoints SET failing_since_ms = ? WHERE failing_since_ms = 0 "
                  "AND id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = ?)");
        if (!streak) {
          return streak.error();
        }
        if (delivered) {
          streak->bind(1, delivery_id);
        } else {
          streak->bind(1, now_ms).bind(2, delivery_id);
        }
        return streak->run();
      },
      sql::Durability::Relaxed);
}

Status SqlStore::disableWebhookEndpoint(const std::string& endpoint_id,
                                        const std::string& reason,
                                        std::int64_t now_ms) {
  const std::lock_guard lock(mutex_);
  return db_->transaction([&]() -> Status {
    auto endpoint = findEndpointLocked("", endpoint_id);
    if (!endpoint) {
      return endpoint.error();
    }
    if (!*endpoint || !(*endpoint)->enabled) {
      return {};
    }
    // Only the node whose update turns it off records the event: two nodes giving up on the
    // same endpoint at once make one event, not two.
    auto statement = db_->prepare(
        "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, updated_at = ? "
        "WHERE id = ? AND enabled = 1");
    if (!statement) {
      return statement.error();
    }
    statement->bind(1, reason).bind(2, nowText()).bind(3, endpoint_id);
    if (auto done = statement->run(); !done) {
      return done;
    }
    if (db_->changes() == 0) {
      return {};
    }
    const auto event = events::endpointDisabled(endpoint_id, (*endpoint)->url, reason,
                                                UtcMillis{std::chrono::milliseconds{now_ms}});
    // Recorded for the operator and the API, and delivered to the tenant's other endpoints
    // subscribed to it; not to the endpoint that just failed.
    auto queue = DeliveryQueue::prepare(*db_, (*endpoint)->tenant_id, event.type);
    if (!queue) {
      return queue.error();
    }
    if (auto recorded = queue->record(event, now_ms); !recorded) {
      return recorded.error();
    }
    return {};
  });
}

Status SqlStore::loadAttempts(std::vector<Delivery>& deliveries) {
  auto statement = db_->prepare(
      "SELECT attempt, at, status_code, latency_ms, error, response_excerpt FROM webhook_attempts "
      "WHERE delivery_id = ? ORDER BY attempt");
  if (!statement) {
    return statement.error();
  }
  for (auto& delivery : deliveries) {
    statement->reset();
    statement->bind(1, delivery.id);
    if (auto done = statement->each([&](sql::Statement& row) {
          delivery.attempts.push_back({row.integer(0), row.text(1), row.integer(2), row.integer(3),
                                       row.text(4), row.text(5)});
        });
        !done) {
      return done;
    }
  }
  return {};
}

Result<std::vector<Delivery>> SqlStore::listDeliveries(const std::string& tenant_id,
                                                       const std::string& endpoint_id,
                                                       const DeliveryFilter& filter) {
  const std::lock_guard lock(mutex_);
  std::string sql =
      std::string(kSelectDeliveries) + "WHERE tenant_id = ? AND endpoint_id = ? AND id > ?";
  if (filter.status == "pending") {
    sql += " AND state IN ('queued', 'delivering')";
  } else if (filter.status) {
    sql += " AND state = ?";
  }
  if (filter.event_id) {
    sql += " AND event_id = ?";
  }
  sql += " ORDER BY id LIMIT ?";
  auto statement = db_->prepare(sql);
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, tenant_id).bind(2, endpoint_id).bind(3, filter.after_id);
  int index = 4;
  if (filter.status && *filter.status != "pending") {
    statement->bind(index++, *filter.status);
  }
  if (filter.event_id) {
    statement->bind(index++, *filter.event_id);
  }
  statement->bind(index, static_cast<std::int64_t>(filter.limit + 1));
  if (auto ordered = db_->beginOrderedRead(); !ordered) {
    return ordered.error();
  }
  auto out = statement->all(deliveryFrom);
  db_->endOrderedRead();
  if (!out) {
    return out.error();
  }
  if (auto loaded = loadAttempts(*out); !loaded) {
    return loaded.error();
  }
  return out;
}

Result<std::optional<Delivery>> SqlStore::findDelivery(const std::string& tenant_id,
                                                       const std::string& endpoint_id,
                                                       std::int64_t delivery_id) {
  const std::lock_guard lock(mutex_);
  return findDeliveryLocked(tenant_id, endpoint_id, delivery_id);
}

Result<std::optional<Delivery>> SqlStore::findDeliveryLocked(const std::string& tenant_id,
                                                             const std::string& endpoint_id,
                                                             std::int64_t delivery_id) {
  auto statement = db_->prepare(std::string(kSelectDeliveries) +
                                "WHERE tenant_id = ? AND endpoint_id = ? AND id = ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, tenant_id).bind(2, endpoint_id).bind(3, delivery_id);
  auto row = statement->first(deliveryFrom);
  if (!row) {
    return row.error();
  }
  if (!*row) {
    return std::optional<Delivery>{};
  }
  std::vector<Delivery> one{std::move(**row)};
  if (auto loaded = loadAttempts(one); !loaded) {
    return loaded.error();
  }
  return std::optional<Delivery>(std::move(one.front()));
}

Result<Delivery> SqlStore::resendDelivery(const std::string& tenant_id,
                                          const std::string& endpoint_id,
                                          std::int64_t delivery_id,
                                          std::int64_t now_ms) {
  const std::lock_guard lock(mutex_);
  auto current = findDeliveryLocked(tenant_id, endpoint_id, delivery_id);
  if (!current) {
    return current.error();
  }
  if (!*current) {
    return makeError(ErrorCode::NotFound, "no delivery dlv_" + std::to_string(delivery_id));
  }
  if ((*current)->state == "delivering") {
    return makeError(ErrorCode::Conflict, "the delivery is being attempted right now",
                     "look at it again in a moment");
  }
  // Not while a node is attempting it (it may have claimed it since the read above): queued
  // again under its lease, it could be attempted twice at once.
  auto statement = db_->prepare(
      "UPDATE webhook_deliveries SET state = 'queued', due_ms = ?, created_ms = ?, "
      "delivered_at = '', last_error = '' WHERE id = ? AND state <> 'delivering'");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, now_ms).bind(2, now_ms).bind(3, delivery_id);
  if (auto done = statement->run(); !done) {
    return done.error();
  }
  if (db_->changes() == 0) {
    return makeError(ErrorCode::Conflict, "the delivery is being attempted right now",
                     "look at it again in a moment");
  }
  auto updated = findDeliveryLocked(tenant_id, endpoint_id, delivery_id);
  if (!updated) {
    return updated.error();
  }
  return std::move(updated->value());
}

Result<std::int64_t> SqlStore::recoverDeliveries(const std::string& tenant_id,
                                                 const std::string& endpoint_id,
                                                 std::int64_t since_ms,
                                                 std::int64_t now_ms) {
  const std::lock_guard lock(mutex_);
  auto statement = db_->prepare(
      "UPDATE webhook_deliveries SET state = 'queued', due_ms = ?, created_ms = ?, "
      "last_error = '' WHERE tenant_id = ? AND endpoint_id = ? AND "
      "state = 'failed' AND created_at >= ?");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, now_ms)
      .bind(2, now_ms)
      .bind(3, tenant_id)
      .bind(4, endpoint_id)
      .bind(5, rfc3339(std::chrono::floor<std::chrono::seconds>(
                   UtcMillis{std::chrono::milliseconds{since_ms}})));
  if (auto done = statement->run(); !done) {
    return done.error();
  }
  return db_->changes();
}

Result<DeliveryCounts> SqlStore::deliveryCounts() {
  const std::lock_guard lock(mutex_);
  // Delivered rows only grow; they are counted by the dispatcher, not scanned here.
  auto statement = db_->prepare(
      "SELECT state, COUNT(*) FROM webhook_deliveries "
      "WHERE state IN ('queued', 'delivering', 'failed') GROUP BY state");
  if (!statement) {
    return statement.error();
  }
  DeliveryCounts counts;
  if (auto done = statement->each([&](sql::Statement& row) {
        (row.text(0) == "failed" ? counts.failed : counts.pending) += row.integer(1);
      });
      !done) {
    return done.error();
  }
  return counts;
}

}  // namespace punchlink::relay
