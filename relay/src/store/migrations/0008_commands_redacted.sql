-- Commands finished before redaction existed still carry PINs, cards and templates; this marks
-- which payloads have been redacted so the relay can sweep the rest (CommandResender).
ALTER TABLE commands ADD COLUMN redacted INTEGER NOT NULL DEFAULT 0;
CREATE INDEX commands_unredacted ON commands(state) WHERE redacted = 0;
