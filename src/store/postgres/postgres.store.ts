import type { CodeVault } from '../../core/code-vault.js';
import { noEvents } from '../../core/events.js';
import type { EventRecord, EventsOf } from '../../core/events.js';
import type { ApiKeyRecord, DevOutboxEntry, MessageRecord, Page, ReadScope, Scope, ServiceRecord, ServiceSettings, VerificationRecord, VerificationStatus } from '../../core/model.js';
import type {
  IdempotencyBegin,
  ListOptions,
  MessageUpdate,
  PrefixBlock,
  PurgeCounts,
  Store,
  VerificationFilter,
} from '../../core/ports.js';
import type { AttemptStore, BucketLimiter, RateLimitStore, ReceiptUpdate } from '../../core/ports.js';
import type { AuditStore } from '../../core/audit.js';
import { sqlEventQueries } from '../events.sql-store.js';
import type { EventQueries } from '../events.sql-store.js';
import { numberPlaceholders, sqlAttemptsAndLimits } from '../sql-executor.js';
import type { SqlExecutor } from '../sql-executor.js';
import { sqlSmsDelivery } from '../sms.sql-store.js';
import type { SmsDeliveryStore } from '../sms.sql-store.js';
import { decodeCursor } from '../cursor.js';
import { page, adminKeyToRevoke, toApiKey, toDevOutboxEntry, toMessage, toPrefixBlock, toService, toVerification } from '../rows.js';
import { PostgresEventStore, eventsFragment } from './postgres-events.store.js';
import { PgDatabase } from './postgres.pool.js';
import type { PgDatabaseOptions, Queryable } from './postgres.pool.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { idBefore } from '../../core/ids.js';
import { HOUR_MS, countConversion, countNewAttempt, countResend, counted } from '../attempt-counts.sql.js';

export interface PostgresStoreOptions extends PgDatabaseOptions {
  /** Seals dev-outbox bodies at rest. */
  vault: CodeVault;
}

const VERIFICATION_COLUMNS = `id, service_id, to_number, country, channel, status, locale, code_digest, code_sealed, context_digest,
  attempts, max_attempts, send_count, max_sends, resend_cooldown_ms, last_send_at, expires_at, created_at, updated_at, is_test, client_ip,
  custom_code, friendly_name, app_hash, mode`;
const MESSAGE_COLUMNS = `id, verification_id, service_id, mode, to_number, status, attempts, next_attempt_at, lease_until, provider,
  provider_message_id, error_code, created_at, updated_at`;

/**
 * The scale-out store: any number of otpgate instances share one PostgreSQL database. Every
 * guarantee the embedded store gets from SQLite's single writer is kept here with row locks:
 * conditional UPDATEs that re-check their WHERE clause on the newest row version (READ
 * COMMITTED), `FOR UPDATE SKIP LOCKED` for the outbox and `INSERT … ON CONFLICT` for claims.
 */
/** Members copied on in the constructor from `sqlAttemptsAndLimits`, `sqlEventQueries` and `sqlSmsDelivery`. */
export interface PostgresStore extends AttemptStore, RateLimitStore, BucketLimiter, AuditStore, EventQueries, SmsDeliveryStore {}

export class PostgresStore extends PostgresEventStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly #db: PgDatabase;
  readonly #vault: CodeVault;

  constructor(options: PostgresStoreOptions) {
    const db = new PgDatabase(options);
    super(db);
    this.#vault = options.vault;
    this.#db = db;
    const executor: SqlExecutor = {
      all: async (sql, params) => (await this.#db.query(numberPlaceholders(sql), params)).rows,
      get: async (sql, params) => (await this.#db.query(numberPlaceholders(sql), params)).rows[0],
      run: async (sql, params) => (await this.#db.query(numberPlaceholders(sql), params)).rowCount ?? 0,
    };
    // The attempts log and rate limits: dialect-neutral SQL shared by both stores.
    // sqlSmsDelivery: per-service SMS settings and templates (store/sms.sql-store.ts).
    Object.assign(this, sqlAttemptsAndLimits(executor), sqlEventQueries(executor, 'transaction'), sqlSmsDelivery(executor));
  }

  /** The connection pool. */
  get pool(): PgDatabase['pool'] {
    return this.#db.pool;
  }

  /** The pool of the PostgreSQL rate limiter (see PgDatabase.counterPool). */
  get counterPool(): PgDatabase['pool'] {
    return this.#db.counterPool;
  }

  migrate(): Promise<number> {
    return this.#db.migrate(POSTGRES_MIGRATIONS);
  }

  async ping(): Promise<void> {
    await this.#db.query('SELECT 1');
  }

  close(): Promise<void> {
    return this.#db.end();
  }

  // ── meta ────────────────────────────────────────────────────────────────────────────────
  async getMeta(key: string): Promise<string | null> {
    const { rows } = await this.#db.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]);
    return rows[0]?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.#db.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  // ── services ────────────────────────────────────────────────────────────────────────────
  async createService(service: ServiceRecord): Promise<void> {
    await this.#db.query('INSERT INTO services (id, settings, created_at, updated_at) VALUES ($1, $2, $3, $4)', [
      service.id, JSON.stringify(service.settings), service.createdAt, service.updatedAt,
    ]);
  }

  async getService(id: string): Promise<ServiceRecord | null> {
    const { rows } = await this.#db.query('SELECT * FROM services WHERE id = $1', [id]);
    return rows[0] ? toService(rows[0]) : null;
  }

  async listServices(options: ListOptions): Promise<Page<ServiceRecord>> {
    const after = decodeCursor(options.cursor);
    const { rows } =
      after === null
        ? await this.#db.query('SELECT * FROM services ORDER BY id DESC LIMIT $1', [options.limit + 1])
        : await this.#db.query('SELECT * FROM services WHERE id < $1 ORDER BY id DESC LIMIT $2', [after, options.limit + 1]);
    return page(rows.map(toService), options.limit);
  }

  async updateServiceSettings(id: string, settings: ServiceSettings, now: number): Promise<ServiceRecord | null> {
    const { rows } = await this.#db.query('UPDATE services SET settings = $1, updated_at = $2 WHERE id = $3 RETURNING *', [JSON.stringify(settings), now, id]);
    return rows[0] ? toService(rows[0]) : null;
  }

  async deleteService(id: string): Promise<boolean> {
    // Foreign keys cascade to keys, verifications, messages and the dev outbox.
    return ((await this.#db.query('DELETE FROM services WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  // ── API keys ────────────────────────────────────────────────────────────────────────────
  async createApiKey(key: ApiKeyRecord): Promise<void> {
    await this.#db.query('INSERT INTO api_keys (id, kind, service_id, key_hash, prefix, name, created_at, revoked_at, mode, source, scheme) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)', [
      key.id, key.kind, key.serviceId, key.keyHash, key.prefix, key.name, key.createdAt, key.revokedAt, key.mode, key.source, key.scheme,
    ]);
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const { rows } = await this.#db.query('SELECT * FROM api_keys WHERE key_hash = $1', [keyHash]);
    return rows[0] ? toApiKey(rows[0]) : null;
  }

  async listApiKeys(serviceId: string | null): Promise<ApiKeyRecord[]> {
    const { rows } =
      serviceId === null
        ? await this.#db.query("SELECT * FROM api_keys WHERE kind = 'admin' ORDER BY id")
        : await this.#db.query('SELECT * FROM api_keys WHERE service_id = $1 ORDER BY id', [serviceId]);
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string, serviceId: string, now: number): Promise<boolean> {
    const result = await this.#db.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND service_id = $3 AND revoked_at IS NULL', [now, id, serviceId]);
    return (result.rowCount ?? 0) > 0;
  }

  async revokeAdminKey(id: string, now: number): Promise<ApiKeyRecord | 'last' | null> {
    // The active admin keys are locked first: a concurrent revocation waits, then (READ
    // COMMITTED) re-reads them and no longer counts the key this one revoked.
    return this.#db.tx(async (client) => {
      const { rows } = await this.#db.query("SELECT * FROM api_keys WHERE kind = 'admin' AND revoked_at IS NULL ORDER BY id FOR UPDATE", [], client);
      const key = adminKeyToRevoke(rows.map(toApiKey), id);
      if (key === null || key === 'last') return key;
      await this.#db.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2', [now, id], client);
      return { ...key, revokedAt: now };
    });
  }

  async countActiveAdminKeys(): Promise<number> {
    const { rows } = await this.#db.query<{ n: number }>("SELECT COUNT(*) AS n FROM api_keys WHERE kind = 'admin' AND scheme = 'bearer' AND revoked_at IS NULL");
    return rows[0]!.n;
  }

  async revokeEnvAdminKeys(keepHash: string | null, now: number): Promise<string[]> {
    const { rows } = await this.#db.query<{ id: string }>(
      `UPDATE api_keys SET revoked_at = $1 WHERE kind = 'admin' AND source = 'env' AND revoked_at IS NULL AND key_hash <> $2 RETURNING id`,
      [now, keepHash ?? ''],
    );
    return rows.map((r) => r.id);
  }

  // ── verifications ───────────────────────────────────────────────────────────────────────
  async createVerification(v: VerificationRecord, message: MessageRecord | null, events: EventRecord[] = []): Promise<void> {
    // One statement (data-modifying CTEs): atomic by itself, so no BEGIN/COMMIT round trips.
    const params: unknown[] = [
      v.id, v.serviceId, v.to, v.country, v.channel, v.status, v.locale, v.codeDigest, v.codeSealed, v.contextDigest, v.attempts,
      v.maxAttempts, v.sendCount, v.maxSends, v.resendCooldownMs, v.lastSendAt, v.expiresAt, v.createdAt, v.updatedAt, v.isTest, v.clientIp,
      v.customCode, v.friendlyName, v.appHash, v.mode,
    ];
    const ctes = [`verification AS (INSERT INTO verifications (${VERIFICATION_COLUMNS}) VALUES (${placeholders(1, params.length)}))`];
    if (message) {
      const m = message;
      const first = params.length + 1;
      params.push(m.id, m.verificationId, m.serviceId, m.mode, m.to, m.status, m.attempts, m.nextAttemptAt, m.leaseUntil, m.provider, m.providerMessageId, m.errorCode, m.createdAt, m.updatedAt);
      ctes.push(`message AS (INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES (${placeholders(first, 14)}))`);
      if (counted(m)) {
        const count = countNewAttempt(v, m);
        ctes.push(`attempt_count AS (${numberPlaceholders(count.sql, params.length + 1)})`);
        params.push(...count.params);
      }
    }
    let select = 'SELECT 0 AS deliveries';
    if (events.length > 0) {
      const fragment = eventsFragment(events, params.length + 1);
      params.push(...fragment.params);
      ctes.push(fragment.sql);
      select = 'SELECT count(*)::int AS deliveries FROM deliveries';
    }
    const { rows } = await this.#db.query<{ deliveries: number }>(`WITH ${ctes.join(', ')} ${select}`, params);
    this.noteDeliveries(rows[0]?.deliveries ?? 0);
  }

  async #insertMessage(m: MessageRecord, client: Queryable): Promise<void> {
    await this.#db.query(
      `INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES (${placeholders(1, 14)})`,
      [m.id, m.verificationId, m.serviceId, m.mode, m.to, m.status, m.attempts, m.nextAttemptAt, m.leaseUntil, m.provider, m.providerMessageId, m.errorCode, m.createdAt, m.updatedAt],
      client,
    );
  }

  async findResendable(scope: Scope, to: string, contextDigest: string, now: number): Promise<VerificationRecord | null> {
    const { rows } = await this.#db.query(
      `SELECT * FROM verifications WHERE service_id = $1 AND mode = $2 AND to_number = $3 AND context_digest = $4
       AND status = 'pending' AND expires_at > $5 ORDER BY id DESC LIMIT 1`,
      [scope.serviceId, scope.mode, to, contextDigest, now],
    );
    return rows[0] ? toVerification(rows[0]) : null;
  }

  async recordResend(verificationId: string, expectedSendCount: number, message: MessageRecord | null, now: number): Promise<boolean> {
    return this.#db.tx(async (client) => {
      // Conditional on the send count read by the caller: of two concurrent resends the second
      // waits for the first's row lock, re-reads the row, finds the count moved and does nothing.
      const result = await this.#db.query(
        `UPDATE verifications SET send_count = send_count + 1, last_send_at = $1, updated_at = $1
         WHERE id = $2 AND status = 'pending' AND expires_at > $1 AND send_count = $3 AND send_count < max_sends
         AND last_send_at + resend_cooldown_ms <= $1`,
        [now, verificationId, expectedSendCount],
        client,
      );
      if ((result.rowCount ?? 0) === 0) return false;
      if (message) {
        await this.#insertMessage(message, client);
        if (counted(message)) {
          const count = countResend(message);
          await this.#db.query(numberPlaceholders(count.sql), count.params, client);
        }
      }
      return true;
    });
  }

  async getVerification(scope: Scope, id: string): Promise<VerificationRecord | null> {
    const { rows } = await this.#db.query('SELECT * FROM verifications WHERE id = $1 AND service_id = $2 AND mode = $3', [id, scope.serviceId, scope.mode]);
    return rows[0] ? toVerification(rows[0]) : null;
  }

  async findLatestVerification(scope: Scope, to: string, contextDigest: string): Promise<VerificationRecord | null> {
    const { rows } = await this.#db.query(
      'SELECT * FROM verifications WHERE service_id = $1 AND mode = $2 AND to_number = $3 AND context_digest = $4 ORDER BY id DESC LIMIT 1',
      [scope.serviceId, scope.mode, to, contextDigest],
    );
    return rows[0] ? toVerification(rows[0]) : null;
  }

  async listVerifications(scope: Scope, filter: VerificationFilter, options: ListOptions): Promise<Page<VerificationRecord>> {
    const params: unknown[] = [scope.serviceId, scope.mode];
    const where = ['service_id = $1', 'mode = $2'];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (filter.status !== undefined) add('status = ?', filter.status);
    if (filter.to !== undefined) add('to_number = ?', filter.to);
    const after = decodeCursor(options.cursor);
    if (after !== null) add('id < ?', after);
    params.push(options.limit + 1);
    const { rows } = await this.#db.query(`SELECT * FROM verifications WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`, params);
    return page(rows.map(toVerification), options.limit);
  }

  async recordCheck(verificationId: string, matched: boolean, now: number, events: EventsOf<VerificationRecord> = noEvents): Promise<VerificationRecord | null> {
    // The race rule (B3): a check counts only through this one conditional UPDATE. PostgreSQL
    // takes the row lock for it; a concurrent check on the same verification waits for that
    // lock and then, under READ COMMITTED, re-evaluates the WHERE clause against the row as the
    // first one left it (EvalPlanQual) — never against a stale snapshot. So of N concurrent
    // checks, across any number of instances, at most `max_attempts - attempts` are counted,
    // and once one has set status = 'approved' no other can apply: two right codes never both win.
    const sql = matched
      ? `UPDATE verifications SET attempts = attempts + 1, status = 'approved', updated_at = $1
         WHERE id = $2 AND status = 'pending' AND expires_at > $1 AND attempts < max_attempts RETURNING *`
      : `UPDATE verifications SET attempts = attempts + 1, updated_at = $1,
           status = CASE WHEN attempts + 1 >= max_attempts THEN 'max_attempts_reached' ELSE status END
         WHERE id = $2 AND status = 'pending' AND expires_at > $1 AND attempts < max_attempts RETURNING *`;
    // Its events ride in the same transaction, written only when the update applied.
    return this.#db.tx(async (client) => {
      const { rows } = await this.#db.query(sql, [now, verificationId], client);
      if (!rows[0]) return null;
      const updated = toVerification(rows[0]);
      if (updated.status === 'approved') {
        const conversion = countConversion(updated.id);
        await this.#db.query(numberPlaceholders(conversion.sql), conversion.params, client);
      }
      await this.insertEvents(events(updated), client);
      return updated;
    });
  }

  async finishVerification(
    verificationId: string,
    status: Exclude<VerificationStatus, 'pending' | 'approved'>,
    now: number,
    events: EventsOf<VerificationRecord> = noEvents,
  ): Promise<boolean> {
    return this.#db.tx(async (client) => {
      const { rows } = await this.#db.query("UPDATE verifications SET status = $1, updated_at = $2 WHERE id = $3 AND status = 'pending' RETURNING *", [status, now, verificationId], client);
      if (!rows[0]) return false;
      // Nothing still queued for a finished verification may go out.
      await this.#db.query("UPDATE messages SET status = 'expired', updated_at = $1 WHERE verification_id = $2 AND status = 'queued'", [now, verificationId], client);
      await this.insertEvents(events(toVerification(rows[0])), client);
      return true;
    });
  }

  async listMessages(verificationId: string): Promise<MessageRecord[]> {
    return (await this.#db.query('SELECT * FROM messages WHERE verification_id = $1 ORDER BY id', [verificationId])).rows.map(toMessage);
  }

  // ── message queue ───────────────────────────────────────────────────────────────────────
  async claimDueMessages(now: number, limit: number, leaseMs: number): Promise<MessageRecord[]> {
    // Several workers (on several instances) claim at once: SKIP LOCKED lets each take rows no
    // other claimer holds, and a row another claimer has just leased is re-checked after its
    // lock is released (status 'sending' with a lease in the future no longer qualifies), so
    // no message is leased twice. A lease that ran out (its worker died) qualifies again.
    const { rows } = await this.#db.query(
      `WITH due AS (
         SELECT id FROM messages
         WHERE status IN ('queued', 'sending') AND next_attempt_at <= $1 AND (status = 'queued' OR lease_until <= $1)
         ORDER BY next_attempt_at LIMIT $2
         FOR UPDATE SKIP LOCKED)
       UPDATE messages m SET status = 'sending', lease_until = $3, updated_at = $1
       FROM due WHERE m.id = due.id
       RETURNING m.*`,
      [now, limit, now + leaseMs],
    );
    return rows.map(toMessage).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
  }

  async updateMessage(id: string, update: MessageUpdate, countAttempt: boolean, now: number, events: EventsOf<MessageRecord> = noEvents): Promise<void> {
    await this.#db.tx(async (client) => {
      const { rows } = await this.#db.query(
        // A receipt can beat the provider's own answer (a fast gateway): 'sent' never overwrites a final receipt.
        `UPDATE messages SET status = CASE WHEN status IN ('delivered', 'undelivered') AND $1 = 'sent' THEN status ELSE $1 END,
           attempts = attempts + $2, provider = COALESCE($3, provider),
           provider_message_id = COALESCE($4, provider_message_id), error_code = $5, next_attempt_at = COALESCE($6, next_attempt_at),
           lease_until = NULL, updated_at = $7 WHERE id = $8 RETURNING *`,
        [update.status, countAttempt ? 1 : 0, update.provider ?? null, update.providerMessageId ?? null, update.errorCode ?? null, update.nextAttemptAt ?? null, now, id],
        client,
      );
      if (rows[0]) await this.insertEvents(events(toMessage(rows[0])), client);
    });
  }

  async applyDeliveryReceipt(messageId: string, update: ReceiptUpdate, now: number, events: EventsOf<MessageRecord> = noEvents): Promise<MessageRecord | null> {
    // One conditional UPDATE: a final state is never overwritten, so a late or replayed receipt
    // cannot undo a newer one; its events are written in the same transaction, only when it applied.
    return this.#db.tx(async (client) => {
      const { rows } = await this.#db.query(
        `UPDATE messages SET status = $1, error_code = COALESCE($2, error_code),
           provider_message_id = COALESCE(provider_message_id, $3), updated_at = $4
         WHERE id = $5 AND status IN ('sending', 'sent') AND NOT (status = 'sent' AND $1 = 'sent') RETURNING *`,
        [update.status, update.errorCode, update.providerMessageId ?? null, now, messageId],
        client,
      );
      if (!rows[0]) return null;
      const message = toMessage(rows[0]);
      await this.insertEvents(events(message), client);
      return message;
    });
  }

  async failVerificationIfUndeliverable(verificationId: string, now: number, events: EventsOf<VerificationRecord> = noEvents): Promise<boolean> {
    return this.#db.tx(async (client) => {
      const { rows } = await this.#db.query(
        `UPDATE verifications SET status = 'failed', updated_at = $1 WHERE id = $2 AND status = 'pending'
         AND NOT EXISTS (SELECT 1 FROM messages WHERE verification_id = $2 AND status IN ('queued', 'sending', 'sent', 'delivered', 'suppressed'))
         RETURNING *`,
        [now, verificationId],
        client,
      );
      if (!rows[0]) return false;
      await this.insertEvents(events(toVerification(rows[0])), client);
      return true;
    });
  }

  async nextDueAt(): Promise<number | null> {
    const { rows } = await this.#db.query<{ at: number | null }>("SELECT MIN(next_attempt_at) AS at FROM messages WHERE status IN ('queued', 'sending')");
    return rows[0]?.at ?? null;
  }

  // ── dev outbox ──────────────────────────────────────────────────────────────────────────
  async addDevOutboxEntry(entry: DevOutboxEntry): Promise<void> {
    await this.#db.query(
      'INSERT INTO dev_outbox (id, service_id, mode, verification_id, message_id, to_number, body_sealed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [entry.id, entry.serviceId, entry.mode, entry.verificationId, entry.messageId, entry.to, this.#vault.seal(entry.id, entry.body), entry.createdAt],
    );
  }

  async listDevOutbox(scope: ReadScope, to: string | undefined, limit: number): Promise<DevOutboxEntry[]> {
    const { rows } = await this.#db.query(
      'SELECT * FROM dev_outbox WHERE mode = $4 AND ($1::text IS NULL OR service_id = $1) AND ($2::text IS NULL OR to_number = $2) ORDER BY id DESC LIMIT $3',
      [scope.serviceId, to ?? null, limit, scope.mode],
    );
    return rows.map((row) => toDevOutboxEntry(row, this.#vault));
  }

  // ── idempotency ─────────────────────────────────────────────────────────────────────────
  async beginIdempotent(scope: string, key: string, requestHash: string, now: number, staleAfterMs: number): Promise<IdempotencyBegin> {
    // Race-free across instances without a transaction: the INSERT claims a new key atomically
    // (the primary key decides who was first), the UPDATE takes over a stale claim atomically
    // (the second taker re-reads the refreshed created_at and does nothing). A key released by
    // abandonIdempotent between our steps is simply claimed again on the next loop.
    for (let round = 0; round < 3; round++) {
      const inserted = await this.#db.query(
        'INSERT INTO idempotency_keys (scope, key, request_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (scope, key) DO NOTHING',
        [scope, key, requestHash, now],
      );
      if ((inserted.rowCount ?? 0) > 0) return { state: 'new' };
      const takenOver = await this.#db.query(
        `UPDATE idempotency_keys SET created_at = $4 WHERE scope = $1 AND key = $2 AND request_hash = $3
         AND status_code IS NULL AND created_at <= $5`,
        [scope, key, requestHash, now, now - staleAfterMs],
      );
      if ((takenOver.rowCount ?? 0) > 0) return { state: 'new' };
      const { rows } = await this.#db.query('SELECT request_hash, status_code, body FROM idempotency_keys WHERE scope = $1 AND key = $2', [scope, key]);
      const row = rows[0];
      if (!row) continue;
      if (row.request_hash !== requestHash) return { state: 'mismatch' };
      if (row.status_code !== null) return { state: 'done', statusCode: row.status_code as number, body: row.body as string };
      return { state: 'in_flight' };
    }
    return { state: 'in_flight' };
  }

  async completeIdempotent(scope: string, key: string, statusCode: number, body: string, now: number): Promise<void> {
    await this.#db.query('UPDATE idempotency_keys SET status_code = $1, body = $2, created_at = $3 WHERE scope = $4 AND key = $5', [statusCode, body, now, scope, key]);
  }

  async abandonIdempotent(scope: string, key: string): Promise<void> {
    await this.#db.query('DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status_code IS NULL', [scope, key]);
  }

  // ── retention ───────────────────────────────────────────────────────────────────────────
  async purgeBatch(before: number, batchSize: number): Promise<PurgeCounts> {
    // SKIP LOCKED: instances purging at the same time split the work instead of waiting on each other.
    const verifications = await this.#db.tx(async (client) => {
      const { rows } = await this.#db.query<{ id: string }>(
        `SELECT id FROM verifications WHERE id < $3 AND (status <> 'pending' OR expires_at <= $1)
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [before, batchSize, idBefore('ver', before)],
        client,
      );
      const ids = rows.map((r) => r.id);
      if (ids.length === 0) return { verifications: 0, messages: 0 };
      const messages = await this.#db.query('DELETE FROM messages WHERE verification_id = ANY($1::text[])', [ids], client);
      const deleted = await this.#db.query('DELETE FROM verifications WHERE id = ANY($1::text[])', [ids], client);
      return { verifications: deleted.rowCount ?? 0, messages: messages.rowCount ?? 0 };
    });
    const devOutbox = await this.#db.query(
      'DELETE FROM dev_outbox WHERE id IN (SELECT id FROM dev_outbox WHERE id < $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)',
      [idBefore('obx', before), batchSize],
    );
    const idempotencyKeys = await this.#db.query(
      `DELETE FROM idempotency_keys WHERE (scope, key) IN
         (SELECT scope, key FROM idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [before, batchSize],
    );
    const events = await this.#db.query(
      `DELETE FROM events WHERE seq IN (SELECT seq FROM events e WHERE id < $1 AND NOT EXISTS
         (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status IN ('pending', 'delivering'))
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [idBefore('evt', before), batchSize],
    );
    const prefixBlocks = await this.#db.query(
      `DELETE FROM prefix_blocks WHERE (service_id, prefix) IN
         (SELECT service_id, prefix FROM prefix_blocks WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [before, batchSize],
    );
    const attemptCounts = await this.#db.query(
      `DELETE FROM attempt_counts WHERE (service_id, mode, hour, country, prefix) IN
         (SELECT service_id, mode, hour, country, prefix FROM attempt_counts WHERE hour < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [Math.floor(before / HOUR_MS), batchSize],
    );
    const auditRecords = await this.#db.query(
      'DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE id < $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)',
      [idBefore('aud', before), batchSize],
    );
    return {
      ...verifications,
      auditRecords: auditRecords.rowCount ?? 0,
      attemptCounts: attemptCounts.rowCount ?? 0,
      devOutbox: devOutbox.rowCount ?? 0,
      idempotencyKeys: idempotencyKeys.rowCount ?? 0,
      events: events.rowCount ?? 0,
      prefixBlocks: prefixBlocks.rowCount ?? 0,
    };
  }

  // ── prefix blocks (SMS-pumping guard) ───────────────────────────────────────────────────
  async savePrefixBlock(b: PrefixBlock): Promise<void> {
    await this.#db.query(
      `INSERT INTO prefix_blocks (service_id, prefix, mode, reason, sends, approvals, baseline_per_window, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (service_id, prefix) DO UPDATE SET mode = excluded.mode, reason = excluded.reason, sends = excluded.sends,
         approvals = excluded.approvals, baseline_per_window = excluded.baseline_per_window, created_at = excluded.created_at,
         expires_at = excluded.expires_at`,
      [b.serviceId, b.prefix, b.mode, b.reason, b.sends, b.approvals, b.baselinePerWindow, b.createdAt, b.expiresAt],
    );
  }

  async findPrefixBlock(serviceId: string, prefix: string, now: number): Promise<PrefixBlock | null> {
    const { rows } = await this.#db.query('SELECT * FROM prefix_blocks WHERE service_id = $1 AND prefix = $2 AND expires_at > $3', [serviceId, prefix, now]);
    return rows[0] ? toPrefixBlock(rows[0]) : null;
  }

  async listPrefixBlocks(serviceId: string, now: number): Promise<PrefixBlock[]> {
    const { rows } = await this.#db.query('SELECT * FROM prefix_blocks WHERE service_id = $1 AND expires_at > $2 ORDER BY created_at DESC', [serviceId, now]);
    return rows.map(toPrefixBlock);
  }

  async deletePrefixBlock(serviceId: string, prefix: string): Promise<boolean> {
    return ((await this.#db.query('DELETE FROM prefix_blocks WHERE service_id = $1 AND prefix = $2', [serviceId, prefix])).rowCount ?? 0) > 0;
  }
}

/** `$first, …, $(first + count - 1)`. */
function placeholders(first: number, count: number): string {
  return Array.from({ length: count }, (_, i) => `$${first + i}`).join(', ');
}
