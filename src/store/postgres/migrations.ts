/**
 * Forward-only migrations for the PostgreSQL store. Append; never edit a shipped entry. Version
 * numbers follow the SQLite list (store/sqlite/migrations.ts): version N means the same schema
 * change in both dialects, so a feature adds one entry to each.
 *
 * Types: times are `bigint` epoch milliseconds, like SQLite and like the `number`s of the domain
 * model, so both stores compare and page exactly alike and no time zone ever enters a query
 * (the pool parses int8 to a JS number: epoch ms stay far below 2^53). Digests and sealed values
 * are `bytea`; settings are `jsonb`; ids are `text COLLATE "C"` so they sort by byte, the order
 * that makes them time-sortable (a locale collation could order them differently).
 */
import { DROP_CREATED_INDEXES_SQL, DROP_STATUS_INDEX_SQL, attemptCountsSql, instancesSql, statsSql, MESSAGE_CHANNEL_SQL, FALLBACK_AT_SQL, auditSql, modesSql, RETENTION_INDEXES_SQL, POSTGRES_TYPES, rateLimitTablesSql, smsDeliveryTablesSql, templateTablesSql } from '../migrations.common.js';

export const POSTGRES_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'core',
    sql: `
CREATE TABLE meta (
  key text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE services (
  id text COLLATE "C" PRIMARY KEY,
  settings jsonb NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);

CREATE TABLE api_keys (
  id text COLLATE "C" PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('admin', 'service')),
  service_id text COLLATE "C" REFERENCES services(id) ON DELETE CASCADE,
  key_hash text NOT NULL UNIQUE,
  prefix text NOT NULL,
  name text,
  created_at bigint NOT NULL,
  revoked_at bigint
);
CREATE INDEX api_keys_service ON api_keys(service_id);

CREATE TABLE verifications (
  id text COLLATE "C" PRIMARY KEY,
  service_id text COLLATE "C" NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  to_number text NOT NULL,
  country text,
  channel text NOT NULL,
  status text NOT NULL,
  locale text NOT NULL,
  code_digest bytea NOT NULL,
  code_sealed bytea NOT NULL,
  context_digest text NOT NULL,
  attempts integer NOT NULL,
  max_attempts integer NOT NULL,
  send_count integer NOT NULL,
  max_sends integer NOT NULL,
  resend_cooldown_ms bigint NOT NULL,
  last_send_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  is_test boolean NOT NULL,
  client_ip text
);
-- Resend and check-by-number look up the newest verification of a number in a service.
CREATE INDEX verifications_lookup ON verifications(service_id, to_number, context_digest, id);
CREATE INDEX verifications_service ON verifications(service_id, id);
CREATE INDEX verifications_status ON verifications(service_id, status, id);

CREATE TABLE messages (
  id text COLLATE "C" PRIMARY KEY,
  verification_id text COLLATE "C" NOT NULL REFERENCES verifications(id) ON DELETE CASCADE,
  service_id text COLLATE "C" NOT NULL,
  to_number text NOT NULL,
  status text NOT NULL,
  attempts integer NOT NULL,
  next_attempt_at bigint NOT NULL,
  lease_until bigint,
  provider text,
  provider_message_id text,
  error_code text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX messages_verification ON messages(verification_id);
-- Only unfinished messages are in this index, so claiming stays cheap however large the table grows.
CREATE INDEX messages_due ON messages(next_attempt_at) WHERE status IN ('queued', 'sending');

CREATE TABLE dev_outbox (
  id text COLLATE "C" PRIMARY KEY,
  service_id text COLLATE "C" NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  verification_id text COLLATE "C" NOT NULL,
  message_id text COLLATE "C" NOT NULL,
  to_number text NOT NULL,
  body_sealed bytea NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX dev_outbox_service ON dev_outbox(service_id, to_number, id);

CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  status_code integer,
  body text,
  created_at bigint NOT NULL,
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
    sql: smsDeliveryTablesSql(POSTGRES_TYPES),
  },
  {
    version: 41,
    name: 'service-templates',
    sql: templateTablesSql(POSTGRES_TYPES),
  },
  {
    version: 50,
    name: 'abuse_controls',
    // Abuse-control counters live in limit_counters, which the PostgreSQL limiter creates
    // itself (src/limits/postgres.limiter.ts); only the durable prefix blocks are store schema.
    sql: `
CREATE TABLE prefix_blocks (
  service_id text COLLATE "C" NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  prefix text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('enforced', 'monitor')),
  reason text NOT NULL,
  sends integer NOT NULL,
  approvals integer NOT NULL,
  baseline_per_window double precision NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (service_id, prefix)
);
`,
  },
  {
    version: 51,
    name: 'sandbox_keys',
    sql: `
ALTER TABLE api_keys ADD COLUMN mode text NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'test'));
ALTER TABLE verifications ADD COLUMN sandbox boolean NOT NULL DEFAULT false;
`,
  },
  // 60–69: the Twilio-compatible surface (issue 6); the same changes as the SQLite entries.
  {
    version: 60,
    name: 'verification custom code, friendly name and app hash',
    sql: `
ALTER TABLE verifications ADD COLUMN custom_code boolean NOT NULL DEFAULT false;
ALTER TABLE verifications ADD COLUMN friendly_name text;
ALTER TABLE verifications ADD COLUMN app_hash text;
-- The attempts log lists sends of a service (or of all services) newest first.
CREATE INDEX messages_service ON messages(service_id, id);
`,
  },
  {
    version: 61,
    name: 'rate limits and buckets',
    sql: rateLimitTablesSql(POSTGRES_TYPES),
  },
  {
    version: 70,
    name: 'events and webhooks',
    sql: `
-- seq orders a service's events in commit order: writers take a per-service advisory lock
-- before drawing it and hold it to commit (see PostgresEventStore.insertEvents), so a consumer
-- catching up with ?after= never sees a later commit sort before what it already read.
CREATE TABLE events (
  seq bigserial PRIMARY KEY,
  id text COLLATE "C" NOT NULL UNIQUE,
  service_id text COLLATE "C" NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  type text NOT NULL,
  data jsonb NOT NULL,
  created_at bigint NOT NULL
);
CREATE INDEX events_service ON events(service_id, seq);
CREATE INDEX events_created ON events(created_at);

CREATE TABLE webhook_endpoints (
  id text COLLATE "C" PRIMARY KEY,
  service_id text COLLATE "C" NOT NULL REFERENCES services(id) ON DELETE CASCADE,
  url text NOT NULL,
  description text,
  event_types jsonb NOT NULL,
  enabled boolean NOT NULL,
  disabled_reason text,
  secret_sealed bytea NOT NULL,
  previous_secret_sealed bytea,
  previous_secret_expires_at bigint,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX webhook_endpoints_service ON webhook_endpoints(service_id, id);

CREATE TABLE webhook_deliveries (
  id text COLLATE "C" PRIMARY KEY,
  event_id text COLLATE "C" NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  endpoint_id text COLLATE "C" NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  service_id text COLLATE "C" NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed')),
  attempts integer NOT NULL,
  next_attempt_at bigint NOT NULL,
  lease_until bigint,
  lease_owner text,
  last_status_code integer,
  last_error text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status IN ('pending', 'delivering');
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, status);

CREATE TABLE webhook_attempts (
  id text COLLATE "C" PRIMARY KEY,
  delivery_id text COLLATE "C" NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  endpoint_id text COLLATE "C" NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id text COLLATE "C" NOT NULL,
  event_type text NOT NULL,
  attempt integer NOT NULL,
  status_code integer,
  latency_ms integer NOT NULL,
  error text,
  created_at bigint NOT NULL
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts(endpoint_id, id);

CREATE INDEX verifications_pending_expiry ON verifications(expires_at) WHERE status = 'pending';
`,
  },
  {
    version: 80,
    name: 'events ordered by transaction',
    sql: `
-- The writing transaction of each event. A catch-up (?after=) lists events by (tx, seq) and
-- only those of transactions older than the oldest one still running, so event writers no
-- longer serialize on a per-service advisory lock (migration 70). Rows already there get this
-- migration's transaction; they are all committed, so seq keeps ordering them.
ALTER TABLE events ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX events_service_tx ON events(service_id, tx, seq);
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
    sql: modesSql('postgres'),
  },
  {
    version: 101,
    name: 'audit log and admin key sources',
    sql: auditSql('postgres'),
  },
  {
    version: 102,
    name: 'attempt counters',
    sql: attemptCountsSql('postgres'),
  },
  {
    version: 103,
    name: 'no status index on verifications',
    sql: DROP_STATUS_INDEX_SQL,
  },
  {
    version: 104,
    name: 'instances and message lease owners',
    sql: instancesSql('postgres'),
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
    sql: statsSql('postgres'),
  },
];
