import type { EventRecord, EventsOf } from '../../core/events.js';
import type {
  EventStore,
  DeliveryOutcome,
  WebhookEndpointPatch,
  WebhookEndpointRecord,
  WebhookStore,
} from '../../core/events.ports.js';
import type { Scope, VerificationRecord } from '../../core/model.js';
import type { EventQueries } from '../events.sql-store.js';
import { toEndpoint } from '../event-rows.js';
import { toVerification } from '../rows.js';
import type { PgDatabase, Queryable } from './postgres.pool.js';

/**
 * The event and webhook tables on PostgreSQL: the base of PostgresStore, which calls
 * `insertEvents` inside the transaction of each state change that has events.
 */
export abstract class PostgresEventStore implements Omit<EventStore & WebhookStore, keyof EventQueries> {
  readonly #db: PgDatabase;

  #deliveriesQueued = false;

  protected constructor(db: PgDatabase) {
    this.#db = db;
  }

  /**
   * Writes events and one delivery per matching enabled endpoint, inside the caller's
   * transaction. No lock: each event row records its transaction (`tx`, by default), and a
   * catch-up lists by transaction and only below the oldest running one (see CatchUpOrder in
   * events.sql-store.ts), so concurrent writers of one service no longer wait for each other.
   */
  protected async insertEvents(events: EventRecord[], client: Queryable): Promise<void> {
    if (events.length === 0) return;
    const fragment = eventsFragment(events, 1);
    const { rows } = await this.#db.query<{ deliveries: number }>(`WITH ${fragment.sql} SELECT count(*)::int AS deliveries FROM deliveries`, fragment.params, client);
    this.noteDeliveries(rows[0]?.deliveries ?? 0);
  }

  /** Records that a write queued deliveries (see takeQueuedDeliveries). */
  protected noteDeliveries(count: number): void {
    if (count > 0) this.#deliveriesQueued = true;
  }

  takeQueuedDeliveries(): boolean {
    const queued = this.#deliveriesQueued;
    this.#deliveriesQueued = false;
    return queued;
  }

  async appendEvents(events: EventRecord[]): Promise<void> {
    await this.#db.tx((client) => this.insertEvents(events, client));
  }

  async expireDueVerifications(now: number, limit: number, events: EventsOf<VerificationRecord>): Promise<VerificationRecord[]> {
    // SKIP LOCKED: instances sweeping at once take disjoint rows; `status = 'pending'` is
    // re-checked on the locked row, so each verification expires (and gets its event) once.
    return this.#db.tx(async (client) => {
      const { rows } = await this.#db.query(
        `WITH due AS (
           SELECT id FROM verifications WHERE status = 'pending' AND expires_at <= $1
           ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         UPDATE verifications v SET status = 'expired', updated_at = $1 FROM due WHERE v.id = due.id AND v.status = 'pending'
         RETURNING v.*`,
        [now, limit],
        client,
      );
      const expired = rows.map(toVerification).sort((a, b) => a.expiresAt - b.expiresAt);
      if (expired.length === 0) return [];
      await this.#db.query("UPDATE messages SET status = 'expired', updated_at = $1 WHERE verification_id = ANY($2::text[]) AND status = 'queued'", [now, expired.map((v) => v.id)], client);
      await this.insertEvents(expired.flatMap(events), client);
      return expired;
    });
  }

  // ── endpoints ───────────────────────────────────────────────────────────────────────────

  async updateWebhookEndpoint(scope: Scope, id: string, patch: WebhookEndpointPatch, now: number): Promise<WebhookEndpointRecord | null> {
    return this.#db.tx(async (client) => {
      const { rows } = await this.#db.query('SELECT * FROM webhook_endpoints WHERE id = $1 AND service_id = $2 AND mode = $3 FOR UPDATE', [id, scope.serviceId, scope.mode], client);
      if (!rows[0]) return null;
      const current = toEndpoint(rows[0]);
      const enabled = patch.enabled ?? current.enabled;
      const updated = await this.#db.query(
        `UPDATE webhook_endpoints SET url = $1, description = $2, event_types = $3, enabled = $4, disabled_reason = $5, updated_at = $6
         WHERE id = $7 RETURNING *`,
        [patch.url ?? current.url, patch.description === undefined ? current.description : patch.description,
          JSON.stringify(patch.eventTypes ?? current.eventTypes), enabled, enabled ? null : current.disabledReason, now, id],
        client,
      );
      if (!enabled) await this.#failPending(id, 'endpoint_disabled', now, client);
      return toEndpoint(updated.rows[0]!);
    });
  }

  async #failPending(endpointId: string, reason: string, now: number, client: Queryable): Promise<void> {
    await this.#db.query(
      `UPDATE webhook_deliveries SET status = 'failed', last_error = $1, lease_owner = NULL, lease_until = NULL, updated_at = $2
       WHERE endpoint_id = $3 AND status = 'pending'`,
      [reason, now, endpointId],
      client,
    );
  }

  // ── deliveries (claims: store/events.sql-store.ts) ──────────────────────────────────────
  async completeDeliveryAttempt(deliveryId: string, owner: string, outcome: DeliveryOutcome, now: number): Promise<boolean> {
    return this.#db.tx(async (client) => {
      const a = outcome.attempt;
      const applied = await this.#db.query(
        `UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, next_attempt_at = COALESCE($2, next_attempt_at),
           last_status_code = $3, last_error = $4, lease_until = NULL, lease_owner = NULL, updated_at = $5
         WHERE id = $6 AND status = 'delivering' AND lease_owner = $7`,
        [outcome.status, outcome.nextAttemptAt ?? null, a.statusCode, a.error, now, deliveryId, owner],
        client,
      );
      // The attempt happened either way: log it, even when the lease was lost meanwhile.
      await this.#db.query(
        `INSERT INTO webhook_attempts (id, delivery_id, endpoint_id, event_id, event_type, attempt, status_code, latency_ms, error, created_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = $2)`,
        [a.id, a.deliveryId, a.endpointId, a.eventId, a.eventType, a.attempt, a.statusCode, a.latencyMs, a.error, a.createdAt],
        client,
      );
      const kept = (applied.rowCount ?? 0) > 0;
      if (kept && outcome.disableEndpoint !== undefined) {
        await this.#db.query('UPDATE webhook_endpoints SET enabled = false, disabled_reason = $1, updated_at = $2 WHERE id = $3', [outcome.disableEndpoint, now, a.endpointId], client);
        await this.#failPending(a.endpointId, 'endpoint_disabled', now, client);
      }
      return kept;
    });
  }

}

/**
 * Events and their fan-out as data-modifying CTEs (`events`, `deliveries`), so that writing them
 * is one statement (one round trip) instead of an insert and an endpoint query per event; a
 * caller can put its own CTEs in front and run the whole state change as one statement.
 * Parameters are numbered from `first`. A delivery's id is derived from its event (time part)
 * and endpoint, so no id has to be drawn before the matching endpoints are known.
 */
export function eventsFragment(events: EventRecord[], first: number): { sql: string; params: unknown[] } {
  const p = (i: number) => `$${first + i}`;
  return {
    sql: `events AS (
        INSERT INTO events (id, service_id, mode, type, data, created_at)
        SELECT * FROM unnest(${p(0)}::text[], ${p(1)}::text[], ${p(5)}::text[], ${p(2)}::text[], ${p(3)}::jsonb[], ${p(4)}::bigint[])
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
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
      events.map((e) => e.createdAt),
      events.map((e) => e.mode),
    ],
  };
}
