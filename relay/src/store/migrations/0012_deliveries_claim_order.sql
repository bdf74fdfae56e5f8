-- Claims read each endpoint's due deliveries in (due_ms, id) order straight from this index, so
-- a claim costs the same with a backlog of millions as with none. (SQLite orders equal keys by
-- rowid already; PostgreSQL needs id in the index.)
DROP INDEX deliveries_by_endpoint_due;
CREATE INDEX deliveries_by_endpoint_due ON webhook_deliveries(endpoint_id, state, due_ms, id);
