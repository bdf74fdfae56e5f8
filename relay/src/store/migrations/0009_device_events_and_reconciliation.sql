-- Device events (doors, alarms, denied access, clock drift, missing records): kept per tenant,
-- idempotent by event id, paged by seq like punches.
CREATE TABLE device_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  site_id TEXT NOT NULL,
  device_serial TEXT NOT NULL,
  type TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (tenant_id, event_id)
);
CREATE INDEX device_events_by_tenant_time ON device_events(tenant_id, timestamp, seq);
-- A terminal's punches counted by its own clock, to compare with the records it says it holds.
-- Rows stored before this migration have none and are not counted.
ALTER TABLE punches ADD COLUMN local_time TEXT;
CREATE INDEX punches_by_device_local_time ON punches(tenant_id, device_serial, local_time);
-- The last comparison (JSON) and since when records have been missing (RFC 3339, '' = none;
-- 'notified' once device.records_missing went out for this gap).
ALTER TABLE devices ADD COLUMN reconciliation TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN gap_since TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN gap_notified INTEGER NOT NULL DEFAULT 0;
-- A device's commands, newest first; commands waiting for a result, oldest first.
CREATE INDEX commands_by_device ON commands(tenant_id, device_serial, created_at, id);
CREATE INDEX commands_by_state_time ON commands(state, created_at);
