/**
 * Ports for events and webhooks, kept apart from ports.ts so another store (PostgreSQL) can
 * implement them as one unit. Every method is named for what it does; times are epoch ms.
 */
import type { EventRecord, EventsOf, EventType } from './events.js';
import type { Mode, Page, Scope, VerificationRecord } from './model.js';
import type { ListOptions } from './ports.js';

export interface WebhookEndpointRecord {
  id: string;
  serviceId: string;
  /** The mode of the key that registered it: it receives events of that mode only (T1). */
  mode: Mode;
  url: string;
  description: string | null;
  /** Event types sent to this endpoint; empty = every type. */
  eventTypes: EventType[];
  enabled: boolean;
  /** Why it was disabled automatically (`gone`: the receiver answered 410), or null. */
  disabledReason: string | null;
  /** The signing secret `whsec_…`, sealed with the server secret (associated data: `<id>:current`). */
  secretSealed: Buffer;
  /** The secret before the last rotation, still signing until `previousSecretExpiresAt`. */
  previousSecretSealed: Buffer | null;
  previousSecretExpiresAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export type WebhookDeliveryStatus = 'pending' | 'delivering' | 'succeeded' | 'failed';

/** One event on its way to one endpoint: at most one row per (event, endpoint). */
export interface WebhookDeliveryRecord {
  id: string;
  eventId: string;
  endpointId: string;
  serviceId: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  leaseUntil: number | null;
  /** Who holds the lease: a random token per claim, so a worker whose lease ran out cannot write. */
  leaseOwner: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

/** One HTTP request to an endpoint: the delivery log. */
export interface WebhookAttemptRecord {
  id: string;
  deliveryId: string;
  endpointId: string;
  eventId: string;
  eventType: EventType;
  attempt: number;
  /** null when no HTTP answer came (time-out, refused connection). */
  statusCode: number | null;
  latencyMs: number;
  /** `timeout`, `connection_failed`, `http_<status>`… or null on success. */
  error: string | null;
  createdAt: number;
}

export interface DeliveryJob {
  delivery: WebhookDeliveryRecord;
  event: EventRecord;
  endpoint: WebhookEndpointRecord;
}

export interface DeliveryOutcome {
  attempt: WebhookAttemptRecord;
  status: 'succeeded' | 'pending' | 'failed';
  /** When `status` is `pending`: when to try again. */
  nextAttemptAt?: number;
  /** Disable the endpoint (and fail its other pending deliveries) for this reason. */
  disableEndpoint?: string;
}

/** How many deliveries each service may have in flight in the claiming worker. */
/** One lease of a delivery: who took it, and until when (the claim's own, so a later lease of the same owner is another). */
export interface DeliveryLease {
  owner: string;
  until: number | null;
}

export interface DeliveryShare {
  /** Deliveries in flight per service now. */
  inFlight: ReadonlyMap<string, number>;
  /** At most this many per service (in flight and claimed now together). */
  cap: number;
}

export interface EventListOptions {
  limit: number;
  type?: EventType | undefined;
  /** Newest first, older than this event id (the `cursor` of the previous page). */
  before?: string | null;
  /** Oldest first, committed after this event id: the catch-up read. */
  after?: string | null;
}

export interface EventStore {
  /**
   * Writes events that no other state change carries (e.g. a fraud block decided elsewhere),
   * fanning each out to the matching endpoints of its service and mode in the same transaction.
   */
  appendEvents(events: EventRecord[]): Promise<void>;
  /**
   * True when event writes of this process queued webhook deliveries since the last call (then
   * resets). A hint only, to wake the webhook worker when there is something to send rather than
   * after every event; the worker's polling covers everything else (other instances, retries).
   */
  takeQueuedDeliveries(): boolean;
  getEvent(scope: Scope, id: string): Promise<EventRecord | null>;
  /**
   * Lists a service's events. With `after`, oldest first in commit order: an event that
   * commits later never sorts before one already listed, so a consumer that keeps the last id
   * it saw never misses one (SQLite: a sequence taken under the write lock; PostgreSQL must
   * keep the same promise). Returns null when `before`/`after` is not an event of the scope.
   */
  listEvents(scope: Scope, options: EventListOptions): Promise<EventRecord[] | null>;
  /**
   * The expiry sweep: moves up to `limit` pending verifications whose `expires_at ≤ now` to
   * `expired`, expires their queued messages and writes their events, in one transaction.
   * Safe with several instances: each row changes at most once (conditional update; PostgreSQL
   * should pick rows with FOR UPDATE SKIP LOCKED).
   */
  expireDueVerifications(now: number, limit: number, events: EventsOf<VerificationRecord>): Promise<VerificationRecord[]>;
}

export interface WebhookEndpointPatch {
  url?: string;
  description?: string | null;
  eventTypes?: EventType[];
  enabled?: boolean;
}

export interface WebhookStore {
  createWebhookEndpoint(endpoint: WebhookEndpointRecord): Promise<void>;
  getWebhookEndpoint(scope: Scope, id: string): Promise<WebhookEndpointRecord | null>;
  listWebhookEndpoints(scope: Scope): Promise<WebhookEndpointRecord[]>;
  /** Disabling also fails the endpoint's pending deliveries; enabling clears `disabledReason`. */
  updateWebhookEndpoint(scope: Scope, id: string, patch: WebhookEndpointPatch, now: number): Promise<WebhookEndpointRecord | null>;
  /** Replaces the secret; the old one (when given) keeps signing until `previousExpiresAt`. */
  rotateWebhookSecret(
    scope: Scope,
    id: string,
    secretSealed: Buffer,
    previousSealed: Buffer | null,
    previousExpiresAt: number | null,
    now: number,
  ): Promise<WebhookEndpointRecord | null>;
  /** Deletes the endpoint, its deliveries and its log. */
  deleteWebhookEndpoint(scope: Scope, id: string): Promise<boolean>;
  /**
   * Leases up to `limit` due deliveries (pending and due, or delivering with a lease that ran
   * out because its worker died) to `owner`, so one instance at a time sends each, oldest due
   * first; with `share`, no service gets more than its room (`cap` less what it has in flight),
   * so one tenant's backlog cannot take every slot (rule T8).
   */
  claimDueDeliveries(now: number, limit: number, leaseMs: number, owner: string, share?: DeliveryShare): Promise<DeliveryJob[]>;
  /** Records an attempt and its consequence in one transaction; false when `lease` is no longer the delivery's (taken over meanwhile, even if given back to the same owner since). */
  completeDeliveryAttempt(deliveryId: string, lease: DeliveryLease, outcome: DeliveryOutcome, now: number): Promise<boolean>;
  /** Gives a lease back unused: the delivery is pending again, due as it was. False when `lease` was no longer the delivery's. */
  releaseDelivery(deliveryId: string, lease: DeliveryLease, now: number): Promise<boolean>;
  /** The endpoint's delivery log, newest first, in cursor pages. */
  listWebhookAttempts(scope: Scope, endpointId: string, options: ListOptions): Promise<Page<WebhookAttemptRecord>>;
  /**
   * Queues the event for the endpoint again, now (same delivery row, so the same `webhook-id`);
   * creates the row if the endpoint never had the event. False when the delivery is being sent
   * right now.
   */
  requeueDelivery(delivery: WebhookDeliveryRecord, now: number): Promise<boolean>;
  findDelivery(eventId: string, endpointId: string): Promise<WebhookDeliveryRecord | null>;
  /** When the next delivery is due, or null when none is waiting. */
  nextDeliveryDueAt(): Promise<number | null>;
}
