-- due_ms (migration 4) took over from the text column; nothing reads it any more.
DROP INDEX deliveries_due;
ALTER TABLE webhook_deliveries DROP COLUMN next_attempt_at;
CREATE INDEX deliveries_by_state ON webhook_deliveries(state);
