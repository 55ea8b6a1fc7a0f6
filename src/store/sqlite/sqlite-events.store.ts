import type { Database as SqliteDb, Statement } from 'better-sqlite3';
import type { EventRecord, EventsOf } from '../../core/events.js';
import type {
  EventStore,
  DeliveryOutcome,
  WebhookEndpointPatch,
  WebhookEndpointRecord,
  WebhookStore,
} from '../../core/events.ports.js';
import { newId } from '../../core/ids.js';
import type { Scope, VerificationRecord } from '../../core/model.js';
import { cryptoRandom, systemClock } from '../../core/random.js';
import type { EventQueries } from '../events.sql-store.js';
import { toEndpoint } from '../event-rows.js';
import { toVerification } from '../rows.js';
import type { Row } from '../rows.js';

/**
 * The event and webhook tables of the embedded store: the base of SqliteStore, which owns the
 * connection and calls `insertEvents` inside the transaction of each state change that has
 * events (so they commit together).
 */
export abstract class SqliteEventStore implements Omit<EventStore & WebhookStore, keyof EventQueries> {
  readonly #db: SqliteDb;
  readonly #statements = new Map<string, Statement>();

  #deliveriesQueued = false;

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
      this.#stmt('INSERT INTO events (id, service_id, mode, type, data, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
        event.id, event.serviceId, event.mode, event.type, JSON.stringify(event.data), event.createdAt,
      );
      // Endpoints of the event's own mode only: a test key's endpoint never hears of live data (T1).
      const endpoints = (this.#stmt('SELECT id, event_types FROM webhook_endpoints WHERE service_id = ? AND mode = ? AND enabled = 1')
        .all(event.serviceId, event.mode) as Row[])
        .filter((row) => {
          const types = JSON.parse(row.event_types as string) as string[];
          return types.length === 0 || types.includes(event.type);
        });
      if (endpoints.length > 0) this.#deliveriesQueued = true;
      for (const endpoint of endpoints) {
        this.#stmt(`INSERT INTO webhook_deliveries (id, event_id, endpoint_id, service_id, status, attempts, next_attempt_at, created_at, updated_at)
          VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`).run(
          // A row id only (never ordered on), so the real clock is fine even under a test's fake one.
          newId('whd', systemClock, cryptoRandom), event.id, endpoint.id, event.serviceId, event.createdAt, event.createdAt, event.createdAt);
      }
    }
  }

  takeQueuedDeliveries(): boolean {
    const queued = this.#deliveriesQueued;
    this.#deliveriesQueued = false;
    return queued;
  }

  async appendEvents(events: EventRecord[]): Promise<void> {
    this.#db.transaction(() => this.insertEvents(events)).immediate();
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

  #endpoint(scope: Scope, id: string): WebhookEndpointRecord | null {
    const row = this.#stmt('SELECT * FROM webhook_endpoints WHERE id = ? AND service_id = ? AND mode = ?').get(id, scope.serviceId, scope.mode) as Row | undefined;
    return row ? toEndpoint(row) : null;
  }

  async updateWebhookEndpoint(scope: Scope, id: string, patch: WebhookEndpointPatch, now: number): Promise<WebhookEndpointRecord | null> {
    return this.#db.transaction(() => {
      const current = this.#endpoint(scope, id);
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
      return this.#endpoint(scope, id);
    }).immediate();
  }

  #failPending(endpointId: string, reason: string, now: number): void {
    this.#stmt(`UPDATE webhook_deliveries SET status = 'failed', last_error = ?, lease_owner = NULL, lease_until = NULL, updated_at = ?
      WHERE endpoint_id = ? AND status = 'pending'`).run(reason, now, endpointId);
  }

  // ── deliveries (claims: store/events.sql-store.ts) ──────────────────────────────────────
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

}
