ALTER TABLE webhook_endpoints ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN disabled_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_expires_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_endpoints ADD COLUMN failing_since_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_endpoints ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN due_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN created_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN lease_until_ms BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_deliveries ADD COLUMN delivered_at TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_deliveries ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
CREATE INDEX deliveries_by_endpoint_due ON webhook_deliveries(endpoint_id, state, due_ms);
CREATE INDEX deliveries_by_endpoint ON webhook_deliveries(tenant_id, endpoint_id, id);
CREATE TABLE webhook_attempts (
  delivery_id BIGINT NOT NULL,
  attempt INTEGER NOT NULL,
  at TEXT NOT NULL,
  status_code INTEGER NOT NULL,
  latency_ms BIGINT NOT NULL,
  error TEXT NOT NULL,
  response_excerpt TEXT NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);
CREATE TABLE events (
  event_id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL
);
