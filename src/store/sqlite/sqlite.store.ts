import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDb, Statement } from 'better-sqlite3';
import type {
  ApiKeyRecord,
  DevOutboxEntry,
  MessageRecord,
  Page,
  ReadScope,
  Scope,
  ServiceRecord,
  ServiceSettings,
  VerificationRecord,
  VerificationStatus,
} from '../../core/model.js';
import { noEvents } from '../../core/events.js';
import type { EventRecord, EventsOf } from '../../core/events.js';
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
import type { CodeVault } from '../../core/code-vault.js';
import { idBefore } from '../../core/ids.js';
import { decodeCursor } from '../cursor.js';
import { page, adminKeyToRevoke, toApiKey, toDevOutboxEntry, toMessage, toPrefixBlock, toService, toVerification } from '../rows.js';
import type { Row } from '../rows.js';
import { Checkpointer } from './checkpointer.js';
import { GroupCommit, groupCommitMethods } from './group-commit.js';
import { SqliteEventStore } from './sqlite-events.store.js';
import { sqlEventQueries } from '../events.sql-store.js';
import type { EventQueries } from '../events.sql-store.js';
import { sqlAttemptsAndLimits } from '../sql-executor.js';
import type { SqlExecutor } from '../sql-executor.js';
import { sqlSmsDelivery } from '../sms.sql-store.js';
import type { SmsDeliveryStore } from '../sms.sql-store.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { HOUR_MS, countConversion, countNewAttempt, countResend, counted } from '../attempt-counts.sql.js';

/**
 * Methods that only read: they join the open write batch's commit instead of opening one. (A
 * write listed here by mistake would still be safe — it joins an open batch or commits alone.)
 */
const READ_METHODS: ReadonlySet<string> = new Set([
  'ping', 'getMeta', 'getService', 'listServices', 'listAudit', 'findApiKeyByHash', 'listApiKeys', 'countActiveAdminKeys', 'findResendable',
  'getVerification', 'findLatestVerification', 'listVerifications', 'listMessages', 'nextDueAt', 'listDevOutbox',
  'listAttempts', 'getAttempt', 'summarizeAttempts', 'provenTraffic', 'getRateLimit', 'listRateLimits', 'findRateLimitsByName', 'getBucket',
  'listBuckets', 'getEvent', 'listEvents', 'getWebhookEndpoint', 'listWebhookEndpoints', 'listWebhookAttempts', 'findDelivery',
  'nextDeliveryDueAt', 'getMessage', 'findMessageByProviderId', 'getSmsConfig', 'getTemplate', 'listTemplates',
]);
/**
 * Not routed through the batch: lifecycle methods, and claimDueMessages, whose lease the worker
 * may act on before it is committed — should the commit fail, the lease is simply gone and the
 * message is sent again later under the same id (at-least-once, as after a crash). Waiting for
 * the commit would delay every SMS by a turn of the event loop for nothing.
 */
const DIRECT_METHODS: ReadonlySet<string> = new Set(['migrate', 'close', 'claimDueMessages']);

export interface SqliteStoreOptions {
  /** File path, or ':memory:'. */
  path: string;
  /** Seals dev-outbox bodies at rest. */
  vault: CodeVault;
  /**
   * `normal` (default) survives a killed process, which is what a 201 promises (rule R1);
   * `full` also survives power loss, at the cost of an fsync per commit.
   */
  synchronous?: 'normal' | 'full';
}

/**
 * The embedded store. better-sqlite3 is synchronous and the process is single-threaded, so
 * every statement here runs to completion without interleaving: each conditional UPDATE is
 * atomic with respect to every other request of this process, and SQLite's write lock makes
 * it atomic across processes sharing the file (the CLI next to a server).
 */
/** Members copied on in the constructor from `sqlAttemptsAndLimits`, `sqlEventQueries` and `sqlSmsDelivery`. */
export interface SqliteStore extends AttemptStore, RateLimitStore, BucketLimiter, AuditStore, EventQueries, SmsDeliveryStore {}

export class SqliteStore extends SqliteEventStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly #db: SqliteDb;
  readonly #vault: CodeVault;
  readonly #statements = new Map<string, Statement>();
  readonly #group: GroupCommit;
  readonly #checkpointer: Checkpointer | null;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    const db = new Database(options.path);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    super(db);
    this.#db = db;
    this.#vault = options.vault;
    const executor: SqlExecutor = {
      all: async (sql, params) => this.#stmt(sql).all(...params) as Row[],
      get: async (sql, params) => this.#stmt(sql).get(...params) as Row | undefined,
      run: async (sql, params) => this.#stmt(sql).run(...params).changes,
    };
    // The attempts log and rate limits: dialect-neutral SQL shared by both stores.
    // sqlSmsDelivery: per-service SMS settings and templates (store/sms.sql-store.ts).
    Object.assign(this, sqlAttemptsAndLimits(executor), sqlEventQueries(executor, 'seq'), sqlSmsDelivery(executor));
    // The serving connection never checkpoints; a worker thread does (see checkpointer.ts).
    this.#checkpointer = options.path === ':memory:' ? null : new Checkpointer(options.path);
    if (this.#checkpointer) db.pragma('wal_autocheckpoint = 0');
    // Writes of one event-loop turn share one transaction and one commit; see group-commit.ts.
    // Last in the constructor, so the members copied on above are routed through it too.
    this.#group = new GroupCommit(db);
    groupCommitMethods(this, this.#group, READ_METHODS, DIRECT_METHODS);
  }

  #stmt(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  async migrate(): Promise<number> {
    this.#db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    let applied = 0;
    // IMMEDIATE takes the write lock first, so two processes migrating at once run one after the other.
    const run = this.#db.transaction(() => {
      const done = new Set(this.#db.prepare('SELECT version FROM schema_migrations').all().map((r) => (r as Row).version as number));
      for (const migration of SQLITE_MIGRATIONS) {
        if (done.has(migration.version)) continue;
        this.#db.exec(migration.sql);
        this.#db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, Date.now());
        applied++;
      }
    });
    run.immediate();
    return applied;
  }

  /** The connection, for the SQLite-backed rate limiter (it shares the file and its write lock). */
  get database(): SqliteDb {
    return this.#db;
  }

  /** The group commit of this connection, so the rate limiter's upserts share its batches. */
  get groupCommit(): GroupCommit {
    return this.#group;
  }

  async ping(): Promise<void> {
    this.#stmt('SELECT 1').get();
  }

  async close(): Promise<void> {
    await this.#group.flush().catch(() => {});
    await this.#checkpointer?.stop();
    // The last connection to close checkpoints the WAL into the database file.
    if (this.#db.open) this.#db.close();
  }

  // ── meta ────────────────────────────────────────────────────────────────────────────────
  async getMeta(key: string): Promise<string | null> {
    const row = this.#stmt('SELECT value FROM meta WHERE key = ?').get(key) as Row | undefined;
    return row ? (row.value as string) : null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.#stmt('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  // ── services ────────────────────────────────────────────────────────────────────────────
  async createService(service: ServiceRecord): Promise<void> {
    this.#stmt('INSERT INTO services (id, settings, created_at, updated_at) VALUES (?, ?, ?, ?)').run(
      service.id,
      JSON.stringify(service.settings),
      service.createdAt,
      service.updatedAt,
    );
  }

  async getService(id: string): Promise<ServiceRecord | null> {
    const row = this.#stmt('SELECT * FROM services WHERE id = ?').get(id) as Row | undefined;
    return row ? toService(row) : null;
  }

  async listServices(options: ListOptions): Promise<Page<ServiceRecord>> {
    const after = decodeCursor(options.cursor);
    const rows = (
      after === null
        ? this.#stmt('SELECT * FROM services ORDER BY id DESC LIMIT ?').all(options.limit + 1)
        : this.#stmt('SELECT * FROM services WHERE id < ? ORDER BY id DESC LIMIT ?').all(after, options.limit + 1)
    ) as Row[];
    return page(rows.map(toService), options.limit);
  }

  async updateServiceSettings(id: string, settings: ServiceSettings, now: number): Promise<ServiceRecord | null> {
    const result = this.#stmt('UPDATE services SET settings = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(settings), now, id);
    return result.changes === 0 ? null : this.getService(id);
  }

  async deleteService(id: string): Promise<boolean> {
    // Foreign keys cascade to keys, verifications, messages and the dev outbox.
    return this.#stmt('DELETE FROM services WHERE id = ?').run(id).changes > 0;
  }

  // ── API keys ────────────────────────────────────────────────────────────────────────────
  async createApiKey(key: ApiKeyRecord): Promise<void> {
    this.#stmt(
      'INSERT INTO api_keys (id, kind, service_id, key_hash, prefix, name, created_at, revoked_at, mode, source, scheme) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(key.id, key.kind, key.serviceId, key.keyHash, key.prefix, key.name, key.createdAt, key.revokedAt, key.mode, key.source, key.scheme);
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const row = this.#stmt('SELECT * FROM api_keys WHERE key_hash = ?').get(keyHash) as Row | undefined;
    return row ? toApiKey(row) : null;
  }

  async listApiKeys(serviceId: string | null): Promise<ApiKeyRecord[]> {
    const rows = (
      serviceId === null
        ? this.#stmt("SELECT * FROM api_keys WHERE kind = 'admin' ORDER BY id").all()
        : this.#stmt('SELECT * FROM api_keys WHERE service_id = ? ORDER BY id').all(serviceId)
    ) as Row[];
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string, serviceId: string, now: number): Promise<boolean> {
    return this.#stmt('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND service_id = ? AND revoked_at IS NULL').run(now, id, serviceId).changes > 0;
  }

  async revokeAdminKey(id: string, now: number): Promise<ApiKeyRecord | 'last' | null> {
    // One transaction under SQLite's write lock: no other revocation runs in between.
    return this.#db.transaction(() => {
      const active = (this.#stmt("SELECT * FROM api_keys WHERE kind = 'admin' AND revoked_at IS NULL").all() as Row[]).map(toApiKey);
      const key = adminKeyToRevoke(active, id);
      if (key === null || key === 'last') return key;
      this.#stmt('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(now, id);
      return { ...key, revokedAt: now };
    })();
  }

  async countActiveAdminKeys(): Promise<number> {
    const row = this.#stmt("SELECT COUNT(*) AS n FROM api_keys WHERE kind = 'admin' AND scheme = 'bearer' AND revoked_at IS NULL").get() as Row;
    return row.n as number;
  }

  async revokeEnvAdminKeys(keepHash: string | null, now: number): Promise<string[]> {
    const rows = this.#stmt(`UPDATE api_keys SET revoked_at = ? WHERE kind = 'admin' AND source = 'env' AND revoked_at IS NULL
      AND key_hash <> ? RETURNING id`).all(now, keepHash ?? '') as Row[];
    return rows.map((r) => r.id as string);
  }

  // ── verifications ───────────────────────────────────────────────────────────────────────
  async createVerification(v: VerificationRecord, message: MessageRecord | null, events: EventRecord[] = []): Promise<void> {
    const insert = this.#stmt(`INSERT INTO verifications (id, service_id, to_number, country, channel, status, locale, code_digest,
      code_sealed, context_digest, attempts, max_attempts, send_count, max_sends, resend_cooldown_ms, last_send_at, expires_at,
      created_at, updated_at, is_test, client_ip, custom_code, friendly_name, app_hash, mode)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#db.transaction(() => {
      insert.run(
        v.id, v.serviceId, v.to, v.country, v.channel, v.status, v.locale, v.codeDigest, v.codeSealed, v.contextDigest,
        v.attempts, v.maxAttempts, v.sendCount, v.maxSends, v.resendCooldownMs, v.lastSendAt, v.expiresAt, v.createdAt,
        v.updatedAt, v.isTest ? 1 : 0, v.clientIp, v.customCode ? 1 : 0, v.friendlyName, v.appHash, v.mode,
      );
      if (message) this.#insertMessage(message, v);
      this.insertEvents(events);
    })();
  }

  /** A new message, counted as an attempt (unless suppressed) in the same transaction. */
  #insertMessage(m: MessageRecord, verification?: VerificationRecord): void {
    this.#stmt(`INSERT INTO messages (id, verification_id, service_id, mode, to_number, status, attempts, next_attempt_at, lease_until,
      provider, provider_message_id, error_code, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      m.id, m.verificationId, m.serviceId, m.mode, m.to, m.status, m.attempts, m.nextAttemptAt, m.leaseUntil, m.provider,
      m.providerMessageId, m.errorCode, m.createdAt, m.updatedAt,
    );
    if (!counted(m)) return;
    const count = verification ? countNewAttempt(verification, m) : countResend(m);
    this.#stmt(count.sql).run(...count.params);
  }

  async findResendable(scope: Scope, to: string, contextDigest: string, now: number): Promise<VerificationRecord | null> {
    const row = this.#stmt(`SELECT * FROM verifications WHERE service_id = ? AND mode = ? AND to_number = ? AND context_digest = ?
      AND status = 'pending' AND expires_at > ? ORDER BY id DESC LIMIT 1`).get(scope.serviceId, scope.mode, to, contextDigest, now) as Row | undefined;
    return row ? toVerification(row) : null;
  }

  async recordResend(verificationId: string, expectedSendCount: number, message: MessageRecord | null, now: number): Promise<boolean> {
    return this.#db.transaction(() => {
      const result = this.#stmt(`UPDATE verifications SET send_count = send_count + 1, last_send_at = ?, updated_at = ?
        WHERE id = ? AND status = 'pending' AND expires_at > ? AND send_count = ? AND send_count < max_sends
        AND last_send_at + resend_cooldown_ms <= ?`).run(now, now, verificationId, now, expectedSendCount, now);
      if (result.changes === 0) return false;
      if (message) this.#insertMessage(message);
      return true;
    })();
  }

  async getVerification(scope: Scope, id: string): Promise<VerificationRecord | null> {
    const row = this.#stmt('SELECT * FROM verifications WHERE id = ? AND service_id = ? AND mode = ?').get(id, scope.serviceId, scope.mode) as Row | undefined;
    return row ? toVerification(row) : null;
  }

  async findLatestVerification(scope: Scope, to: string, contextDigest: string): Promise<VerificationRecord | null> {
    const row = this.#stmt(`SELECT * FROM verifications WHERE service_id = ? AND mode = ? AND to_number = ? AND context_digest = ?
      ORDER BY id DESC LIMIT 1`).get(scope.serviceId, scope.mode, to, contextDigest) as Row | undefined;
    return row ? toVerification(row) : null;
  }

  async listVerifications(scope: Scope, filter: VerificationFilter, options: ListOptions): Promise<Page<VerificationRecord>> {
    const where = ['service_id = ?', 'mode = ?'];
    const params: unknown[] = [scope.serviceId, scope.mode];
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.to !== undefined) {
      where.push('to_number = ?');
      params.push(filter.to);
    }
    const after = decodeCursor(options.cursor);
    if (after !== null) {
      where.push('id < ?');
      params.push(after);
    }
    params.push(options.limit + 1);
    const rows = this.#stmt(`SELECT * FROM verifications WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`).all(...params) as Row[];
    return page(rows.map(toVerification), options.limit);
  }

  async recordCheck(verificationId: string, matched: boolean, now: number, events: EventsOf<VerificationRecord> = noEvents): Promise<VerificationRecord | null> {
    // The race rule (B3): a check counts only through this one conditional UPDATE, which
    // applies only while the row is still pending, unexpired and under its attempt budget.
    // SQLite runs it under the database write lock, so of N concurrent checks at most
    // `max_attempts - attempts` are counted, and once one of them has set status = 'approved'
    // no other can apply: two right codes can never both approve.
    const sql = matched
      ? `UPDATE verifications SET attempts = attempts + 1, status = 'approved', updated_at = ?
         WHERE id = ? AND status = 'pending' AND expires_at > ? AND attempts < max_attempts RETURNING *`
      : `UPDATE verifications SET attempts = attempts + 1, updated_at = ?,
           status = CASE WHEN attempts + 1 >= max_attempts THEN 'max_attempts_reached' ELSE status END
         WHERE id = ? AND status = 'pending' AND expires_at > ? AND attempts < max_attempts RETURNING *`;
    // The events ride in the same transaction and are written only when the update applied.
    return this.#db.transaction(() => {
      const row = this.#stmt(sql).get(now, verificationId, now) as Row | undefined;
      if (!row) return null;
      const updated = toVerification(row);
      if (updated.status === 'approved') {
        const conversion = countConversion(updated.id);
        this.#stmt(conversion.sql).run(...conversion.params);
      }
      this.insertEvents(events(updated));
      return updated;
    })();
  }

  async finishVerification(
    verificationId: string,
    status: Exclude<VerificationStatus, 'pending' | 'approved'>,
    now: number,
    events: EventsOf<VerificationRecord> = noEvents,
  ): Promise<boolean> {
    return this.#db.transaction(() => {
      const row = this.#stmt("UPDATE verifications SET status = ?, updated_at = ? WHERE id = ? AND status = 'pending' RETURNING *").get(status, now, verificationId) as Row | undefined;
      if (!row) return false;
      // Nothing still queued for a finished verification may go out.
      this.#stmt("UPDATE messages SET status = 'expired', updated_at = ? WHERE verification_id = ? AND status = 'queued'").run(now, verificationId);
      this.insertEvents(events(toVerification(row)));
      return true;
    })();
  }

  async listMessages(verificationId: string): Promise<MessageRecord[]> {
    return (this.#stmt('SELECT * FROM messages WHERE verification_id = ? ORDER BY id').all(verificationId) as Row[]).map(toMessage);
  }

  // ── message queue ───────────────────────────────────────────────────────────────────────
  async claimDueMessages(now: number, limit: number, leaseMs: number): Promise<MessageRecord[]> {
    const rows = this.#stmt(`UPDATE messages SET status = 'sending', lease_until = ?, updated_at = ?
      WHERE id IN (SELECT id FROM messages WHERE status IN ('queued', 'sending') AND next_attempt_at <= ?
                   AND (status = 'queued' OR lease_until <= ?) ORDER BY next_attempt_at LIMIT ?)
      RETURNING *`).all(now + leaseMs, now, now, now, limit) as Row[];
    return rows.map(toMessage);
  }

  async updateMessage(id: string, update: MessageUpdate, countAttempt: boolean, now: number, events: EventsOf<MessageRecord> = noEvents): Promise<void> {
    const write = this.#db.transaction(() => {
      // A receipt can beat the provider's own answer (a fast gateway): 'sent' never overwrites a final receipt.
      const row = this.#stmt(`UPDATE messages SET status = CASE WHEN status IN ('delivered', 'undelivered') AND ? = 'sent' THEN status ELSE ? END,
      attempts = attempts + ?, provider = COALESCE(?, provider),
      provider_message_id = COALESCE(?, provider_message_id), error_code = ?, next_attempt_at = COALESCE(?, next_attempt_at),
      lease_until = NULL, updated_at = ? WHERE id = ? RETURNING *`).get(
      update.status,
      update.status,
      countAttempt ? 1 : 0,
      update.provider ?? null,
      update.providerMessageId ?? null,
      update.errorCode ?? null,
      update.nextAttemptAt ?? null,
      now,
      id,
      ) as Row | undefined;
      if (row) this.insertEvents(events(toMessage(row)));
    });
    write();
  }

  async applyDeliveryReceipt(messageId: string, update: ReceiptUpdate, now: number, events: EventsOf<MessageRecord> = noEvents): Promise<MessageRecord | null> {
    // One conditional UPDATE: a final state is never overwritten, so a late or replayed receipt
    // cannot undo a newer one; its events are written in the same transaction, only when it applied.
    return this.#db.transaction(() => {
      const row = this.#stmt(`UPDATE messages SET status = ?, error_code = COALESCE(?, error_code),
        provider_message_id = COALESCE(provider_message_id, ?), updated_at = ?
        WHERE id = ? AND status IN ('sending', 'sent') AND NOT (status = 'sent' AND ? = 'sent') RETURNING *`)
        .get(update.status, update.errorCode, update.providerMessageId ?? null, now, messageId, update.status) as Row | undefined;
      if (!row) return null;
      const message = toMessage(row);
      this.insertEvents(events(message));
      return message;
    })();
  }

  async failVerificationIfUndeliverable(verificationId: string, now: number, events: EventsOf<VerificationRecord> = noEvents): Promise<boolean> {
    return this.#db.transaction(() => {
      const row = this.#stmt(`UPDATE verifications SET status = 'failed', updated_at = ? WHERE id = ? AND status = 'pending'
      AND NOT EXISTS (SELECT 1 FROM messages WHERE verification_id = ? AND status IN ('queued', 'sending', 'sent', 'delivered', 'suppressed'))
      RETURNING *`).get(now, verificationId, verificationId) as Row | undefined;
      if (!row) return false;
      this.insertEvents(events(toVerification(row)));
      return true;
    })();
  }

  async nextDueAt(): Promise<number | null> {
    const row = this.#stmt("SELECT MIN(next_attempt_at) AS at FROM messages WHERE status IN ('queued', 'sending')").get() as Row;
    return (row.at as number | null) ?? null;
  }

  // ── dev outbox ──────────────────────────────────────────────────────────────────────────
  async addDevOutboxEntry(entry: DevOutboxEntry): Promise<void> {
    this.#stmt(`INSERT INTO dev_outbox (id, service_id, mode, verification_id, message_id, to_number, body_sealed, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
      entry.id, entry.serviceId, entry.mode, entry.verificationId, entry.messageId, entry.to, this.#vault.seal(entry.id, entry.body), entry.createdAt,
    );
  }

  async listDevOutbox(scope: ReadScope, to: string | undefined, limit: number): Promise<DevOutboxEntry[]> {
    const where: string[] = ['mode = ?'];
    const params: unknown[] = [scope.mode];
    if (scope.serviceId !== null) {
      where.push('service_id = ?');
      params.push(scope.serviceId);
    }
    if (to !== undefined) {
      where.push('to_number = ?');
      params.push(to);
    }
    params.push(limit);
    const sql = `SELECT * FROM dev_outbox WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`;
    return (this.#stmt(sql).all(...params) as Row[]).map((row) => toDevOutboxEntry(row, this.#vault));
  }

  // ── idempotency ─────────────────────────────────────────────────────────────────────────
  async beginIdempotent(scope: string, key: string, requestHash: string, now: number, staleAfterMs: number): Promise<IdempotencyBegin> {
    return this.#db.transaction((): IdempotencyBegin => {
      const row = this.#stmt('SELECT * FROM idempotency_keys WHERE scope = ? AND key = ?').get(scope, key) as Row | undefined;
      if (!row) {
        this.#stmt('INSERT INTO idempotency_keys (scope, key, request_hash, created_at) VALUES (?, ?, ?, ?)').run(scope, key, requestHash, now);
        return { state: 'new' };
      }
      if (row.request_hash !== requestHash) return { state: 'mismatch' };
      if (row.status_code !== null) return { state: 'done', statusCode: row.status_code as number, body: row.body as string };
      if ((row.created_at as number) + staleAfterMs > now) return { state: 'in_flight' };
      this.#stmt('UPDATE idempotency_keys SET created_at = ? WHERE scope = ? AND key = ?').run(now, scope, key);
      return { state: 'new' };
    }).immediate();
  }

  async completeIdempotent(scope: string, key: string, statusCode: number, body: string, now: number): Promise<void> {
    this.#stmt('UPDATE idempotency_keys SET status_code = ?, body = ?, created_at = ? WHERE scope = ? AND key = ?').run(statusCode, body, now, scope, key);
  }

  async abandonIdempotent(scope: string, key: string): Promise<void> {
    this.#stmt('DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND status_code IS NULL').run(scope, key);
  }

  // ── prefix blocks (SMS-pumping guard) ───────────────────────────────────────────────────
  async savePrefixBlock(b: PrefixBlock): Promise<void> {
    this.#stmt(`INSERT OR REPLACE INTO prefix_blocks (service_id, prefix, mode, reason, sends, approvals, baseline_per_window,
      created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      b.serviceId, b.prefix, b.mode, b.reason, b.sends, b.approvals, b.baselinePerWindow, b.createdAt, b.expiresAt,
    );
  }

  async findPrefixBlock(serviceId: string, prefix: string, now: number): Promise<PrefixBlock | null> {
    const row = this.#stmt('SELECT * FROM prefix_blocks WHERE service_id = ? AND prefix = ? AND expires_at > ?').get(serviceId, prefix, now) as Row | undefined;
    return row ? toPrefixBlock(row) : null;
  }

  async listPrefixBlocks(serviceId: string, now: number): Promise<PrefixBlock[]> {
    const rows = this.#stmt('SELECT * FROM prefix_blocks WHERE service_id = ? AND expires_at > ? ORDER BY created_at DESC').all(serviceId, now) as Row[];
    return rows.map(toPrefixBlock);
  }

  async deletePrefixBlock(serviceId: string, prefix: string): Promise<boolean> {
    return this.#stmt('DELETE FROM prefix_blocks WHERE service_id = ? AND prefix = ?').run(serviceId, prefix).changes > 0;
  }

  // ── retention ───────────────────────────────────────────────────────────────────────────
  async purgeBatch(before: number, batchSize: number): Promise<PurgeCounts> {
    // "Created before" is an id range: ids sort by creation time (see idBefore).
    return this.#db.transaction((): PurgeCounts => {
      const ids = (this.#stmt(`SELECT id FROM verifications WHERE id < ? AND (status <> 'pending' OR expires_at <= ?)
        ORDER BY id LIMIT ?`).all(idBefore('ver', before), before, batchSize) as Row[]).map((row) => row.id as string);
      let messages = 0;
      let verifications = 0;
      for (const id of ids) {
        messages += this.#stmt('DELETE FROM messages WHERE verification_id = ?').run(id).changes;
        verifications += this.#stmt('DELETE FROM verifications WHERE id = ?').run(id).changes;
      }
      const devOutbox = this.#stmt('DELETE FROM dev_outbox WHERE id IN (SELECT id FROM dev_outbox WHERE id < ? ORDER BY id LIMIT ?)')
        .run(idBefore('obx', before), batchSize).changes;
      const idempotencyKeys = this.#stmt(`DELETE FROM idempotency_keys WHERE rowid IN
        (SELECT rowid FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)`).run(before, batchSize).changes;
      const events = this.#stmt(`DELETE FROM events WHERE seq IN (SELECT seq FROM events e WHERE id < ? AND NOT EXISTS
        (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status IN ('pending', 'delivering')) ORDER BY id LIMIT ?)`)
        .run(idBefore('evt', before), batchSize).changes;
      const prefixBlocks = this.#stmt(`DELETE FROM prefix_blocks WHERE rowid IN
        (SELECT rowid FROM prefix_blocks WHERE expires_at < ? LIMIT ?)`).run(before, batchSize).changes;
      const auditRecords = this.#stmt('DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE id < ? ORDER BY id LIMIT ?)')
        .run(idBefore('aud', before), batchSize).changes;
      const attemptCounts = this.#stmt('DELETE FROM attempt_counts WHERE rowid IN (SELECT rowid FROM attempt_counts WHERE hour < ? LIMIT ?)')
        .run(Math.floor(before / HOUR_MS), batchSize).changes;
      return { verifications, messages, devOutbox, idempotencyKeys, events, prefixBlocks, auditRecords, attemptCounts };
    })();
  }
}
