-- As 0007_per_tenant_devices_punches_events.sql: serials, punch ids and event ids are unique
-- per tenant. PostgreSQL changes the keys in place.
ALTER TABLE devices DROP CONSTRAINT devices_pkey;
ALTER TABLE devices ADD PRIMARY KEY (tenant_id, serial);
CREATE INDEX devices_by_site ON devices(site_id);
ALTER TABLE punches DROP CONSTRAINT punches_event_id_key;
ALTER TABLE punches ADD CONSTRAINT punches_tenant_event_key UNIQUE (tenant_id, event_id);
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD PRIMARY KEY (tenant_id, event_id);
