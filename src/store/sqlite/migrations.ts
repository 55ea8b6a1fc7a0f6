/**
 * Forward-only migrations for the SQLite store. Append; never edit a shipped entry.
 * Times are INTEGER epoch milliseconds; ids are prefixed, time-sortable text.
 */
import { DROP_CREATED_INDEXES_SQL, DROP_STATUS_INDEX_SQL, attemptCountsSql, instancesSql, statsSql, MESSAGE_CHANNEL_SQL, FALLBACK_AT_SQL, auditSql, modesSql, RETENTION_INDEXES_SQL, SQLITE_TYPES, rateLimitTablesSql, smsDeliveryTablesSql, templateTablesSql } from '../migrations.common.js';

export const SQLITE_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'core',
    sql: `
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE services (
  id TEXT PRIMARY KEY,
  settings TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('admin', 'service')),
  service_id TEXT REFERENCES services(id) ON DELETE CASCADE,
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  name TEXT,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX api_keys_service ON api_keys(service_id);

CREATE TABLE verifications (
  id TEXT PRIMARY KEY,
  service_id TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  to_number TEXT NOT NULL,
  country TEXT,
  channel TEXT NOT NULL,
  status TEXT NOT NULL,
  locale TEXT NOT NULL,
  code_digest BLOB NOT NULL,
  code_sealed BLOB NOT NULL,
  context_digest TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  send_count INTEGER NOT NULL,
  max_sends INTEGER NOT NULL,
  resend_cooldown_ms INTEGER NOT NULL,
  last_send_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  is_test INTEGER NOT NULL,
  client_ip TEXT
);
-- Resend and check-by-number look up the newest verification of a number in a service.
CREATE INDEX verifications_lookup ON verifications(service_id, to_number, context_digest, id);
CREATE INDEX verifications_service ON verifications(service_id, id);
CREATE INDEX verifications_status ON verifications(service_id, status, id);

CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  verification_id TEXT NOT NULL REFERENCES verifications(id) ON DELETE CASCADE,
  service_id TEXT NOT NULL,
  to_number TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  lease_until INTEGER,
  provider TEXT,
  provider_message_id TEXT,
  error_code TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX messages_verification ON messages(verification_id);
-- Only unfinished messages are in this index, so claiming stays cheap however large the table grows.
CREATE INDEX messages_due ON messages(next_attempt_at) WHERE status IN ('queued', 'sending');

CREATE TABLE dev_outbox (
  id TEXT PRIMARY KEY,
  service_id TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  verification_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  to_number TEXT NOT NULL,
  body_sealed BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX dev_outbox_service ON dev_outbox(service_id, to_number, id);

CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status_code INTEGER,
  body TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
`,
  },
  {
    version: 2,
    name: 'retention',
    sql: RETENTION_INDEXES_SQL,
  },
  {
    version: 40,
    name: 'sms-delivery',
    sql: smsDeliveryTablesSql(SQLITE_TYPES),
  },
  {
    version: 41,
    name: 'service-templates',
    sql: templateTablesSql(SQLITE_TYPES),
  },
  {
    version: 50,
    name: 'abuse_controls',
    sql: `
-- Abuse-control counters (rate-limiter-flexible's layout) when no Redis is configured.
CREATE TABLE limit_counters (
  key TEXT PRIMARY KEY,
  points INTEGER NOT NULL DEFAULT 0,
  expire INTEGER
);
CREATE INDEX limit_counters_expire ON limit_counters(expire);

-- Destination prefixes that the SMS-pumping guard blocked (mode 'enforced') or would have ('monitor').
CREATE TABLE prefix_blocks (
  service_id TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  prefix TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('enforced', 'monitor')),
  reason TEXT NOT NULL,
  sends INTEGER NOT NULL,
  approvals INTEGER NOT NULL,
  baseline_per_window REAL NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (service_id, prefix)
);
`,
  },
  {
    version: 51,
    name: 'sandbox_keys',
    sql: `
-- Test-mode (sandbox) keys, and the verifications they start: dev outbox only, no budgets.
ALTER TABLE api_keys ADD COLUMN mode TEXT NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'test'));
ALTER TABLE verifications ADD COLUMN sandbox INTEGER NOT NULL DEFAULT 0;
`,
  },
  // 60–69: the Twilio-compatible surface (issue 6).
  {
    version: 60,
    name: 'verification custom code, friendly name and app hash',
    sql: `
ALTER TABLE verifications ADD COLUMN custom_code INTEGER NOT NULL DEFAULT 0;
ALTER TABLE verifications ADD COLUMN friendly_name TEXT;
ALTER TABLE verifications ADD COLUMN app_hash TEXT;
-- The attempts log lists sends of a service (or of all services) newest first.
CREATE INDEX messages_service ON messages(service_id, id);
`,
  },
  {
    version: 61,
    name: 'rate limits and buckets',
    sql: rateLimitTablesSql(SQLITE_TYPES),
  },
  {
    version: 70,
    name: 'events and webhooks',
    sql: `
-- seq is taken under SQLite's write lock, so it follows commit order: a consumer catching up
-- with ?after= never sees a later commit sort before what it already read.
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  service_id TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX events_service ON events(service_id, seq);
CREATE INDEX events_created ON events(created_at);

CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  service_id TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  url TEXT NOT NULL,
  description TEXT,
  event_types TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  disabled_reason TEXT,
  secret_sealed BLOB NOT NULL,
  previous_secret_sealed BLOB,
  previous_secret_expires_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_service ON webhook_endpoints(service_id, id);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  service_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed')),
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  lease_until INTEGER,
  lease_owner TEXT,
  last_status_code INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (event_id, endpoint_id)
);
-- Only unfinished deliveries are indexed, so claiming stays cheap as the log grows.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status IN ('pending', 'delivering');
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, status);

CREATE TABLE webhook_attempts (
  id TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  status_code INTEGER,
  latency_ms INTEGER NOT NULL,
  error TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts(endpoint_id, id);

-- The expiry sweep looks only at pending verifications, oldest expiry first.
CREATE INDEX verifications_pending_expiry ON verifications(expires_at) WHERE status = 'pending';
`,
  },
  {
    version: 90,
    name: 'retention by id',
    sql: DROP_CREATED_INDEXES_SQL,
  },
  {
    version: 100,
    name: 'test mode is its own world',
    sql: modesSql('sqlite'),
  },
  {
    version: 101,
    name: 'audit log and admin key sources',
    sql: auditSql('sqlite'),
  },
  {
    version: 102,
    name: 'attempt counters',
    sql: attemptCountsSql('sqlite'),
  },
  {
    version: 103,
    name: 'no status index on verifications',
    sql: DROP_STATUS_INDEX_SQL,
  },
  {
    version: 104,
    name: 'instances and message lease owners',
    sql: instancesSql('sqlite'),
  },
  {
    version: 105,
    name: 'message channels',
    sql: MESSAGE_CHANNEL_SQL,
  },
  {
    version: 106,
    name: 'channel fallback times',
    sql: FALLBACK_AT_SQL,
  },
  {
    version: 150,
    name: 'statistics counters and console sessions',
    sql: statsSql('sqlite'),
  },
];
