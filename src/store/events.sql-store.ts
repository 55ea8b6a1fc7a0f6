import type { EventRecord, EventsOf } from '../core/events.js';
import type {
  DeliveryJob,
  DeliveryOutcome,
  DeliveryShare,
  EventListOptions,
  EventStore,
  WebhookAttemptRecord,
  WebhookDeliveryRecord,
  WebhookEndpointPatch,
  WebhookEndpointRecord,
  WebhookStore,
  DeliveryLease,
} from '../core/events.ports.js';
import { newId } from '../core/ids.js';
import type { Page, Scope, VerificationRecord } from '../core/model.js';
import type { ListOptions } from '../core/ports.js';
import { cryptoRandom, systemClock } from '../core/random.js';
import { Conditions } from './conditions.js';
import { decodeCursor } from './cursor.js';
import { leaseOwnerGone } from './instances.sql-store.js';
import { toAttempt, toDelivery, toEndpoint, toEvent } from './event-rows.js';
import { page, toVerification } from './rows.js';
import { q } from './sql/driver.js';
import type { Dialect, SqlDriver, Work } from './sql/driver.js';

/**
 * Writes events and one delivery row per matching enabled endpoint of the event's service and
 * mode, as part of the caller's unit of work: the fan-out commits with the event and with the
 * state change that made it, so no event is ever committed without its deliveries. Answers how
 * many deliveries it queued. PostgreSQL: one statement (see `eventsCte`); SQLite: a few small ones.
 */
export function* insertEvents(dialect: Dialect, events: readonly EventRecord[]): Work<number> {
  if (events.length === 0) return 0;
  if (dialect.name === 'postgres') {
    const cte = eventsCte(events);
    const row = yield* q.get(`WITH ${cte.sql} SELECT count(*)::int AS deliveries FROM deliveries`, cte.params);
    return Number(row?.deliveries ?? 0);
  }
  let deliveries = 0;
  for (const event of events) {
    yield* q.run('INSERT INTO events (id, service_id, mode, type, data, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      event.id, event.serviceId, event.mode, event.type, JSON.stringify(event.data), event.createdAt,
    ]);
    // Endpoints of the event's own mode only: a test key's endpoint never hears of live data (T1).
    const endpoints = (yield* q.all('SELECT id, event_types FROM webhook_endpoints WHERE service_id = ? AND mode = ? AND enabled', [event.serviceId, event.mode]))
      .filter((row) => {
        const types = JSON.parse(row.event_types as string) as string[];
        return types.length === 0 || types.includes(event.type);
      });
    for (const endpoint of endpoints) {
      yield* q.run(`INSERT INTO webhook_deliveries (id, event_id, endpoint_id, service_id, status, attempts, next_attempt_at, created_at, updated_at)
        VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`, [
        // A row id only (never ordered on), so the real clock is fine even under a test's fake one.
        newId('whd', systemClock, cryptoRandom), event.id, endpoint.id, event.serviceId, event.createdAt, event.createdAt, event.createdAt,
      ]);
      deliveries++;
    }
  }
  return deliveries;
}

/**
 * PostgreSQL: events and their fan-out as data-modifying CTEs (`events`, `deliveries`), so that
 * writing them is one statement instead of an insert and an endpoint query per event; a caller
 * can put its own CTEs in front and run a whole state change as one statement. A delivery's id
 * is derived from its event (time part) and endpoint, so no id is drawn before the matching
 * endpoints are known. `when` (SQL) writes them only if it holds, e.g. only if a CTE in front changed a row.
 */
export function eventsCte(events: readonly EventRecord[], when?: string): { sql: string; params: unknown[] } {
  return {
    sql: `events AS (
        INSERT INTO events (id, service_id, mode, type, data, created_at)
        SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::jsonb[], ?::bigint[])${when ? ` WHERE ${when}` : ''}
        RETURNING id, service_id, mode, type, created_at
      ), deliveries AS (
        INSERT INTO webhook_deliveries (id, event_id, endpoint_id, service_id, status, attempts, next_attempt_at, created_at, updated_at)
        SELECT 'whd_' || substr(e.id, 5, 10) || left(md5(e.id || w.id), 16), e.id, w.id, e.service_id, 'pending', 0, e.created_at, e.created_at, e.created_at
          -- Endpoints of the event's own mode only: a test key's endpoint never hears of live data (T1).
          FROM events e JOIN webhook_endpoints w ON w.service_id = e.service_id AND w.mode = e.mode AND w.enabled
         WHERE jsonb_array_length(w.event_types) = 0 OR w.event_types @> jsonb_build_array(e.type)
        RETURNING 1
      )`,
    params: [
      events.map((e) => e.id),
      events.map((e) => e.serviceId),
      events.map((e) => e.mode),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => e.createdAt),
    ],
  };
}

/**
 * Events, webhook endpoints and deliveries on either database. How a catch-up (`?after=`) is
 * ordered so that a later commit never sorts before what a consumer already read:
 * - SQLite: by seq, drawn under the single write lock, so it follows commit order.
 * - PostgreSQL: sequence numbers are drawn in parallel and can commit out of order, so events
 *   are ordered by the id of the transaction that wrote them (`tx`, then seq) and only events of
 *   transactions older than every transaction still running are listed (`pg_snapshot_xmin`):
 *   those are final, and nothing can ever commit before them. An event is listed once every
 *   transaction that started before it has finished.
 */
export class SqlEvents implements EventStore, WebhookStore {
  readonly #sql: SqlDriver;
  #deliveriesQueued = false;

  constructor(driver: SqlDriver) {
    this.#sql = driver;
  }

  /** Records that a write queued deliveries (see takeQueuedDeliveries). */
  note(deliveries: number): void {
    if (deliveries > 0) this.#deliveriesQueued = true;
  }

  takeQueuedDeliveries(): boolean {
    const queued = this.#deliveriesQueued;
    this.#deliveriesQueued = false;
    return queued;
  }

  async appendEvents(events: EventRecord[]): Promise<void> {
    const dialect = this.#sql.dialect;
    this.note(await this.#sql.transaction(() => insertEvents(dialect, events)));
  }

  async expireDueVerifications(now: number, limit: number, events: EventsOf<VerificationRecord>): Promise<VerificationRecord[]> {
    // Rows chosen and changed in one statement under the write lock (SQLite) or with SKIP LOCKED
    // (PostgreSQL), so instances sweeping at once take disjoint rows; `status = 'pending'` is
    // re-checked on the row itself, so each verification expires (and gets its event) once.
    const d = this.#sql.dialect;
    const [expired, deliveries] = await this.#sql.transaction(function* () {
      const rows = yield* q.all(`WITH due AS MATERIALIZED (
          SELECT id AS due_id FROM verifications WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT ?${d.skipLocked})
        UPDATE verifications SET status = 'expired', updated_at = ? FROM due WHERE verifications.id = due.due_id AND verifications.status = 'pending'
        RETURNING *`, [now, limit, now]);
      const list = rows.map(toVerification).sort((a, b) => a.expiresAt - b.expiresAt);
      if (list.length === 0) return [list, 0] as const;
      yield* q.run(`UPDATE messages SET status = 'expired', updated_at = ? WHERE ${d.inTextArray('verification_id')} AND status = 'queued'`, [
        now, d.textArray(list.map((v) => v.id)),
      ]);
      return [list, yield* insertEvents(d, list.flatMap(events))] as const;
    });
    this.note(deliveries);
    return expired;
  }

  async updateWebhookEndpoint(scope: Scope, id: string, patch: WebhookEndpointPatch, now: number): Promise<WebhookEndpointRecord | null> {
    const d = this.#sql.dialect;
    return this.#sql.transaction(function* () {
      const row = yield* q.get(`SELECT * FROM webhook_endpoints WHERE id = ? AND service_id = ? AND mode = ?${d.forUpdate}`, [id, scope.serviceId, scope.mode]);
      if (!row) return null;
      const current = toEndpoint(row);
      const enabled = patch.enabled ?? current.enabled;
      const updated = yield* q.get(`UPDATE webhook_endpoints SET url = ?, description = ?, event_types = ?, enabled = ?, disabled_reason = ?, updated_at = ?
        WHERE id = ? RETURNING *`, [
        patch.url ?? current.url,
        patch.description === undefined ? current.description : patch.description,
        JSON.stringify(patch.eventTypes ?? current.eventTypes),
        enabled,
        enabled ? null : current.disabledReason,
        now,
        id,
      ]);
      if (!enabled) yield* failPending(id, 'endpoint_disabled', now);
      return toEndpoint(updated!);
    });
  }

  async releaseDelivery(deliveryId: string, lease: DeliveryLease, now: number): Promise<boolean> {
    return (await this.#sql.run(
      `UPDATE webhook_deliveries SET status = 'pending', lease_until = NULL, lease_owner = NULL, updated_at = ?
       WHERE id = ? AND status = 'delivering' AND lease_owner = ? AND lease_until = ?`,
      [now, deliveryId, lease.owner, lease.until],
    )) > 0;
  }

  async completeDeliveryAttempt(deliveryId: string, lease: DeliveryLease, outcome: DeliveryOutcome, now: number): Promise<boolean> {
    return this.#sql.transaction(function* () {
      const a = outcome.attempt;
      const applied = (yield* q.run(`UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = COALESCE(?, next_attempt_at),
        last_status_code = ?, last_error = ?, lease_until = NULL, lease_owner = NULL, updated_at = ?
        WHERE id = ? AND status = 'delivering' AND lease_owner = ? AND lease_until = ?`,
        [outcome.status, outcome.nextAttemptAt ?? null, a.statusCode, a.error, now, deliveryId, lease.owner, lease.until])) > 0;
      // The attempt happened either way: log it, even when the lease was lost meanwhile.
      yield* q.run(`INSERT INTO webhook_attempts (id, delivery_id, endpoint_id, event_id, event_type, attempt, status_code, latency_ms, error, created_at)
        SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = ?)`, [
        a.id, a.deliveryId, a.endpointId, a.eventId, a.eventType, a.attempt, a.statusCode, a.latencyMs, a.error, a.createdAt, deliveryId,
      ]);
      if (applied && outcome.disableEndpoint !== undefined) {
        yield* q.run('UPDATE webhook_endpoints SET enabled = ?, disabled_reason = ?, updated_at = ? WHERE id = ?', [false, outcome.disableEndpoint, now, a.endpointId]);
        yield* failPending(a.endpointId, 'endpoint_disabled', now);
      }
      return applied;
    });
  }

  async getEvent(scope: Scope, id: string): Promise<EventRecord | null> {
    const row = await this.#sql.get('SELECT * FROM events WHERE id = ? AND service_id = ? AND mode = ?', [id, scope.serviceId, scope.mode]);
    return row ? toEvent(row) : null;
  }

  async listEvents(scope: Scope, options: EventListOptions): Promise<EventRecord[] | null> {
    const conditions = Conditions.of(scope);
    const byTransaction = options.after !== undefined && this.#sql.dialect.name === 'postgres';
    const anchorId = options.after ?? options.before ?? null;
    if (anchorId !== null) {
      const columns = byTransaction ? 'seq, tx::text AS tx' : 'seq';
      const anchor = await this.#sql.get(`SELECT ${columns} FROM events WHERE id = ? AND service_id = ? AND mode = ?`, [anchorId, scope.serviceId, scope.mode]);
      if (!anchor) return null;
      if (byTransaction) conditions.add('(tx, seq) > (?::xid8, ?)', anchor.tx, anchor.seq).add('tx < pg_snapshot_xmin(pg_current_snapshot())');
      else conditions.add(options.after ? 'seq > ?' : 'seq < ?', anchor.seq);
    }
    if (options.type !== undefined) conditions.add('type = ?', options.type);
    const order = byTransaction ? 'tx ASC, seq ASC' : options.after ? 'seq ASC' : 'seq DESC';
    return (await this.#sql.all(`SELECT * FROM events ${conditions.where} ORDER BY ${order} LIMIT ?`, conditions.params(options.limit))).map(toEvent);
  }

  async createWebhookEndpoint(e: WebhookEndpointRecord): Promise<void> {
    // JSON as text reads right in both dialects (jsonb parses it); the driver binds the flag.
    await this.#sql.run(
      `INSERT INTO webhook_endpoints (id, service_id, mode, url, description, event_types, enabled, disabled_reason, secret_sealed,
         previous_secret_sealed, previous_secret_expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [e.id, e.serviceId, e.mode, e.url, e.description, JSON.stringify(e.eventTypes), e.enabled, e.disabledReason, e.secretSealed,
        e.previousSecretSealed, e.previousSecretExpiresAt, e.createdAt, e.updatedAt],
    );
  }

  async getWebhookEndpoint(scope: Scope, id: string): Promise<WebhookEndpointRecord | null> {
    const row = await this.#sql.get('SELECT * FROM webhook_endpoints WHERE id = ? AND service_id = ? AND mode = ?', [id, scope.serviceId, scope.mode]);
    return row ? toEndpoint(row) : null;
  }

  async listWebhookEndpoints(scope: Scope): Promise<WebhookEndpointRecord[]> {
    return (await this.#sql.all('SELECT * FROM webhook_endpoints WHERE service_id = ? AND mode = ? ORDER BY id', [scope.serviceId, scope.mode])).map(toEndpoint);
  }

  async rotateWebhookSecret(
    scope: Scope,
    id: string,
    secretSealed: Buffer,
    previousSealed: Buffer | null,
    previousExpiresAt: number | null,
    now: number,
  ): Promise<WebhookEndpointRecord | null> {
    const changed = await this.#sql.run(
      `UPDATE webhook_endpoints SET secret_sealed = ?, previous_secret_sealed = ?, previous_secret_expires_at = ?, updated_at = ?
       WHERE id = ? AND service_id = ? AND mode = ?`,
      [secretSealed, previousSealed, previousExpiresAt, now, id, scope.serviceId, scope.mode],
    );
    return changed === 0 ? null : this.getWebhookEndpoint(scope, id);
  }

  async deleteWebhookEndpoint(scope: Scope, id: string): Promise<boolean> {
    return (await this.#sql.run('DELETE FROM webhook_endpoints WHERE id = ? AND service_id = ? AND mode = ?', [id, scope.serviceId, scope.mode])) > 0;
  }

  async listWebhookAttempts(scope: Scope, endpointId: string, options: ListOptions): Promise<Page<WebhookAttemptRecord>> {
    const before = decodeCursor(options.cursor);
    // The endpoint is part of the query, so a log is only ever read through its own scope.
    const where = 'a.endpoint_id = ? AND a.endpoint_id IN (SELECT id FROM webhook_endpoints WHERE id = ? AND service_id = ? AND mode = ?)';
    const params = [endpointId, endpointId, scope.serviceId, scope.mode];
    const rows =
      before === null
        ? await this.#sql.all(`SELECT a.* FROM webhook_attempts a WHERE ${where} ORDER BY a.id DESC LIMIT ?`, [...params, options.limit + 1])
        : await this.#sql.all(`SELECT a.* FROM webhook_attempts a WHERE ${where} AND a.id < ? ORDER BY a.id DESC LIMIT ?`, [...params, before, options.limit + 1]);
    return page(rows.map(toAttempt), options.limit);
  }

  async findDelivery(eventId: string, endpointId: string): Promise<WebhookDeliveryRecord | null> {
    const row = await this.#sql.get('SELECT * FROM webhook_deliveries WHERE event_id = ? AND endpoint_id = ?', [eventId, endpointId]);
    return row ? toDelivery(row) : null;
  }

  async requeueDelivery(d: WebhookDeliveryRecord, now: number): Promise<boolean> {
    // attempts restart at 0 so the retry schedule applies afresh; the row (and so webhook-id) stays.
    const changed = await this.#sql.run(
      `INSERT INTO webhook_deliveries (id, event_id, endpoint_id, service_id, status, attempts, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)
       ON CONFLICT (event_id, endpoint_id) DO UPDATE SET status = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at,
         lease_until = NULL, lease_owner = NULL, updated_at = excluded.updated_at
       WHERE webhook_deliveries.status <> 'delivering'`,
      [d.id, d.eventId, d.endpointId, d.serviceId, now, now, now],
    );
    return changed > 0;
  }

  async claimDueDeliveries(now: number, limit: number, leaseMs: number, owner: string, share?: DeliveryShare): Promise<DeliveryJob[]> {
    if (limit <= 0) return [];
    const d = this.#sql.dialect;
    const room = (serviceId: string) => (share ? share.cap - (share.inFlight.get(serviceId) ?? 0) : Infinity);
    const full = share ? [...share.inFlight.keys()].filter((serviceId) => room(serviceId) <= 0) : [];
    // One unit of work: candidates chosen and leased under SQLite's write lock, or with SKIP
    // LOCKED on PostgreSQL, so two instances claiming at once take disjoint deliveries.
    return this.#sql.transaction(function* () {
      // Candidates oldest due first, skipping services that have no room; a few more than
      // needed, so a service that fills its room leaves others to take the rest of the slots.
      const candidates = yield* q.all(
        `SELECT id, service_id FROM webhook_deliveries
         WHERE status IN ('pending', 'delivering') AND next_attempt_at <= ?
           AND (status = 'pending' OR lease_until <= ? OR (lease_owner <> ? AND ${leaseOwnerGone(d, 'lease_owner')}))
         ${full.length > 0 ? `AND service_id NOT IN (${marks(full.length)})` : ''}
         ORDER BY next_attempt_at LIMIT ?${d.skipLocked}`,
        // Without a per-service share every candidate is taken, so no more are locked than taken:
        // an over-fetch would hold rows another instance could claim meanwhile (SKIP LOCKED).
        [now, now, owner, ...full, share ? limit * 4 : limit],
      );
      const taken = new Map<string, number>();
      const chosen: string[] = [];
      for (const row of candidates) {
        const serviceId = row.service_id as string;
        if ((taken.get(serviceId) ?? 0) >= room(serviceId)) continue;
        taken.set(serviceId, (taken.get(serviceId) ?? 0) + 1);
        chosen.push(row.id as string);
        if (chosen.length === limit) break;
      }
      if (chosen.length === 0) return [];
      const leased = (yield* q.all(
        `UPDATE webhook_deliveries SET status = 'delivering', lease_until = ?, lease_owner = ?, updated_at = ?
         WHERE id IN (${marks(chosen.length)}) RETURNING *`,
        [now + leaseMs, owner, now, ...chosen],
      )).map(toDelivery).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
      const eventIds = [...new Set(leased.map((x) => x.eventId))];
      const endpointIds = [...new Set(leased.map((x) => x.endpointId))];
      const events = new Map((yield* q.all(`SELECT * FROM events WHERE id IN (${marks(eventIds.length)})`, eventIds)).map((r) => [r.id as string, toEvent(r)]));
      const endpoints = new Map((yield* q.all(`SELECT * FROM webhook_endpoints WHERE id IN (${marks(endpointIds.length)})`, endpointIds)).map((r) => [r.id as string, toEndpoint(r)]));
      return leased.flatMap((delivery) => {
        const event = events.get(delivery.eventId);
        const endpoint = endpoints.get(delivery.endpointId);
        return event && endpoint ? [{ delivery, event, endpoint }] : [];
      });
    });
  }

  async nextDeliveryDueAt(): Promise<number | null> {
    const row = await this.#sql.get("SELECT MIN(next_attempt_at) AS at FROM webhook_deliveries WHERE status IN ('pending', 'delivering')", []);
    return (row?.at as number | null | undefined) ?? null;
  }
}

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

function* failPending(endpointId: string, reason: string, now: number): Work<number> {
  return yield* q.run(`UPDATE webhook_deliveries SET status = 'failed', last_error = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?
    WHERE endpoint_id = ? AND status = 'pending'`, [reason, now, endpointId]);
}
