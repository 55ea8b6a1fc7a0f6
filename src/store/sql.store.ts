import type { AuditFilter, AuditRecord } from '../core/audit.js';
import type { CodeVault } from '../core/code-vault.js';
import { noEvents } from '../core/events.js';
import type { EventRecord, EventsOf } from '../core/events.js';
import type {
  DeliveryJob,
  DeliveryLease,
  DeliveryOutcome,
  DeliveryShare,
  EventListOptions,
  WebhookAttemptRecord,
  WebhookDeliveryRecord,
  WebhookEndpointPatch,
  WebhookEndpointRecord,
} from '../core/events.ports.js';
import { idBefore } from '../core/ids.js';
import type {
  ApiKeyRecord,
  AttemptRecord,
  DevOutboxEntry,
  MessageRecord,
  Mode,
  Page,
  ReadScope,
  Scope,
  ServiceRecord,
  ServiceSettings,
  VerificationRecord,
  VerificationStatus,
} from '../core/model.js';
import type {
  AttemptFilter,
  ConsoleSessionRecord,
  IdempotencyBegin,
  InstanceRecord,
  ListOptions,
  MessageUpdate,
  PrefixBlock,
  ProvenTraffic,
  PurgeCounts,
  ReceiptUpdate,
  StatsCountRow,
  StatsQuery,
  Store,
  VerificationFilter,
} from '../core/ports.js';
import { HOUR_MS, countConversion, countNewAttempt, countResend, counted } from './attempt-counts.sql.js';
import { SqlAttemptStore } from './attempts.sql-store.js';
import { countApproved, countMessage, countStarted, counterOfStatus } from './stats-counts.sql.js';
import { SqlStatsStore } from './stats.sql-store.js';
import { Conditions, scanWindowEnd } from './conditions.js';
import { SqlAuditStore } from './audit.sql-store.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { SqlEvents, eventsCte, insertEvents } from './events.sql-store.js';
import { SqlInstances, leaseOwnerGone } from './instances.sql-store.js';
import { SqlRateLimitStore } from './rate-limits.sql-store.js';
import { adminKeyToRevoke, page, toApiKey, toDevOutboxEntry, toMessage, toPrefixBlock, toService, toVerification } from './rows.js';
import type { Row } from './rows.js';
import { SqlSmsStore } from './sms.sql-store.js';
import { q } from './sql/driver.js';
import type { SqlDriver, Work } from './sql/driver.js';

const VERIFICATION_COLUMNS = `id, service_id, to_number, country, channel, status, locale, code_digest, code_sealed, context_digest,
  attempts, max_attempts, send_count, max_sends, resend_cooldown_ms, last_send_at, expires_at, created_at, updated_at, is_test, client_ip,
  custom_code, friendly_name, app_hash, mode`;
const MESSAGE_COLUMNS = `id, verification_id, service_id, mode, to_number, status, attempts, next_attempt_at, lease_until, lease_owner,
  provider, provider_message_id, error_code, created_at, updated_at, channel`;
const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');
// The hot inserts' statements, built once (a start runs both).
const INSERT_VERIFICATION = `INSERT INTO verifications (${VERIFICATION_COLUMNS}) VALUES (${marks(25)})`;
const INSERT_MESSAGE = `INSERT INTO messages (${MESSAGE_COLUMNS}) VALUES (${marks(16)})`;

const verificationValues = (v: VerificationRecord): unknown[] => [
  v.id, v.serviceId, v.to, v.country, v.channel, v.status, v.locale, v.codeDigest, v.codeSealed, v.contextDigest, v.attempts,
  v.maxAttempts, v.sendCount, v.maxSends, v.resendCooldownMs, v.lastSendAt, v.expiresAt, v.createdAt, v.updatedAt, v.isTest, v.clientIp,
  v.customCode, v.friendlyName, v.appHash, v.mode,
];
const messageValues = (m: MessageRecord): unknown[] => [
  m.id, m.verificationId, m.serviceId, m.mode, m.to, m.status, m.attempts, m.nextAttemptAt, m.leaseUntil, m.leaseOwner, m.provider,
  m.providerMessageId, m.errorCode, m.createdAt, m.updatedAt, m.channel,
];

/**
 * Counter rows are hot (every start of a service's day and country meets in one), so every
 * writer takes them in one order — the statistics row first, then the attempt counts — or two
 * transactions that lock both (a start and an approval) could wait on each other (PostgreSQL
 * would abort one as a deadlock).
 */
/** A new message, counted as an attempt (unless suppressed), in the caller's unit of work. */
function* insertMessage(m: MessageRecord, verification?: VerificationRecord, statCounted = false): Work<void> {
  yield* q.run(INSERT_MESSAGE, messageValues(m));
  if (!counted(m)) return;
  if (!statCounted) {
    const stat = countMessage(m, 'messages', undefined, verification);
    yield* q.run(stat.sql, stat.params);
  }
  const count = verification ? countNewAttempt(verification, m) : countResend(m);
  yield* q.run(count.sql, count.params);
}

/** Whether a start's statistics row also counts its first message (same row: no provider yet, the verification's channel). */
function startCountsMessage(v: VerificationRecord, message: MessageRecord | null): boolean {
  return message !== null && counted(message) && (message.provider ?? '') === '' && message.channel === v.channel;
}

export interface SqlStoreOptions {
  /** Seals dev-outbox bodies at rest. */
  vault: CodeVault;
  /** Applies the dialect's migrations (each driver's own locking). */
  migrate: () => Promise<number>;
  /** Runs before the driver closes (the SQLite checkpointer stops here). */
  beforeClose?: () => Promise<void>;
  /** Where the instance's liveness record is written, when not through `driver` (PostgreSQL: a connection of its own). */
  liveness?: SqlDriver;
}

/**
 * The store, one implementation for SQLite and PostgreSQL: every statement is written once with
 * `?` placeholders and run through a driver (sql/driver.ts), which also runs each multi-statement
 * change as one transaction. What the two databases do differently is asked of the driver's
 * dialect in the few places it matters: row locks (`forUpdate`, `skipLocked`), arrays of ids,
 * events written as one CTE statement on PostgreSQL, and a start written as one statement there.
 *
 * Every guarantee comes from conditional statements: a check, a resend, a claim or a receipt
 * counts only through an UPDATE whose WHERE clause re-checks the row (SQLite's single writer;
 * PostgreSQL's row lock and READ COMMITTED re-evaluation), so concurrent requests, on one
 * instance or many, cannot both win.
 */
export class SqlStore implements Store {
  readonly #sql: SqlDriver;
  readonly #options: SqlStoreOptions;
  readonly #events: SqlEvents;
  readonly #attempts: SqlAttemptStore;
  readonly #audit: SqlAuditStore;
  readonly #limits: SqlRateLimitStore;
  readonly #sms: SqlSmsStore;
  readonly #instances: SqlInstances;
  readonly #stats: SqlStatsStore;

  constructor(driver: SqlDriver, options: SqlStoreOptions) {
    this.#sql = driver;
    this.#options = options;
    this.#events = new SqlEvents(driver);
    this.#attempts = new SqlAttemptStore(driver);
    this.#audit = new SqlAuditStore(driver);
    this.#limits = new SqlRateLimitStore(driver);
    this.#sms = new SqlSmsStore(driver);
    this.#instances = new SqlInstances(driver, options.liveness ?? driver);
    this.#stats = new SqlStatsStore(driver);
  }

  get dialect(): 'sqlite' | 'postgres' {
    return this.#sql.dialect.name;
  }

  migrate(): Promise<number> {
    return this.#options.migrate();
  }

  // ── statistics and console sessions (stats.sql-store.ts) ───────────────────────────────
  statsCounts(query: StatsQuery): Promise<StatsCountRow[]> {
    return this.#stats.statsCounts(query);
  }

  statsRefusals(query: StatsQuery): Promise<Array<{ key: string; rule: string; refusals: number }>> {
    return this.#stats.statsRefusals(query);
  }

  countRefusal(serviceId: string, mode: Mode, rule: string, now: number): Promise<void> {
    return this.#stats.countRefusal(serviceId, mode, rule, now);
  }

  createConsoleSession(session: ConsoleSessionRecord, now: number): Promise<void> {
    return this.#stats.createConsoleSession(session, now);
  }

  findConsoleSession(idHash: string, now: number): Promise<ConsoleSessionRecord | null> {
    return this.#stats.findConsoleSession(idHash, now);
  }

  deleteConsoleSession(idHash: string): Promise<void> {
    return this.#stats.deleteConsoleSession(idHash);
  }

  // ── instances ───────────────────────────────────────────────────────────────────────────
  listInstances(host: string): Promise<InstanceRecord[]> {
    return this.#instances.listInstances(host);
  }

  registerInstance(instance: InstanceRecord, dead: readonly string[]): Promise<void> {
    return this.#instances.registerInstance(instance, dead);
  }

  beatInstance(instance: InstanceRecord): Promise<void> {
    return this.#instances.beatInstance(instance);
  }

  removeInstance(id: string): Promise<void> {
    return this.#instances.removeInstance(id);
  }

  async ping(): Promise<void> {
    await this.#sql.get('SELECT 1');
  }

  async close(): Promise<void> {
    await this.#options.beforeClose?.();
    await this.#sql.close();
  }

  /** A change and its events in one transaction; the worker is told when deliveries were queued. */
  async #withEvents<T>(work: () => Work<[T, EventRecord[]]>): Promise<T> {
    const d = this.#sql.dialect;
    const [result, deliveries] = await this.#sql.transaction(function* () {
      const [value, events] = yield* work();
      return [value, yield* insertEvents(d, events)] as const;
    });
    this.#events.note(deliveries);
    return result;
  }

  // ── meta ────────────────────────────────────────────────────────────────────────────────
  async getMeta(key: string): Promise<string | null> {
    return ((await this.#sql.get('SELECT value FROM meta WHERE key = ?', [key]))?.value as string | undefined) ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.#sql.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  // ── services ────────────────────────────────────────────────────────────────────────────
  async createService(service: ServiceRecord): Promise<void> {
    await this.#sql.run('INSERT INTO services (id, settings, created_at, updated_at) VALUES (?, ?, ?, ?)', [
      service.id, JSON.stringify(service.settings), service.createdAt, service.updatedAt,
    ]);
  }

  async getService(id: string): Promise<ServiceRecord | null> {
    const row = await this.#sql.get('SELECT * FROM services WHERE id = ?', [id]);
    return row ? toService(row) : null;
  }

  async listServices(options: ListOptions): Promise<Page<ServiceRecord>> {
    const after = decodeCursor(options.cursor);
    const rows = after === null
      ? await this.#sql.all('SELECT * FROM services ORDER BY id DESC LIMIT ?', [options.limit + 1])
      : await this.#sql.all('SELECT * FROM services WHERE id < ? ORDER BY id DESC LIMIT ?', [after, options.limit + 1]);
    return page(rows.map(toService), options.limit);
  }

  async updateServiceSettings(id: string, settings: ServiceSettings, now: number): Promise<ServiceRecord | null> {
    const row = await this.#sql.get('UPDATE services SET settings = ?, updated_at = ? WHERE id = ? RETURNING *', [JSON.stringify(settings), now, id]);
    return row ? toService(row) : null;
  }

  async deleteService(id: string): Promise<boolean> {
    // Foreign keys cascade to keys, verifications, messages and the dev outbox.
    return (await this.#sql.run('DELETE FROM services WHERE id = ?', [id])) > 0;
  }

  // ── API keys ────────────────────────────────────────────────────────────────────────────
  async createApiKey(key: ApiKeyRecord): Promise<void> {
    await this.#sql.run(
      'INSERT INTO api_keys (id, kind, service_id, key_hash, prefix, name, created_at, revoked_at, mode, source, scheme) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [key.id, key.kind, key.serviceId, key.keyHash, key.prefix, key.name, key.createdAt, key.revokedAt, key.mode, key.source, key.scheme],
    );
  }

  async findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null> {
    const row = await this.#sql.get('SELECT * FROM api_keys WHERE key_hash = ?', [keyHash]);
    return row ? toApiKey(row) : null;
  }

  async listApiKeys(serviceId: string | null): Promise<ApiKeyRecord[]> {
    const rows = serviceId === null
      ? await this.#sql.all("SELECT * FROM api_keys WHERE kind = 'admin' ORDER BY id")
      : await this.#sql.all('SELECT * FROM api_keys WHERE service_id = ? ORDER BY id', [serviceId]);
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string, serviceId: string, now: number): Promise<ApiKeyRecord | null> {
    const row = await this.#sql.get('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND service_id = ? AND revoked_at IS NULL RETURNING *', [now, id, serviceId]);
    return row ? toApiKey(row) : null;
  }

  async revokeAdminKey(id: string, now: number): Promise<ApiKeyRecord | 'last' | null> {
    // The active admin keys are locked first (SQLite: its write lock): a concurrent revocation
    // waits, then re-reads them and no longer counts the key this one revoked.
    const d = this.#sql.dialect;
    return this.#sql.transaction(function* () {
      const active = (yield* q.all(`SELECT * FROM api_keys WHERE kind = 'admin' AND revoked_at IS NULL ORDER BY id${d.forUpdate}`)).map(toApiKey);
      const key = adminKeyToRevoke(active, id);
      if (key === null || key === 'last') return key;
      yield* q.run('UPDATE api_keys SET revoked_at = ? WHERE id = ?', [now, id]);
      return { ...key, revokedAt: now };
    });
  }

  async countActiveAdminKeys(): Promise<number> {
    const row = await this.#sql.get("SELECT COUNT(*) AS n FROM api_keys WHERE kind = 'admin' AND scheme = 'bearer' AND revoked_at IS NULL");
    return Number(row?.n ?? 0);
  }

  async revokeEnvAdminKeys(keepHash: string | null, now: number): Promise<string[]> {
    const rows = await this.#sql.all(
      `UPDATE api_keys SET revoked_at = ? WHERE kind = 'admin' AND source = 'env' AND revoked_at IS NULL AND key_hash <> ? RETURNING id`,
      [now, keepHash ?? ''],
    );
    return rows.map((r) => r.id as string);
  }

  // ── verifications ───────────────────────────────────────────────────────────────────────
  async createVerification(v: VerificationRecord, message: MessageRecord | null, events: EventRecord[] = []): Promise<void> {
    if (this.#sql.dialect.name === 'postgres') return this.#createVerificationInOneStatement(v, message, events);
    // The start and its first message fall in one statistics row (one upsert, not two) when the
    // message has no provider yet and goes by the verification's channel.
    const together = startCountsMessage(v, message);
    await this.#withEvents(function* () {
      yield* q.run(INSERT_VERIFICATION, verificationValues(v));
      const started = countStarted(v, together ? 1 : 0);
      yield* q.run(started.sql, started.params);
      if (message) yield* insertMessage(message, v, together);
      return [undefined, events];
    });
  }

  /** PostgreSQL: the verification, its message, its count and its events as one statement (data-modifying CTEs), one round trip. */
  async #createVerificationInOneStatement(v: VerificationRecord, message: MessageRecord | null, events: EventRecord[]): Promise<void> {
    const params = verificationValues(v);
    const ctes = [`verification AS (${INSERT_VERIFICATION})`];
    const together = startCountsMessage(v, message);
    const started = countStarted(v, together ? 1 : 0);
    ctes.push(`started AS (${started.sql})`);
    params.push(...started.params);
    if (message) {
      params.push(...messageValues(message));
      ctes.push(`message AS (${INSERT_MESSAGE})`);
      if (counted(message)) {
        // Statistics rows before attempt counts, as every writer takes them (see insertMessage).
        if (!together) {
          const stat = countMessage(message, 'messages', undefined, v);
          ctes.push(`message_count AS (${stat.sql})`);
          params.push(...stat.params);
        }
        const count = countNewAttempt(v, message);
        ctes.push(`attempt_count AS (${count.sql})`);
        params.push(...count.params);
      }
    }
    let select = 'SELECT 0 AS deliveries';
    if (events.length > 0) {
      const cte = eventsCte(events);
      ctes.push(cte.sql);
      params.push(...cte.params);
      select = 'SELECT count(*)::int AS deliveries FROM deliveries';
    }
    const row = await this.#sql.get(`WITH ${ctes.join(', ')} ${select}`, params);
    this.#events.note(Number(row?.deliveries ?? 0));
  }

  async findResendable(scope: Scope, to: string, contextDigest: string, now: number): Promise<VerificationRecord | null> {
    const row = await this.#sql.get(
      `SELECT * FROM verifications WHERE service_id = ? AND mode = ? AND to_number = ? AND context_digest = ?
       AND status = 'pending' AND expires_at > ? ORDER BY id DESC LIMIT 1`,
      [scope.serviceId, scope.mode, to, contextDigest, now],
    );
    return row ? toVerification(row) : null;
  }

  async recordResend(verificationId: string, expectedSendCount: number, message: MessageRecord | null, now: number): Promise<boolean> {
    return this.#sql.transaction(function* () {
      // Conditional on the send count read by the caller: of two concurrent resends the second
      // finds the count moved (SQLite: after the first; PostgreSQL: re-reading the row once the
      // first's lock is released) and does nothing.
      const changed = yield* q.run(
        `UPDATE verifications SET send_count = send_count + 1, last_send_at = ?, updated_at = ?
         WHERE id = ? AND status = 'pending' AND expires_at > ? AND send_count = ? AND send_count < max_sends
         AND last_send_at + resend_cooldown_ms <= ?`,
        [now, now, verificationId, now, expectedSendCount, now],
      );
      if (changed === 0) return false;
      if (message) yield* insertMessage(message);
      return true;
    });
  }

  async getVerification(scope: Scope, id: string): Promise<VerificationRecord | null> {
    const row = await this.#sql.get('SELECT * FROM verifications WHERE id = ? AND service_id = ? AND mode = ?', [id, scope.serviceId, scope.mode]);
    return row ? toVerification(row) : null;
  }

  async findLatestVerification(scope: Scope, to: string, contextDigest: string): Promise<VerificationRecord | null> {
    const row = await this.#sql.get(
      'SELECT * FROM verifications WHERE service_id = ? AND mode = ? AND to_number = ? AND context_digest = ? ORDER BY id DESC LIMIT 1',
      [scope.serviceId, scope.mode, to, contextDigest],
    );
    return row ? toVerification(row) : null;
  }

  async listVerifications(scope: Scope, filter: VerificationFilter, options: ListOptions): Promise<Page<VerificationRecord>> {
    const conditions = Conditions.of(scope);
    if (filter.status !== undefined) conditions.add('status = ?', filter.status);
    if (filter.to !== undefined) conditions.add('to_number = ?', filter.to);
    if (filter.toSuffix !== undefined) conditions.add('to_number LIKE ?', `%${filter.toSuffix.replace(/[^0-9]/g, '')}`);
    const after = decodeCursor(options.cursor);
    if (after !== null) conditions.add('id < ?', after);
    // A status alone has no index of its own: a page looks at most SCAN_WINDOW verifications
    // below the cursor (scanWindowEnd). A number has its index.
    const windowEnd = (filter.status !== undefined || filter.toSuffix !== undefined) && filter.to === undefined ? await scanWindowEnd(this.#sql, 'verifications', scope, after) : null;
    if (windowEnd !== null) conditions.add('id >= ?', windowEnd);
    const rows = await this.#sql.all(`SELECT * FROM verifications ${conditions.where} ORDER BY id DESC LIMIT ?`, conditions.params(options.limit + 1));
    const listed = page(rows.map(toVerification), options.limit);
    return listed.nextCursor === null && windowEnd !== null ? { ...listed, nextCursor: encodeCursor(windowEnd) } : listed;
  }

  async recordCheck(current: VerificationRecord, matched: boolean, now: number, events: EventsOf<VerificationRecord> = noEvents): Promise<VerificationRecord | null> {
    const verificationId = current.id;
    // The race rule (B3): a check counts only through this one conditional UPDATE, which applies
    // only while the row is still pending, unexpired and under its attempt budget. SQLite runs it
    // under the write lock; PostgreSQL takes the row lock, and a concurrent check re-evaluates the
    // WHERE clause against the row as the first one left it (READ COMMITTED), never a stale
    // snapshot. So of N concurrent checks, on any number of instances, at most
    // `max_attempts - attempts` are counted, and two right codes never both approve.
    const sql = matched
      ? `UPDATE verifications SET attempts = attempts + 1, status = 'approved', updated_at = ?
         WHERE id = ? AND status = 'pending' AND expires_at > ? AND attempts < max_attempts RETURNING *`
      : `UPDATE verifications SET attempts = attempts + 1, updated_at = ?,
           status = CASE WHEN attempts + 1 >= max_attempts THEN 'max_attempts_reached' ELSE status END
         WHERE id = ? AND status = 'pending' AND expires_at > ? AND attempts < max_attempts RETURNING *`;
    // A wrong code that leaves the verification pending, as the checker read it, is the common
    // case and has no events: then the update is the whole change, one statement with no
    // transaction around it (on PostgreSQL, one round trip instead of three). It applies only if
    // the row still holds the attempts the checker saw and stays under its budget; otherwise
    // (a concurrent check, the last attempt) the general path below decides.
    const after: VerificationRecord = { ...current, attempts: current.attempts + 1, updatedAt: now };
    if (!matched && current.status === 'pending' && events(after).length === 0) {
      const row = await this.#sql.get(
        `UPDATE verifications SET attempts = attempts + 1, updated_at = ?
         WHERE id = ? AND status = 'pending' AND expires_at > ? AND attempts = ? AND attempts + 1 < max_attempts RETURNING *`,
        [now, verificationId, now, current.attempts],
      );
      if (row) return toVerification(row);
    }
    if (matched && this.#sql.dialect.name === 'postgres') {
      const approved = await this.#approveInOneStatement(current, now, events);
      if (approved) return approved;
    }
    // Its events ride in the same transaction, written only when the update applied.
    return this.#withEvents(function* () {
      const row = yield* q.get(sql, [now, verificationId, now]);
      if (!row) return [null, []];
      const updated = toVerification(row);
      if (updated.status === 'approved') {
        // Statistics row first, then attempt counts (see insertMessage).
        const approved = countApproved(updated, now);
        yield* q.run(approved.sql, approved.params);
        const conversion = countConversion(updated.id);
        yield* q.run(conversion.sql, conversion.params);
      }
      return [updated, events(updated)];
    });
  }

  /**
   * PostgreSQL, a right code on the verification as the checker read it (its attempts and its
   * last change unmoved): the approval, its conversion counts and its events are known
   * beforehand, and are one statement (one round trip instead of BEGIN, UPDATE, count, events,
   * COMMIT). Null when the row moved on: the caller takes the general path, which reads it.
   */
  async #approveInOneStatement(current: VerificationRecord, now: number, events: EventsOf<VerificationRecord>): Promise<VerificationRecord | null> {
    const after: VerificationRecord = { ...current, attempts: current.attempts + 1, status: 'approved', updatedAt: now };
    const params: unknown[] = [now, current.id, now, current.attempts, current.updatedAt];
    const ctes = [`changed AS (
      UPDATE verifications SET attempts = attempts + 1, status = 'approved', updated_at = ?
      WHERE id = ? AND status = 'pending' AND expires_at > ? AND attempts = ? AND updated_at = ? AND attempts < max_attempts RETURNING *)`];
    // Statistics row first, then attempt counts (see insertMessage).
    const approved = countApproved(current, now, 'EXISTS (SELECT 1 FROM changed)');
    ctes.push(`approved_count AS (${approved.sql})`);
    params.push(...approved.params);
    const conversion = countConversion(current.id, 'EXISTS (SELECT 1 FROM changed)');
    ctes.push(`conversion AS (${conversion.sql})`);
    params.push(...conversion.params);
    const row = await this.#changeInOneStatement(ctes, params, events(after));
    return row ? toVerification(row) : null;
  }

  /**
   * PostgreSQL: `ctes` (the first named `changed`, returning the row it changed) and, only if it
   * changed one, the `written` events and their deliveries, as one statement. The changed row,
   * or undefined when there was none.
   */
  async #changeInOneStatement(ctes: string[], params: unknown[], written: EventRecord[]): Promise<Row | undefined> {
    let deliveries = '0';
    if (written.length > 0) {
      const cte = eventsCte(written, 'EXISTS (SELECT 1 FROM changed)');
      ctes.push(cte.sql);
      params.push(...cte.params);
      deliveries = '(SELECT count(*) FROM deliveries)';
    }
    const row = await this.#sql.get(`WITH ${ctes.join(', ')} SELECT changed.*, ${deliveries}::int AS written_deliveries FROM changed`, params);
    if (row) this.#events.note(Number(row.written_deliveries ?? 0));
    return row;
  }

  async finishVerification(
    verificationId: string,
    status: Exclude<VerificationStatus, 'pending' | 'approved'>,
    now: number,
    events: EventsOf<VerificationRecord> = noEvents,
  ): Promise<boolean> {
    return this.#withEvents(function* () {
      const row = yield* q.get("UPDATE verifications SET status = ?, updated_at = ? WHERE id = ? AND status = 'pending' RETURNING *", [status, now, verificationId]);
      if (!row) return [false, []];
      // Nothing still queued for a finished verification may go out.
      yield* q.run("UPDATE messages SET status = 'expired', updated_at = ? WHERE verification_id = ? AND status = 'queued'", [now, verificationId]);
      return [true, events(toVerification(row))];
    });
  }

  async listMessages(verificationId: string): Promise<MessageRecord[]> {
    return (await this.#sql.all('SELECT * FROM messages WHERE verification_id = ? ORDER BY id', [verificationId])).map(toMessage);
  }

  // ── message queue ───────────────────────────────────────────────────────────────────────
  async claimDueMessages(now: number, limit: number, leaseMs: number, owner: string): Promise<MessageRecord[]> {
    // Several workers (on several instances) claim at once: the rows are chosen and leased in
    // one statement, under SQLite's write lock, or with SKIP LOCKED on PostgreSQL (each claimer
    // takes rows no other holds; a row another has just leased no longer qualifies once its lock
    // is released). So no message is leased twice; a lease that ran out, or whose owner died
    // (another instance's record went stale, or was removed by its successor), qualifies again.
    // The choice is a MATERIALIZED CTE, run once: PostgreSQL may run an
    // `IN (SELECT … LIMIT n SKIP LOCKED)` subquery more than once and lease more than n.
    const d = this.#sql.dialect;
    const rows = await this.#sql.all(
      `WITH due AS MATERIALIZED (
         SELECT id AS due_id FROM messages WHERE status IN ('queued', 'sending') AND next_attempt_at <= ?
           AND (status = 'queued' OR lease_until <= ? OR (lease_owner <> ? AND ${leaseOwnerGone(d, 'lease_owner')}))
           ORDER BY next_attempt_at LIMIT ?${d.skipLocked})
       UPDATE messages SET status = 'sending', lease_until = ?, lease_owner = ?, updated_at = ? FROM due WHERE messages.id = due.due_id
       RETURNING *`,
      [now, now, owner, limit, now + leaseMs, owner, now],
    );
    return rows.map(toMessage).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
  }

  async updateMessage(message: MessageRecord, update: MessageUpdate, countAttempt: boolean, now: number, events: EventsOf<MessageRecord> = noEvents): Promise<boolean> {
    if (this.#sql.dialect.name === 'postgres') {
      const done = await this.#updateMessageInOneStatement(message, update, countAttempt, now, events);
      if (done) return true;
    }
    return this.#withEvents(function* () {
      // Only the lease's holder records an outcome: a slow original whose lease another instance
      // took over (it was thought dead) changes nothing, so the two never both record one. The
      // lease is its owner and its end: one the same owner took again later is another lease.
      // A receipt can beat the provider's own answer (a fast gateway): 'sent' never overwrites a final receipt.
      const row = yield* q.get(
        `UPDATE messages SET status = CASE WHEN status IN ('delivered', 'undelivered') AND ? = 'sent' THEN status ELSE ? END,
           attempts = attempts + ?, provider = COALESCE(?, provider),
           provider_message_id = COALESCE(?, provider_message_id), error_code = ?, next_attempt_at = COALESCE(?, next_attempt_at),
           lease_until = NULL, lease_owner = NULL, updated_at = ?
         WHERE id = ? AND COALESCE(lease_owner, '') = ? AND COALESCE(lease_until, -1) = ? RETURNING *`,
        [update.status, update.status, countAttempt ? 1 : 0, update.provider ?? null, update.providerMessageId ?? null, update.errorCode ?? null,
          update.nextAttemptAt ?? null, now, message.id, message.leaseOwner ?? '', message.leaseUntil ?? -1],
      );
      if (!row) return [false, []];
      const updated = toMessage(row);
      const counter = counterOfStatus(update.status);
      if (counter) {
        // Counted by what the sender reported: a receipt that came first keeps its status, and the send still counts as sent.
        const stat = countMessage(updated, counter);
        yield* q.run(stat.sql, stat.params);
      }
      return [true, events(updated)];
    });
  }

  /**
   * PostgreSQL, the common case: the message is still as its sender holds it (same status,
   * attempts, provider ids; nothing, such as a receipt, changed it meanwhile), so the row after
   * the update and its events are known beforehand, and the update and its events are one
   * statement (one round trip instead of BEGIN, UPDATE, events, COMMIT). False when the row
   * moved on or the lease was lost: the caller then takes the general path, which reads it.
   */
  async #updateMessageInOneStatement(
    message: MessageRecord, update: MessageUpdate, countAttempt: boolean, now: number, events: EventsOf<MessageRecord>,
  ): Promise<boolean> {
    const after: MessageRecord = {
      ...message,
      status: update.status,
      attempts: message.attempts + (countAttempt ? 1 : 0),
      provider: update.provider ?? message.provider,
      providerMessageId: update.providerMessageId ?? message.providerMessageId,
      errorCode: update.errorCode ?? null,
      nextAttemptAt: update.nextAttemptAt ?? message.nextAttemptAt,
      leaseUntil: null,
      leaseOwner: null,
      updatedAt: now,
    };
    const params: unknown[] = [
      after.status, after.attempts, after.provider, after.providerMessageId, after.errorCode, after.nextAttemptAt, now,
      message.id, message.leaseOwner ?? '', message.leaseUntil ?? -1, message.status, message.attempts, message.provider, message.providerMessageId,
    ];
    const ctes = [`changed AS (
      UPDATE messages SET status = ?, attempts = ?, provider = ?, provider_message_id = ?, error_code = ?, next_attempt_at = ?,
        lease_until = NULL, lease_owner = NULL, updated_at = ?
      WHERE id = ? AND COALESCE(lease_owner, '') = ? AND COALESCE(lease_until, -1) = ? AND status = ? AND attempts = ?
        AND provider IS NOT DISTINCT FROM ? AND provider_message_id IS NOT DISTINCT FROM ?
      RETURNING *)`];
    const counter = counterOfStatus(update.status);
    if (counter) {
      const stat = countMessage(after, counter, 'EXISTS (SELECT 1 FROM changed)');
      ctes.push(`message_count AS (${stat.sql})`);
      params.push(...stat.params);
    }
    return (await this.#changeInOneStatement(ctes, params, events(after))) !== undefined;
  }

  async releaseMessage(message: MessageRecord, now: number): Promise<boolean> {
    return (await this.#sql.run(
      `UPDATE messages SET status = 'queued', lease_until = NULL, lease_owner = NULL, updated_at = ?
       WHERE id = ? AND status = 'sending' AND COALESCE(lease_owner, '') = ? AND COALESCE(lease_until, -1) = ?`,
      [now, message.id, message.leaseOwner ?? '', message.leaseUntil ?? -1],
    )) > 0;
  }

  async applyDeliveryReceipt(messageId: string, update: ReceiptUpdate, now: number, events: EventsOf<MessageRecord> = noEvents): Promise<MessageRecord | null> {
    // One conditional UPDATE: a final state is never overwritten, so a late or replayed receipt
    // cannot undo a newer one; its events are written in the same transaction, only when it applied.
    return this.#withEvents(function* () {
      const row = yield* q.get(
        `UPDATE messages SET status = ?, error_code = COALESCE(?, error_code), provider_message_id = COALESCE(provider_message_id, ?), updated_at = ?
         WHERE id = ? AND status IN ('sending', 'sent') AND NOT (status = 'sent' AND ? = 'sent') RETURNING *`,
        [update.status, update.errorCode, update.providerMessageId ?? null, now, messageId, update.status],
      );
      if (!row) return [null, []];
      const message = toMessage(row);
      // A receipt saying "sent" adds nothing: the provider's own answer counts the send.
      const counter = update.status === 'sent' ? null : counterOfStatus(update.status);
      if (counter) {
        const stat = countMessage(message, counter);
        yield* q.run(stat.sql, stat.params);
      }
      return [message, events(message)];
    });
  }

  async addFallbackMessage(message: MessageRecord, now: number, events: EventRecord[]): Promise<boolean> {
    return this.#withEvents(function* () {
      // The verification's row first: on PostgreSQL its lock orders two fallbacks of one
      // verification, so the second sees the first's message below and adds none.
      const pending = yield* q.run(`UPDATE verifications SET updated_at = ? WHERE id = ? AND status = 'pending' AND expires_at > ?`, [now, message.verificationId, now]);
      if (pending === 0) return [false, []];
      // A channel is tried once per verification.
      if (yield* q.get('SELECT 1 AS tried FROM messages WHERE verification_id = ? AND channel = ? LIMIT 1', [message.verificationId, message.channel])) return [false, []];
      yield* insertMessage(message);
      return [true, events];
    });
  }

  async scheduleFallback(scope: Scope, verificationId: string, at: number): Promise<void> {
    await this.#sql.run(
      `UPDATE verifications SET fallback_at = ? WHERE id = ? AND service_id = ? AND mode = ? AND status = 'pending' AND (fallback_at IS NULL OR fallback_at > ?)`,
      [at, verificationId, scope.serviceId, scope.mode, at],
    );
  }

  async takeDueFallbacks(now: number, limit: number): Promise<VerificationRecord[]> {
    // Chosen and cleared in one statement (SKIP LOCKED on PostgreSQL), so each due fallback is
    // taken by one instance once; a verification no longer pending is skipped and keeps its mark
    // until retention removes it.
    const d = this.#sql.dialect;
    const rows = await this.#sql.all(
      `WITH due AS MATERIALIZED (
         SELECT id AS due_id FROM verifications WHERE fallback_at <= ? AND status = 'pending' ORDER BY fallback_at LIMIT ?${d.skipLocked})
       UPDATE verifications SET fallback_at = NULL FROM due WHERE verifications.id = due.due_id RETURNING *`,
      [now, limit],
    );
    return rows.map(toVerification);
  }

  async failVerificationIfUndeliverable(verificationId: string, now: number, events: EventsOf<VerificationRecord> = noEvents): Promise<boolean> {
    return this.#withEvents(function* () {
      const row = yield* q.get(
        `UPDATE verifications SET status = 'failed', updated_at = ? WHERE id = ? AND status = 'pending'
         AND NOT EXISTS (SELECT 1 FROM messages WHERE verification_id = ? AND status IN ('queued', 'sending', 'sent', 'delivered', 'suppressed'))
         RETURNING *`,
        [now, verificationId, verificationId],
      );
      return row ? [true, events(toVerification(row))] : [false, []];
    });
  }

  async nextDueAt(): Promise<number | null> {
    const row = await this.#sql.get("SELECT MIN(next_attempt_at) AS at FROM messages WHERE status IN ('queued', 'sending')");
    return (row?.at as number | null | undefined) ?? null;
  }

  // ── dev outbox ──────────────────────────────────────────────────────────────────────────
  async addDevOutboxEntry(entry: DevOutboxEntry): Promise<void> {
    await this.#sql.run(
      'INSERT INTO dev_outbox (id, service_id, mode, verification_id, message_id, channel, to_number, body_sealed, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [entry.id, entry.serviceId, entry.mode, entry.verificationId, entry.messageId, entry.channel, entry.to, this.#options.vault.seal(entry.id, entry.body), entry.createdAt],
    );
  }

  async listDevOutbox(scope: ReadScope, to: string | undefined, limit: number): Promise<DevOutboxEntry[]> {
    const conditions = Conditions.of(scope);
    if (to !== undefined) conditions.add('to_number = ?', to);
    const rows = await this.#sql.all(`SELECT * FROM dev_outbox ${conditions.where} ORDER BY id DESC LIMIT ?`, conditions.params(limit));
    return rows.map((row) => toDevOutboxEntry(row, this.#options.vault));
  }


  // ── idempotency ─────────────────────────────────────────────────────────────────────────
  async beginIdempotent(scope: string, key: string, requestHash: string, now: number, staleAfterMs: number): Promise<IdempotencyBegin> {
    // Race-free across instances without a transaction: the INSERT claims a new key atomically
    // (the primary key decides who was first), the UPDATE takes over a stale claim atomically
    // (the second taker re-reads the refreshed created_at and does nothing). A key released by
    // abandonIdempotent between our steps is simply claimed again on the next loop.
    for (let round = 0; round < 3; round++) {
      const inserted = await this.#sql.run(
        'INSERT INTO idempotency_keys (scope, key, request_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (scope, key) DO NOTHING',
        [scope, key, requestHash, now],
      );
      if (inserted > 0) return { state: 'new' };
      const takenOver = await this.#sql.run(
        `UPDATE idempotency_keys SET created_at = ? WHERE scope = ? AND key = ? AND request_hash = ? AND status_code IS NULL AND created_at <= ?`,
        [now, scope, key, requestHash, now - staleAfterMs],
      );
      if (takenOver > 0) return { state: 'new' };
      const row = await this.#sql.get('SELECT request_hash, status_code, body FROM idempotency_keys WHERE scope = ? AND key = ?', [scope, key]);
      if (!row) continue;
      if (row.request_hash !== requestHash) return { state: 'mismatch' };
      if (row.status_code !== null) return { state: 'done', statusCode: Number(row.status_code), body: row.body as string };
      return { state: 'in_flight' };
    }
    return { state: 'in_flight' };
  }

  async completeIdempotent(scope: string, key: string, statusCode: number, body: string, now: number): Promise<void> {
    await this.#sql.run('UPDATE idempotency_keys SET status_code = ?, body = ?, created_at = ? WHERE scope = ? AND key = ?', [statusCode, body, now, scope, key]);
  }

  async abandonIdempotent(scope: string, key: string): Promise<void> {
    await this.#sql.run('DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND status_code IS NULL', [scope, key]);
  }

  // ── prefix blocks (SMS-pumping guard) ───────────────────────────────────────────────────
  async savePrefixBlock(b: PrefixBlock): Promise<void> {
    await this.#sql.run(
      `INSERT INTO prefix_blocks (service_id, prefix, mode, reason, sends, approvals, baseline_per_window, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (service_id, prefix) DO UPDATE SET mode = excluded.mode, reason = excluded.reason, sends = excluded.sends,
         approvals = excluded.approvals, baseline_per_window = excluded.baseline_per_window, created_at = excluded.created_at,
         expires_at = excluded.expires_at`,
      [b.serviceId, b.prefix, b.mode, b.reason, b.sends, b.approvals, b.baselinePerWindow, b.createdAt, b.expiresAt],
    );
  }

  async findPrefixBlock(serviceId: string, prefix: string, now: number): Promise<PrefixBlock | null> {
    const row = await this.#sql.get('SELECT * FROM prefix_blocks WHERE service_id = ? AND prefix = ? AND expires_at > ?', [serviceId, prefix, now]);
    return row ? toPrefixBlock(row) : null;
  }

  async listPrefixBlocks(serviceId: string, now: number): Promise<PrefixBlock[]> {
    return (await this.#sql.all('SELECT * FROM prefix_blocks WHERE service_id = ? AND expires_at > ? ORDER BY created_at DESC', [serviceId, now])).map(toPrefixBlock);
  }

  async deletePrefixBlock(serviceId: string, prefix: string): Promise<boolean> {
    return (await this.#sql.run('DELETE FROM prefix_blocks WHERE service_id = ? AND prefix = ?', [serviceId, prefix])) > 0;
  }

  // ── retention ───────────────────────────────────────────────────────────────────────────
  async purgeBatch(before: number, batchSize: number): Promise<PurgeCounts> {
    // "Created before" is an id range: ids sort by creation time (see idBefore). SKIP LOCKED on
    // PostgreSQL: instances purging at the same time split the work instead of waiting.
    const d = this.#sql.dialect;
    const { verifications, messages } = await this.#sql.transaction(function* () {
      const ids = (yield* q.all(`SELECT id FROM verifications WHERE id < ? AND (status <> 'pending' OR expires_at <= ?)
        ORDER BY id LIMIT ?${d.skipLocked}`, [idBefore('ver', before), before, batchSize])).map((r) => r.id as string);
      if (ids.length === 0) return { verifications: 0, messages: 0 };
      const list = d.textArray(ids);
      const messages = yield* q.run(`DELETE FROM messages WHERE ${d.inTextArray('verification_id')}`, [list]);
      return { verifications: yield* q.run(`DELETE FROM verifications WHERE ${d.inTextArray('id')}`, [list]), messages };
    });
    // Each batch is chosen once (a MATERIALIZED CTE: see claimDueMessages) and then deleted.
    const del = (table: string, key: string, choose: string, params: unknown[]) =>
      this.#sql.run(`WITH doomed AS MATERIALIZED (SELECT ${key} FROM ${table} ${choose} LIMIT ?${d.skipLocked})
        DELETE FROM ${table} WHERE (${key}) IN (SELECT ${key} FROM doomed)`, [...params, batchSize]);
    const devOutbox = await del('dev_outbox', 'id', 'WHERE id < ? ORDER BY id', [idBefore('obx', before)]);
    const idempotencyKeys = await del('idempotency_keys', 'scope, key', 'WHERE created_at < ? ORDER BY created_at', [before]);
    // An event still being delivered stays until its deliveries are done.
    const events = await del('events', 'seq', `WHERE id < ? AND NOT EXISTS (SELECT 1 FROM webhook_deliveries w
      WHERE w.event_id = events.id AND w.status IN ('pending', 'delivering')) ORDER BY id`, [idBefore('evt', before)]);
    const prefixBlocks = await del('prefix_blocks', 'service_id, prefix', 'WHERE expires_at < ?', [before]);
    const attemptCounts = await del('attempt_counts', 'service_id, mode, hour, country, prefix', 'WHERE hour < ?', [Math.floor(before / HOUR_MS)]);
    const auditRecords = await del('audit_log', 'id', 'WHERE id < ? ORDER BY id', [idBefore('aud', before)]);
    return { verifications, messages, devOutbox, idempotencyKeys, events, prefixBlocks, auditRecords, attemptCounts };
  }

  // ── events and webhooks (events.sql-store.ts) ───────────────────────────────────────────
  appendEvents(events: EventRecord[]): Promise<void> {
    return this.#events.appendEvents(events);
  }
  takeQueuedDeliveries(): boolean {
    return this.#events.takeQueuedDeliveries();
  }
  getEvent(scope: Scope, id: string): Promise<EventRecord | null> {
    return this.#events.getEvent(scope, id);
  }
  listEvents(scope: Scope, options: EventListOptions): Promise<EventRecord[] | null> {
    return this.#events.listEvents(scope, options);
  }
  expireDueVerifications(now: number, limit: number, events: EventsOf<VerificationRecord>): Promise<VerificationRecord[]> {
    return this.#events.expireDueVerifications(now, limit, events);
  }
  createWebhookEndpoint(endpoint: WebhookEndpointRecord): Promise<void> {
    return this.#events.createWebhookEndpoint(endpoint);
  }
  getWebhookEndpoint(scope: Scope, id: string): Promise<WebhookEndpointRecord | null> {
    return this.#events.getWebhookEndpoint(scope, id);
  }
  listWebhookEndpoints(scope: Scope): Promise<WebhookEndpointRecord[]> {
    return this.#events.listWebhookEndpoints(scope);
  }
  updateWebhookEndpoint(scope: Scope, id: string, patch: WebhookEndpointPatch, now: number): Promise<WebhookEndpointRecord | null> {
    return this.#events.updateWebhookEndpoint(scope, id, patch, now);
  }
  rotateWebhookSecret(scope: Scope, id: string, secretSealed: Buffer, previousSealed: Buffer | null, previousExpiresAt: number | null, now: number): Promise<WebhookEndpointRecord | null> {
    return this.#events.rotateWebhookSecret(scope, id, secretSealed, previousSealed, previousExpiresAt, now);
  }
  deleteWebhookEndpoint(scope: Scope, id: string): Promise<boolean> {
    return this.#events.deleteWebhookEndpoint(scope, id);
  }
  claimDueDeliveries(now: number, limit: number, leaseMs: number, owner: string, share?: DeliveryShare): Promise<DeliveryJob[]> {
    return this.#events.claimDueDeliveries(now, limit, leaseMs, owner, share);
  }
  releaseDelivery(deliveryId: string, lease: DeliveryLease, now: number): Promise<boolean> {
    return this.#events.releaseDelivery(deliveryId, lease, now);
  }

  completeDeliveryAttempt(deliveryId: string, lease: DeliveryLease, outcome: DeliveryOutcome, now: number): Promise<boolean> {
    return this.#events.completeDeliveryAttempt(deliveryId, lease, outcome, now);
  }
  listWebhookAttempts(scope: Scope, endpointId: string, options: ListOptions): Promise<Page<WebhookAttemptRecord>> {
    return this.#events.listWebhookAttempts(scope, endpointId, options);
  }
  requeueDelivery(delivery: WebhookDeliveryRecord, now: number): Promise<boolean> {
    return this.#events.requeueDelivery(delivery, now);
  }
  findDelivery(eventId: string, endpointId: string): Promise<WebhookDeliveryRecord | null> {
    return this.#events.findDelivery(eventId, endpointId);
  }
  nextDeliveryDueAt(): Promise<number | null> {
    return this.#events.nextDeliveryDueAt();
  }

  // ── attempts log (attempts.sql-store.ts) ────────────────────────────────────────────────
  listAttempts(scope: ReadScope, filter: AttemptFilter, options: ListOptions): Promise<Page<AttemptRecord>> {
    return this.#attempts.listAttempts(scope, filter, options);
  }
  getAttempt(scope: ReadScope, messageId: string): Promise<AttemptRecord | null> {
    return this.#attempts.getAttempt(scope, messageId);
  }
  summarizeAttempts(...args: Parameters<Store['summarizeAttempts']>): ReturnType<Store['summarizeAttempts']> {
    return this.#attempts.summarizeAttempts(...args);
  }
  provenTraffic(serviceId: string, since: number): Promise<ProvenTraffic> {
    return this.#attempts.provenTraffic(serviceId, since);
  }

  // ── audit log (audit.sql-store.ts) ──────────────────────────────────────────────────────
  appendAudit(record: AuditRecord): Promise<void> {
    return this.#audit.appendAudit(record);
  }
  listAudit(filter: AuditFilter, options: ListOptions): Promise<Page<AuditRecord>> {
    return this.#audit.listAudit(filter, options);
  }

  // ── rate limits and buckets (rate-limits.sql-store.ts) ──────────────────────────────────
  createRateLimit(...args: Parameters<Store['createRateLimit']>): ReturnType<Store['createRateLimit']> {
    return this.#limits.createRateLimit(...args);
  }
  getRateLimit(...args: Parameters<Store['getRateLimit']>): ReturnType<Store['getRateLimit']> {
    return this.#limits.getRateLimit(...args);
  }
  listRateLimits(...args: Parameters<Store['listRateLimits']>): ReturnType<Store['listRateLimits']> {
    return this.#limits.listRateLimits(...args);
  }
  updateRateLimit(...args: Parameters<Store['updateRateLimit']>): ReturnType<Store['updateRateLimit']> {
    return this.#limits.updateRateLimit(...args);
  }
  deleteRateLimit(...args: Parameters<Store['deleteRateLimit']>): ReturnType<Store['deleteRateLimit']> {
    return this.#limits.deleteRateLimit(...args);
  }
  createBucket(...args: Parameters<Store['createBucket']>): ReturnType<Store['createBucket']> {
    return this.#limits.createBucket(...args);
  }
  getBucket(...args: Parameters<Store['getBucket']>): ReturnType<Store['getBucket']> {
    return this.#limits.getBucket(...args);
  }
  listBuckets(...args: Parameters<Store['listBuckets']>): ReturnType<Store['listBuckets']> {
    return this.#limits.listBuckets(...args);
  }
  updateBucket(...args: Parameters<Store['updateBucket']>): ReturnType<Store['updateBucket']> {
    return this.#limits.updateBucket(...args);
  }
  deleteBucket(...args: Parameters<Store['deleteBucket']>): ReturnType<Store['deleteBucket']> {
    return this.#limits.deleteBucket(...args);
  }
  findRateLimitsByName(...args: Parameters<Store['findRateLimitsByName']>): ReturnType<Store['findRateLimitsByName']> {
    return this.#limits.findRateLimitsByName(...args);
  }
  consumeBucket(...args: Parameters<Store['consumeBucket']>): ReturnType<Store['consumeBucket']> {
    return this.#limits.consumeBucket(...args);
  }

  // ── SMS delivery: receipts, per-service settings, templates (sms.sql-store.ts) ───────────
  getMessage(id: string): Promise<MessageRecord | null> {
    return this.#sms.getMessage(id);
  }
  findMessageByProviderId(provider: string, providerMessageId: string): Promise<MessageRecord | null> {
    return this.#sms.findMessageByProviderId(provider, providerMessageId);
  }
  getSmsConfig(serviceId: string): Promise<Buffer | null> {
    return this.#sms.getSmsConfig(serviceId);
  }
  putSmsConfig(serviceId: string, sealed: Buffer, now: number): Promise<void> {
    return this.#sms.putSmsConfig(serviceId, sealed, now);
  }
  deleteSmsConfig(serviceId: string): Promise<boolean> {
    return this.#sms.deleteSmsConfig(serviceId);
  }
  putTemplate(serviceId: string, locale: string, text: string, now: number): Promise<void> {
    return this.#sms.putTemplate(serviceId, locale, text, now);
  }
  getTemplate(serviceId: string, locale: string): Promise<string | null> {
    return this.#sms.getTemplate(serviceId, locale);
  }
  listTemplates(serviceId: string): Promise<Record<string, string>> {
    return this.#sms.listTemplates(serviceId);
  }
  deleteTemplate(serviceId: string, locale: string): Promise<boolean> {
    return this.#sms.deleteTemplate(serviceId, locale);
  }
}
