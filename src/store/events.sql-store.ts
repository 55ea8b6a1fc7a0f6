import type { EventRecord } from '../core/events.js';
import type {
  DeliveryJob,
  DeliveryShare,
  EventListOptions,
  EventStore,
  WebhookAttemptRecord,
  WebhookDeliveryRecord,
  WebhookEndpointRecord,
  WebhookStore,
} from '../core/events.ports.js';
import type { Page, Scope } from '../core/model.js';
import type { ListOptions } from '../core/ports.js';
import { decodeCursor } from './cursor.js';
import { toAttempt, toDelivery, toEndpoint, toEvent } from './event-rows.js';
import { page } from './rows.js';
import { sharedMethods } from './sql-executor.js';
import type { SqlExecutor } from './sql-executor.js';

/**
 * The event and webhook statements whose SQL is the same in both dialects. What must share a
 * transaction with a state change (writing events, claiming and completing deliveries, the
 * expiry sweep) stays in each store's event base class, on its own transaction API.
 */
export type EventQueries = Pick<
  EventStore & WebhookStore,
  | 'getEvent'
  | 'listEvents'
  | 'createWebhookEndpoint'
  | 'getWebhookEndpoint'
  | 'listWebhookEndpoints'
  | 'rotateWebhookSecret'
  | 'deleteWebhookEndpoint'
  | 'listWebhookAttempts'
  | 'findDelivery'
  | 'requeueDelivery'
  | 'nextDeliveryDueAt'
  | 'claimDueDeliveries'
>;

/**
 * How a catch-up (`?after=`) is ordered so that a later commit never sorts before what a
 * consumer already read:
 * - `seq`: SQLite. seq is drawn under the single write lock, so it follows commit order.
 * - `transaction`: PostgreSQL. Sequence numbers are drawn in parallel and can commit out of
 *   order, so events are ordered by the id of the transaction that wrote them (`tx`, then seq)
 *   and only events of transactions older than every transaction still running are listed
 *   (`pg_snapshot_xmin`): those are final, and nothing can ever commit before them. An event
 *   is listed once every transaction that started before it has finished.
 */
export type CatchUpOrder = 'seq' | 'transaction';

class SqlEventQueries implements EventQueries {
  readonly #sql: SqlExecutor;
  readonly #catchUp: CatchUpOrder;

  constructor(executor: SqlExecutor, catchUp: CatchUpOrder) {
    this.#sql = executor;
    this.#catchUp = catchUp;
  }

  async getEvent(scope: Scope, id: string): Promise<EventRecord | null> {
    const row = await this.#sql.get('SELECT * FROM events WHERE id = ? AND service_id = ? AND mode = ?', [id, scope.serviceId, scope.mode]);
    return row ? toEvent(row) : null;
  }

  async listEvents(scope: Scope, options: EventListOptions): Promise<EventRecord[] | null> {
    const where = ['service_id = ?', 'mode = ?'];
    const params: unknown[] = [scope.serviceId, scope.mode];
    const byTransaction = options.after !== undefined && this.#catchUp === 'transaction';
    const anchorId = options.after ?? options.before ?? null;
    if (anchorId !== null) {
      const columns = byTransaction ? 'seq, tx::text AS tx' : 'seq';
      const anchor = await this.#sql.get(`SELECT ${columns} FROM events WHERE id = ? AND service_id = ? AND mode = ?`, [anchorId, scope.serviceId, scope.mode]);
      if (!anchor) return null;
      if (byTransaction) {
        where.push('(tx, seq) > (?::xid8, ?)', 'tx < pg_snapshot_xmin(pg_current_snapshot())');
        params.push(anchor.tx, anchor.seq);
      } else {
        where.push(options.after ? 'seq > ?' : 'seq < ?');
        params.push(anchor.seq);
      }
    }
    if (options.type !== undefined) {
      where.push('type = ?');
      params.push(options.type);
    }
    params.push(options.limit);
    const order = byTransaction ? 'tx ASC, seq ASC' : options.after ? 'seq ASC' : 'seq DESC';
    return (await this.#sql.all(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`, params)).map(toEvent);
  }

  async createWebhookEndpoint(e: WebhookEndpointRecord): Promise<void> {
    // JSON as text and the flag as '1'/'0' read right in both dialects (jsonb and boolean parse them).
    await this.#sql.run(
      `INSERT INTO webhook_endpoints (id, service_id, mode, url, description, event_types, enabled, disabled_reason, secret_sealed,
         previous_secret_sealed, previous_secret_expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [e.id, e.serviceId, e.mode, e.url, e.description, JSON.stringify(e.eventTypes), e.enabled ? '1' : '0', e.disabledReason, e.secretSealed,
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
    const room = (serviceId: string) => (share ? share.cap - (share.inFlight.get(serviceId) ?? 0) : Infinity);
    const full = share ? [...share.inFlight.keys()].filter((serviceId) => room(serviceId) <= 0) : [];
    // Candidates oldest due first, skipping services that have no room; a few more than needed,
    // so a service that fills its room leaves others to take the rest of the slots.
    const candidates = await this.#sql.all(
      `SELECT id, service_id FROM webhook_deliveries
       WHERE status IN ('pending', 'delivering') AND next_attempt_at <= ? AND (status = 'pending' OR lease_until <= ?)
       ${full.length > 0 ? `AND service_id NOT IN (${full.map(() => '?').join(', ')})` : ''}
       ORDER BY next_attempt_at LIMIT ?`,
      [now, now, ...full, limit * 4],
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
    // The lease is one conditional UPDATE that re-checks each row: of two instances that chose the
    // same candidate, only one leases it (SQLite's write lock; PostgreSQL re-evaluates the WHERE
    // clause on the locked row), and the other simply gets fewer jobs this time.
    const leased = (await this.#sql.all(
      `UPDATE webhook_deliveries SET status = 'delivering', lease_until = ?, lease_owner = ?, updated_at = ?
       WHERE id IN (${chosen.map(() => '?').join(', ')}) AND status IN ('pending', 'delivering') AND next_attempt_at <= ?
         AND (status = 'pending' OR lease_until <= ?)
       RETURNING *`,
      [now + leaseMs, owner, now, ...chosen, now, now],
    )).map(toDelivery).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
    if (leased.length === 0) return [];
    const list = (ids: string[]) => ids.map(() => '?').join(', ');
    const eventIds = [...new Set(leased.map((d) => d.eventId))];
    const endpointIds = [...new Set(leased.map((d) => d.endpointId))];
    const events = new Map((await this.#sql.all(`SELECT * FROM events WHERE id IN (${list(eventIds)})`, eventIds)).map((r) => [r.id as string, toEvent(r)]));
    const endpoints = new Map((await this.#sql.all(`SELECT * FROM webhook_endpoints WHERE id IN (${list(endpointIds)})`, endpointIds)).map((r) => [r.id as string, toEndpoint(r)]));
    return leased.flatMap((delivery) => {
      const event = events.get(delivery.eventId);
      const endpoint = endpoints.get(delivery.endpointId);
      return event && endpoint ? [{ delivery, event, endpoint }] : [];
    });
  }

  async nextDeliveryDueAt(): Promise<number | null> {
    const row = await this.#sql.get("SELECT MIN(next_attempt_at) AS at FROM webhook_deliveries WHERE status IN ('pending', 'delivering')", []);
    return (row?.at as number | null | undefined) ?? null;
  }
}

/** The shared statements as bound functions, for a store to copy onto itself (`Object.assign`). */
export function sqlEventQueries(executor: SqlExecutor, catchUp: CatchUpOrder): EventQueries {
  return sharedMethods(new SqlEventQueries(executor, catchUp), [
    'getEvent', 'listEvents', 'createWebhookEndpoint', 'getWebhookEndpoint', 'listWebhookEndpoints', 'rotateWebhookSecret',
    'deleteWebhookEndpoint', 'listWebhookAttempts', 'findDelivery', 'requeueDelivery', 'nextDeliveryDueAt', 'claimDueDeliveries',
  ]);
}
