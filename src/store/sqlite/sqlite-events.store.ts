import type { Database as SqliteDb, Statement } from 'better-sqlite3';
import type { EventRecord, EventsOf } from '../../core/events.js';
import type {
  DeliveryJob,
  EventStore,
  DeliveryOutcome,
  EventListOptions,
  WebhookAttemptRecord,
  WebhookDeliveryRecord,
  WebhookEndpointPatch,
  WebhookEndpointRecord,
  WebhookStore,
} from '../../core/events.ports.js';
import { newId } from '../../core/ids.js';
import type { Page, VerificationRecord } from '../../core/model.js';
import type { ListOptions } from '../../core/ports.js';
import { cryptoRandom, systemClock } from '../../core/random.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { toAttempt, toDelivery, toEndpoint, toEvent } from '../event-rows.js';
import { toVerification } from '../rows.js';
import type { Row } from '../rows.js';

/**
 * The event and webhook tables of the embedded store: the base of SqliteStore, which owns the
 * connection and calls `insertEvents` inside the transaction of each state change that has
 * events (so they commit together).
 */
export abstract class SqliteEventStore implements EventStore, WebhookStore {
  readonly #db: SqliteDb;
  readonly #statements = new Map<string, Statement>();

  protected constructor(db: SqliteDb) {
    this.#db = db;
  }

  #stmt(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Writes events and one delivery row per matching enabled endpoint. Call inside a
   * transaction: the fan-out is part of the same commit as the event, so no event can be
   * committed without its deliveries (a crash in between is impossible, not just unlikely).
   */
  protected insertEvents(events: EventRecord[]): void {
    for (const event of events) {
      this.#stmt('INSERT INTO events (id, service_id, type, data, created_at) VALUES (?, ?, ?, ?, ?)').run(
        event.id, event.serviceId, event.type, JSON.stringify(event.data), event.createdAt,
      );
      const endpoints = (this.#stmt('SELECT id, event_types FROM webhook_endpoints WHERE service_id = ? AND enabled = 1').all(event.serviceId) as Row[])
        .filter((row) => {
          const types = JSON.parse(row.event_types as string) as string[];
          return types.length === 0 || types.includes(event.type);
        });
      for (const endpoint of endpoints) {
        this.#stmt(`INSERT INTO webhook_deliveries (id, event_id, endpoint_id, service_id, status, attempts, next_attempt_at, created_at, updated_at)
          VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`).run(
          // A row id only (never ordered on), so the real clock is fine even under a test's fake one.
          newId('whd', systemClock, cryptoRandom), event.id, endpoint.id, event.serviceId, event.createdAt, event.createdAt, event.createdAt);
      }
    }
  }

  async appendEvents(events: EventRecord[]): Promise<void> {
    this.#db.transaction(() => this.insertEvents(events)).immediate();
  }

  async getEvent(serviceId: string, id: string): Promise<EventRecord | null> {
    const row = this.#stmt('SELECT * FROM events WHERE id = ? AND service_id = ?').get(id, serviceId) as Row | undefined;
    return row ? toEvent(row) : null;
  }

  async listEvents(serviceId: string, options: EventListOptions): Promise<EventRecord[] | null> {
    const where = ['service_id = ?'];
    const params: unknown[] = [serviceId];
    const anchorId = options.after ?? options.before ?? null;
    if (anchorId !== null) {
      const anchor = this.#stmt('SELECT seq FROM events WHERE id = ? AND service_id = ?').get(anchorId, serviceId) as Row | undefined;
      if (!anchor) return null;
      where.push(options.after ? 'seq > ?' : 'seq < ?');
      params.push(anchor.seq);
    }
    if (options.type !== undefined) {
      where.push('type = ?');
      params.push(options.type);
    }
    params.push(options.limit);
    const order = options.after ? 'ASC' : 'DESC';
    return (this.#stmt(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY seq ${order} LIMIT ?`).all(...params) as Row[]).map(toEvent);
  }

  async expireDueVerifications(now: number, limit: number, events: EventsOf<VerificationRecord>): Promise<VerificationRecord[]> {
    // IMMEDIATE: the write lock is taken before the rows are chosen, so two instances sweeping
    // the same file pick disjoint rows; `status = 'pending'` makes each expiry happen once.
    return this.#db.transaction(() => {
      const rows = this.#stmt(`UPDATE verifications SET status = 'expired', updated_at = ?
        WHERE id IN (SELECT id FROM verifications WHERE status = 'pending' AND expires_at <= ? ORDER BY expires_at LIMIT ?)
        RETURNING *`).all(now, now, limit) as Row[];
      const expired = rows.map(toVerification);
      for (const v of expired) {
        this.#stmt("UPDATE messages SET status = 'expired', updated_at = ? WHERE verification_id = ? AND status = 'queued'").run(now, v.id);
        this.insertEvents(events(v));
      }
      return expired;
    }).immediate();
  }

  // ── endpoints ───────────────────────────────────────────────────────────────────────────
  async createWebhookEndpoint(e: WebhookEndpointRecord): Promise<void> {
    this.#stmt(`INSERT INTO webhook_endpoints (id, service_id, url, description, event_types, enabled, disabled_reason, secret_sealed,
      previous_secret_sealed, previous_secret_expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      e.id, e.serviceId, e.url, e.description, JSON.stringify(e.eventTypes), e.enabled ? 1 : 0, e.disabledReason, e.secretSealed,
      e.previousSecretSealed, e.previousSecretExpiresAt, e.createdAt, e.updatedAt,
    );
  }

  async getWebhookEndpoint(serviceId: string, id: string): Promise<WebhookEndpointRecord | null> {
    return this.#endpoint(serviceId, id);
  }

  #endpoint(serviceId: string, id: string): WebhookEndpointRecord | null {
    const row = this.#stmt('SELECT * FROM webhook_endpoints WHERE id = ? AND service_id = ?').get(id, serviceId) as Row | undefined;
    return row ? toEndpoint(row) : null;
  }

  async listWebhookEndpoints(serviceId: string): Promise<WebhookEndpointRecord[]> {
    return (this.#stmt('SELECT * FROM webhook_endpoints WHERE service_id = ? ORDER BY id').all(serviceId) as Row[]).map(toEndpoint);
  }

  async updateWebhookEndpoint(serviceId: string, id: string, patch: WebhookEndpointPatch, now: number): Promise<WebhookEndpointRecord | null> {
    return this.#db.transaction(() => {
      const current = this.#endpoint(serviceId, id);
      if (!current) return null;
      const enabled = patch.enabled ?? current.enabled;
      this.#stmt(`UPDATE webhook_endpoints SET url = ?, description = ?, event_types = ?, enabled = ?, disabled_reason = ?, updated_at = ?
        WHERE id = ?`).run(
        patch.url ?? current.url,
        patch.description === undefined ? current.description : patch.description,
        JSON.stringify(patch.eventTypes ?? current.eventTypes),
        enabled ? 1 : 0,
        enabled ? null : current.disabledReason,
        now,
        id,
      );
      if (!enabled) this.#failPending(id, 'endpoint_disabled', now);
      return this.#endpoint(serviceId, id);
    }).immediate();
  }

  async rotateWebhookSecret(
    serviceId: string,
    id: string,
    secretSealed: Buffer,
    previousSealed: Buffer | null,
    previousExpiresAt: number | null,
    now: number,
  ): Promise<WebhookEndpointRecord | null> {
    const changed = this.#stmt(`UPDATE webhook_endpoints SET secret_sealed = ?, previous_secret_sealed = ?, previous_secret_expires_at = ?, updated_at = ?
      WHERE id = ? AND service_id = ?`).run(secretSealed, previousSealed, previousExpiresAt, now, id, serviceId).changes;
    return changed === 0 ? null : this.#endpoint(serviceId, id);
  }

  async deleteWebhookEndpoint(serviceId: string, id: string): Promise<boolean> {
    return this.#stmt('DELETE FROM webhook_endpoints WHERE id = ? AND service_id = ?').run(id, serviceId).changes > 0;
  }

  #failPending(endpointId: string, reason: string, now: number): void {
    this.#stmt(`UPDATE webhook_deliveries SET status = 'failed', last_error = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?
      WHERE endpoint_id = ? AND status = 'pending'`).run(reason, now, endpointId);
  }

  // ── deliveries ──────────────────────────────────────────────────────────────────────────
  async claimDueDeliveries(now: number, limit: number, leaseMs: number, owner: string): Promise<DeliveryJob[]> {
    // One UPDATE … RETURNING under the write lock: two instances can never lease the same row.
    const rows = this.#stmt(`UPDATE webhook_deliveries SET status = 'delivering', lease_until = ?, lease_owner = ?, updated_at = ?
      WHERE id IN (SELECT id FROM webhook_deliveries WHERE status IN ('pending', 'delivering') AND next_attempt_at <= ?
                   AND (status = 'pending' OR lease_until <= ?) ORDER BY next_attempt_at LIMIT ?)
      RETURNING *`).all(now + leaseMs, owner, now, now, now, limit) as Row[];
    const jobs: DeliveryJob[] = [];
    for (const row of rows) {
      const delivery = toDelivery(row);
      const event = this.#stmt('SELECT * FROM events WHERE id = ?').get(delivery.eventId) as Row | undefined;
      const endpoint = this.#stmt('SELECT * FROM webhook_endpoints WHERE id = ?').get(delivery.endpointId) as Row | undefined;
      if (event && endpoint) jobs.push({ delivery, event: toEvent(event), endpoint: toEndpoint(endpoint) });
    }
    return jobs;
  }

  async completeDeliveryAttempt(deliveryId: string, owner: string, outcome: DeliveryOutcome, now: number): Promise<boolean> {
    return this.#db.transaction(() => {
      const a = outcome.attempt;
      const applied = this.#stmt(`UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = COALESCE(?, next_attempt_at),
        last_status_code = ?, last_error = ?, lease_until = NULL, lease_owner = NULL, updated_at = ?
        WHERE id = ? AND status = 'delivering' AND lease_owner = ?`).run(
        outcome.status, outcome.nextAttemptAt ?? null, a.statusCode, a.error, now, deliveryId, owner,
      ).changes > 0;
      // The attempt happened either way: log it, even when the lease was lost meanwhile.
      this.#stmt(`INSERT INTO webhook_attempts (id, delivery_id, endpoint_id, event_id, event_type, attempt, status_code, latency_ms, error, created_at)
        SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = ?)`).run(
        a.id, a.deliveryId, a.endpointId, a.eventId, a.eventType, a.attempt, a.statusCode, a.latencyMs, a.error, a.createdAt, deliveryId,
      );
      if (applied && outcome.disableEndpoint !== undefined) {
        this.#stmt('UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ?').run(outcome.disableEndpoint, now, a.endpointId);
        this.#failPending(a.endpointId, 'endpoint_disabled', now);
      }
      return applied;
    }).immediate();
  }

  async listWebhookAttempts(endpointId: string, options: ListOptions): Promise<Page<WebhookAttemptRecord>> {
    const before = decodeCursor(options.cursor);
    const limit = options.limit + 1;
    const rows = (
      before === null
        ? this.#stmt('SELECT * FROM webhook_attempts WHERE endpoint_id = ? ORDER BY id DESC LIMIT ?').all(endpointId, limit)
        : this.#stmt('SELECT * FROM webhook_attempts WHERE endpoint_id = ? AND id < ? ORDER BY id DESC LIMIT ?').all(endpointId, before, limit)
    ) as Row[];
    const data = rows.slice(0, options.limit).map(toAttempt);
    return { data, nextCursor: rows.length > options.limit ? encodeCursor(data.at(-1)!.id) : null };
  }

  async findDelivery(eventId: string, endpointId: string): Promise<WebhookDeliveryRecord | null> {
    const row = this.#stmt('SELECT * FROM webhook_deliveries WHERE event_id = ? AND endpoint_id = ?').get(eventId, endpointId) as Row | undefined;
    return row ? toDelivery(row) : null;
  }

  async requeueDelivery(d: WebhookDeliveryRecord, now: number): Promise<boolean> {
    // attempts restart at 0 so the retry schedule applies afresh; the row (and so webhook-id) stays.
    const result = this.#stmt(`INSERT INTO webhook_deliveries (id, event_id, endpoint_id, service_id, status, attempts, next_attempt_at, created_at, updated_at)
      VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)
      ON CONFLICT (event_id, endpoint_id) DO UPDATE SET status = 'pending', attempts = 0, next_attempt_at = excluded.next_attempt_at,
        lease_until = NULL, lease_owner = NULL, updated_at = excluded.updated_at
      WHERE webhook_deliveries.status != 'delivering'`).run(d.id, d.eventId, d.endpointId, d.serviceId, now, now, now);
    return result.changes > 0;
  }

  async nextDeliveryDueAt(): Promise<number | null> {
    const row = this.#stmt("SELECT MIN(next_attempt_at) AS at FROM webhook_deliveries WHERE status IN ('pending', 'delivering')").get() as Row;
    return (row.at as number | null) ?? null;
  }
}
