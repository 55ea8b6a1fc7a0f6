/**
 * Migration SQL that is the same in both dialects. Each dialect's list still holds every
 * version (store/sqlite/migrations.ts, store/postgres/migrations.ts); shared text lives here.
 */

import { TTA_BOUNDS_S } from '../core/stats.service.js';

/** Version 2: the purge job deletes by age in bounded batches; these keep each batch an index range scan. */
export const RETENTION_INDEXES_SQL = `
CREATE INDEX verifications_created ON verifications(created_at);
CREATE INDEX dev_outbox_created ON dev_outbox(created_at);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
`;

/**
 * Version 90: the purge job finds old rows by id (ids sort by creation time, see `idBefore`), so
 * these indexes only cost: each insert paid one more B-tree page, a WAL frame per commit on SQLite.
 */
export const DROP_CREATED_INDEXES_SQL = `
DROP INDEX IF EXISTS verifications_created;
DROP INDEX IF EXISTS dev_outbox_created;
DROP INDEX IF EXISTS events_created;
`;

/**
 * Version 103: a start writes one index entry fewer, and an approval or expiry moves one fewer.
 * The status filter of a verification list is bounded by a scan window instead (as attempts are).
 */
export const DROP_STATUS_INDEX_SQL = `
DROP INDEX IF EXISTS verifications_status;
`;

/** Column types that differ between the dialects, for the migrations written once below. */
export interface DialectTypes {
  /** Ids: byte-ordered text (PostgreSQL needs `COLLATE "C"` for that). */
  id: string;
  /** Epoch milliseconds. */
  time: string;
  text: string;
  int: string;
  /** Binary (sealed values). */
  bytes: string;
}

export const SQLITE_TYPES: DialectTypes = { id: 'TEXT', time: 'INTEGER', text: 'TEXT', int: 'INTEGER', bytes: 'BLOB' };
export const POSTGRES_TYPES: DialectTypes = { id: 'text COLLATE "C"', time: 'bigint', text: 'text', int: 'integer', bytes: 'bytea' };

/** Version 40: receipts find messages by the vendor's id; per-service SMS settings, sealed. */
export function smsDeliveryTablesSql(t: DialectTypes): string {
  return `
-- Receipts from vendors that name their own message id find the message through this index.
CREATE INDEX messages_provider_id ON messages(provider, provider_message_id) WHERE provider_message_id IS NOT NULL;

-- Per-service providers (with credentials), routes and sender ids: one AES-GCM sealed JSON document.
CREATE TABLE service_sms_configs (
  service_id ${t.id} PRIMARY KEY REFERENCES services(id) ON DELETE CASCADE,
  config_sealed ${t.bytes} NOT NULL,
  updated_at ${t.time} NOT NULL
);
`;
}

/** Version 41: message templates per service and locale. */
export function templateTablesSql(t: DialectTypes): string {
  return `
CREATE TABLE service_templates (
  service_id ${t.id} NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  locale ${t.text} NOT NULL,
  text ${t.text} NOT NULL,
  updated_at ${t.time} NOT NULL,
  PRIMARY KEY (service_id, locale)
);
`;
}

/** Version 61: integrator-defined rate limits, their buckets and the fixed-window counters behind them. */
export function rateLimitTablesSql(t: DialectTypes): string {
  return `
CREATE TABLE rate_limits (
  id ${t.id} PRIMARY KEY,
  service_id ${t.id} NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  unique_name ${t.text} NOT NULL,
  description ${t.text},
  created_at ${t.time} NOT NULL,
  updated_at ${t.time} NOT NULL,
  UNIQUE (service_id, unique_name)
);

CREATE TABLE rate_limit_buckets (
  id ${t.id} PRIMARY KEY,
  rate_limit_id ${t.id} NOT NULL REFERENCES rate_limits(id) ON DELETE CASCADE,
  service_id ${t.id} NOT NULL,
  max ${t.int} NOT NULL,
  interval_seconds ${t.int} NOT NULL,
  created_at ${t.time} NOT NULL,
  updated_at ${t.time} NOT NULL
);
CREATE INDEX rate_limit_buckets_parent ON rate_limit_buckets(rate_limit_id, id);

-- Fixed-window counters: key = bucket id + digest of the value a start gave.
CREATE TABLE bucket_hits (
  key ${t.text} PRIMARY KEY,
  count ${t.int} NOT NULL,
  expires_at ${t.time} NOT NULL
);
CREATE INDEX bucket_hits_expiry ON bucket_hits(expires_at);
`;
}

/**
 * Version 100: test mode is its own world (rule T1). Every row of tenant data names its mode, and
 * the indexes behind scoped reads lead with (service, mode), so a live read never walks test rows
 * (nor the other way round). Rows written before take the mode of the key that made them where
 * it is known (a sandbox verification, its messages, outbox entries and events); webhook
 * endpoints were registered by keys of unknown mode and stay live.
 */
export function modesSql(dialect: 'sqlite' | 'postgres'): string {
  const t = dialect === 'sqlite' ? SQLITE_TYPES : POSTGRES_TYPES;
  const mode = `mode ${t.text} NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'test'))`;
  const sandbox = dialect === 'sqlite' ? 'sandbox = 1' : 'sandbox';
  const json = (field: string) => (dialect === 'sqlite' ? `json_extract(data, '$.${field}')` : `data->>'${field}'`);
  const testVerifications = "SELECT id FROM verifications WHERE mode = 'test'";
  return `
ALTER TABLE verifications ADD COLUMN ${mode};
UPDATE verifications SET mode = 'test' WHERE ${sandbox};
ALTER TABLE verifications DROP COLUMN sandbox;
DROP INDEX verifications_lookup;
CREATE INDEX verifications_lookup ON verifications(service_id, mode, to_number, context_digest, id);
DROP INDEX verifications_service;
CREATE INDEX verifications_service ON verifications(service_id, mode, id);
DROP INDEX verifications_status;
CREATE INDEX verifications_status ON verifications(service_id, mode, status, id);

ALTER TABLE messages ADD COLUMN ${mode};
UPDATE messages SET mode = 'test' WHERE verification_id IN (${testVerifications});
DROP INDEX messages_service;
CREATE INDEX messages_service ON messages(service_id, mode, id);

ALTER TABLE dev_outbox ADD COLUMN ${mode};
UPDATE dev_outbox SET mode = 'test' WHERE verification_id IN (${testVerifications});
DROP INDEX dev_outbox_service;
CREATE INDEX dev_outbox_service ON dev_outbox(service_id, mode, to_number, id);

ALTER TABLE events ADD COLUMN ${mode};
UPDATE events SET mode = 'test' WHERE ${json('id')} IN (${testVerifications}) OR ${json('verification_id')} IN (${testVerifications});
DROP INDEX events_service;
CREATE INDEX events_service ON events(service_id, mode, seq);
${dialect === 'postgres' ? 'DROP INDEX events_service_tx;\nCREATE INDEX events_service_tx ON events(service_id, mode, tx, seq);' : ''}

ALTER TABLE webhook_endpoints ADD COLUMN ${mode};
DROP INDEX webhook_endpoints_service;
CREATE INDEX webhook_endpoints_service ON webhook_endpoints(service_id, mode, id);

-- Idempotency scopes now name the mode; a claim made before cannot be told apart, so none is replayed.
DELETE FROM idempotency_keys;
`;
}

/**
 * Version 101: the audit log (rule T7), where an admin key came from and how it is presented.
 * `source` tells the key that OTPGATE_ADMIN_KEY holds (`env`: revoked when the variable changes or
 * goes) from generated and issued ones; `scheme` tells Basic credentials (the /v2 surface) from
 * bearer keys, so neither is accepted as the other and the last bearer admin key is kept. The log has no foreign key: it outlives a deleted service until retention.
 */
export function auditSql(dialect: 'sqlite' | 'postgres'): string {
  const t = dialect === 'sqlite' ? SQLITE_TYPES : POSTGRES_TYPES;
  return `
ALTER TABLE api_keys ADD COLUMN source ${t.text} NOT NULL DEFAULT 'issued' CHECK (source IN ('env', 'generated', 'issued'));
UPDATE api_keys SET source = 'env' WHERE kind = 'admin' AND name = 'OTPGATE_ADMIN_KEY';
UPDATE api_keys SET source = 'generated' WHERE kind = 'admin' AND name = 'bootstrap';
ALTER TABLE api_keys ADD COLUMN scheme ${t.text} NOT NULL DEFAULT 'bearer' CHECK (scheme IN ('bearer', 'basic'));
UPDATE api_keys SET scheme = 'basic' WHERE name IN ('basic: account token', 'basic: api key') AND length(prefix) = 34;

CREATE TABLE audit_log (
  id ${t.id} PRIMARY KEY,
  created_at ${t.time} NOT NULL,
  actor_kind ${t.text} NOT NULL,
  actor_key_id ${t.id},
  actor_mode ${t.text},
  action ${t.text} NOT NULL,
  service_id ${t.id},
  target_id ${t.text},
  before_data ${t.text},
  after_data ${t.text},
  request_id ${t.text},
  source_ip ${t.text}
);
CREATE INDEX audit_log_service ON audit_log(service_id, id);
`;
}

/**
 * Version 102: attempt counters, so the attempts summary (`/v2/Attempts/Summary`) is a sum over
 * small rows instead of a scan of every message (rule T8). One row per service, mode, hour,
 * country and destination prefix (`+` and up to 4 digits); kept in the transaction of each send
 * and each approval; filled here from the messages already stored. `proven` counts the
 * conversions that prove a person: approvals of a code otpgate made (not a custom code, which
 * the integrator knows), what `adaptive_limits` follows.
 */
export function attemptCountsSql(dialect: 'sqlite' | 'postgres'): string {
  const t = dialect === 'sqlite' ? SQLITE_TYPES : POSTGRES_TYPES;
  return `
CREATE TABLE attempt_counts (
  service_id ${t.id} NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  mode ${t.text} NOT NULL,
  hour ${t.int} NOT NULL,
  country ${t.text} NOT NULL,
  prefix ${t.text} NOT NULL,
  attempts ${t.int} NOT NULL,
  converted ${t.int} NOT NULL,
  proven ${t.int} NOT NULL,
  PRIMARY KEY (service_id, mode, hour, country, prefix)
);
INSERT INTO attempt_counts (service_id, mode, hour, country, prefix, attempts, converted, proven)
SELECT m.service_id, m.mode, m.created_at / 3600000, COALESCE(v.country, ''), substr(m.to_number, 1, 5),
  COUNT(*), SUM(CASE WHEN v.status = 'approved' THEN 1 ELSE 0 END), SUM(CASE WHEN v.status = 'approved' AND NOT v.custom_code THEN 1 ELSE 0 END)
FROM messages m JOIN verifications v ON v.id = m.verification_id
WHERE m.status <> 'suppressed'
GROUP BY m.service_id, m.mode, m.created_at / 3600000, COALESCE(v.country, ''), substr(m.to_number, 1, 5);
`;
}

/**
 * Version 104: recovery in seconds. Each running process is an instance with a liveness record
 * (`seen_at`, refreshed every second, in the database's own clock); a message lease names the
 * instance that holds it, so a survivor takes over a dead instance's sends once its record goes
 * stale, and a restarted process at once (see src/delivery/instance.ts). Webhook deliveries
 * already name their owner.
 */
/** Messages and dev-outbox entries record their channel (rows before it are all SMS). */
export const MESSAGE_CHANNEL_SQL = `
ALTER TABLE messages ADD COLUMN channel TEXT NOT NULL DEFAULT 'sms';
ALTER TABLE dev_outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'sms';
`;

/** When a pending verification moves on to its next channel if no right check came (fallback_after_seconds). */
export const FALLBACK_AT_SQL = `
ALTER TABLE verifications ADD COLUMN fallback_at BIGINT;
CREATE INDEX verifications_fallback_at ON verifications (fallback_at) WHERE fallback_at IS NOT NULL;
`;

export function instancesSql(dialect: 'sqlite' | 'postgres'): string {
  const t = dialect === 'sqlite' ? SQLITE_TYPES : POSTGRES_TYPES;
  return `
CREATE TABLE instances (
  id ${t.id} PRIMARY KEY,
  host ${t.text} NOT NULL,
  pid ${t.int} NOT NULL,
  started_at ${t.time} NOT NULL,
  seen_at ${t.time} NOT NULL
);
ALTER TABLE messages ADD COLUMN lease_owner ${t.text};
`;
}

/** Time-to-approve histogram: upper bounds in seconds of buckets `tta_0` … (the last is open). */
export { TTA_BOUNDS_S };
const TTA_COLUMNS = TTA_BOUNDS_S.length + 1;

/**
 * Version 150: the statistics the console and `GET /v1/services/{id}/stats` read, kept as things
 * change (in the transaction that writes the change), so a period costs a few rows, not a scan
 * of every verification. One row per service, mode, UTC day, country, provider and channel;
 * refusals per rule in a table of their own (a refusal writes no verification); console
 * sessions (the key sealed with the server secret, found by the hash of the cookie's id).
 */
export function statsSql(dialect: 'sqlite' | 'postgres'): string {
  const t = dialect === 'sqlite' ? SQLITE_TYPES : POSTGRES_TYPES;
  const n = (name: string) => `${name} ${t.int} NOT NULL DEFAULT 0`;
  const tta = Array.from({ length: TTA_COLUMNS }, (_, i) => n(`tta_${i}`)).join(',\n  ');
  return `
CREATE TABLE stats_counts (
  service_id ${t.id} NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  mode ${t.text} NOT NULL,
  day ${t.int} NOT NULL,
  country ${t.text} NOT NULL,
  provider ${t.text} NOT NULL,
  channel ${t.text} NOT NULL,
  ${n('started')},
  ${n('approved')},
  ${n('messages')},
  ${n('sent')},
  ${n('delivered')},
  ${n('failed')},
  ${n('undelivered')},
  ${tta},
  PRIMARY KEY (service_id, mode, day, country, provider, channel)
);
CREATE TABLE stats_refusals (
  service_id ${t.id} NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  mode ${t.text} NOT NULL,
  day ${t.int} NOT NULL,
  rule ${t.text} NOT NULL,
  ${n('refusals')},
  PRIMARY KEY (service_id, mode, day, rule)
);
INSERT INTO stats_counts (service_id, mode, day, country, provider, channel, started, approved)
SELECT service_id, mode, created_at / 86400000, COALESCE(country, ''), '', channel, COUNT(*), SUM(CASE WHEN status = 'approved' THEN 1 ELSE 0 END)
FROM verifications GROUP BY service_id, mode, created_at / 86400000, COALESCE(country, ''), channel;
INSERT INTO stats_counts (service_id, mode, day, country, provider, channel, messages, sent, delivered, failed, undelivered)
SELECT m.service_id, m.mode, m.created_at / 86400000, COALESCE(v.country, ''), COALESCE(m.provider, ''), m.channel, COUNT(*),
  SUM(CASE WHEN m.status IN ('sent', 'delivered', 'undelivered') THEN 1 ELSE 0 END),
  SUM(CASE WHEN m.status = 'delivered' THEN 1 ELSE 0 END),
  SUM(CASE WHEN m.status = 'failed' THEN 1 ELSE 0 END),
  SUM(CASE WHEN m.status = 'undelivered' THEN 1 ELSE 0 END)
FROM messages m JOIN verifications v ON v.id = m.verification_id WHERE m.status <> 'suppressed'
GROUP BY m.service_id, m.mode, m.created_at / 86400000, COALESCE(v.country, ''), COALESCE(m.provider, ''), m.channel
ON CONFLICT (service_id, mode, day, country, provider, channel) DO UPDATE SET messages = excluded.messages, sent = excluded.sent,
  delivered = excluded.delivered, failed = excluded.failed, undelivered = excluded.undelivered;
CREATE TABLE console_sessions (
  id_hash ${t.text} PRIMARY KEY,
  key_sealed ${t.bytes} NOT NULL,
  created_at ${t.time} NOT NULL,
  expires_at ${t.time} NOT NULL
);
`;
}
