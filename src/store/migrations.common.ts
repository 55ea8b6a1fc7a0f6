/**
 * Migration SQL that is the same in both dialects. Each dialect's list still holds every
 * version (store/sqlite/migrations.ts, store/postgres/migrations.ts); shared text lives here.
 */

/** Version 2: the purge job deletes by age in bounded batches; these keep each batch an index range scan. */
export const RETENTION_INDEXES_SQL = `
CREATE INDEX verifications_created ON verifications(created_at);
CREATE INDEX dev_outbox_created ON dev_outbox(created_at);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
`;
