-- Receivers that opt in get several events in one request (docs/webhooks.md "Batched
-- delivery"); 1 keeps the single-event body every endpoint had before.
ALTER TABLE webhook_endpoints ADD COLUMN max_events_per_request INTEGER NOT NULL DEFAULT 1;
