-- Serials, punch ids and event ids are unique per tenant, not across tenants: one tenant can no
-- longer squat another's terminal serial, nor make another's punches look like replays. SQLite
-- changes a key only by copying the table.
CREATE TABLE devices_by_tenant (
  serial TEXT NOT NULL,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  site_id TEXT,
  name TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  registration TEXT NOT NULL,
  status_json TEXT,
  online INTEGER NOT NULL DEFAULT 0,
  last_seen TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, serial)
);
INSERT INTO devices_by_tenant SELECT serial, tenant_id, site_id, name, location, registration,
  status_json, online, last_seen, created_at FROM devices;
DROP TABLE devices;
ALTER TABLE devices_by_tenant RENAME TO devices;
CREATE INDEX devices_by_site ON devices(site_id);

CREATE TABLE punches_by_tenant (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  device_serial TEXT NOT NULL,
  user_id TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  punch_type TEXT,
  method TEXT,
  payload TEXT NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (tenant_id, event_id)
);
INSERT INTO punches_by_tenant SELECT seq, event_id, tenant_id, site_id, device_serial, user_id,
  timestamp, punch_type, method, payload, received_at FROM punches;
DROP TABLE punches;
ALTER TABLE punches_by_tenant RENAME TO punches;
CREATE INDEX punches_by_tenant_time ON punches(tenant_id, timestamp, seq);

CREATE TABLE events_by_tenant (
  event_id TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, event_id)
);
INSERT INTO events_by_tenant SELECT event_id, tenant_id, event_type, body, created_at FROM events;
DROP TABLE events;
ALTER TABLE events_by_tenant RENAME TO events;
