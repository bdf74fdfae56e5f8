-- Operator console sessions: an API key exchanged for a cookie. Kept in the database so any
-- relay node serves a session another signed in on; the cookie's secret is stored only hashed.
CREATE TABLE console_sessions (
  id_hash TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants(id),
  key_id TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX console_sessions_by_expiry ON console_sessions(expires_at);
CREATE INDEX console_sessions_by_key ON console_sessions(key_id, created_at);
