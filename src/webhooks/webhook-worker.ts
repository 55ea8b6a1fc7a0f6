import { request } from 'node:http';
import { request as requestTls } from 'node:https';
import type { Logger } from 'pino';
import type { EventRecord } from '../core/events.js';
import type { DeliveryJob, DeliveryOutcome } from '../core/events.ports.js';
import { newId } from '../core/ids.js';
import type { Clock, RandomSource, Store } from '../core/ports.js';
import { webhookHeaders } from '../core/webhook-signature.js';
import type { WebhookService } from '../core/webhook.service.js';
import { PolledWorker } from '../delivery/polled-worker.js';
import { DestinationRefused } from './destinations.js';
import type { WebhookDestinations } from './destinations.js';

/** The Standard Webhooks schedule: after the first try, wait 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const STANDARD_RETRY_SCHEDULE_MS: readonly number[] = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

export interface WebhookWorkerOptions {
  /** How often to look for due deliveries (ms). Default 1000. */
  pollMs?: number;
  /** Requests in flight at once per instance. Default 16. */
  batchSize?: number;
  /** A receiver that has not answered within this time counts as a failed attempt (ms). Default 15000. */
  timeoutMs?: number;
  /** Waits between attempts (ms); when they run out the delivery fails. Default the Standard Webhooks schedule. */
  retryScheduleMs?: readonly number[];
}

export interface WebhookWorkerDeps {
  store: Pick<Store, 'claimDueDeliveries' | 'completeDeliveryAttempt' | 'releaseDelivery'>;
  webhooks: WebhookService;
  clock: Clock;
  random: RandomSource;
  logger: Logger;
  /** Which addresses webhooks may reach, and the connections to them. */
  destinations: WebhookDestinations;
  metrics?: WebhookMetrics;
  /** This instance's id: the owner of the deliveries it leases (taken over at once if it dies, see Instance). */
  owner: string;
  /** Whether this instance's leases are still certainly its own (see Instance.holdsLeases). */
  holdsLeases: () => boolean;
}

export interface WebhookMetrics {
  webhookAttempt(outcome: 'succeeded' | 'retry' | 'failed'): void;
  /** How late an attempt started after it was due, in seconds: what a slow or busy neighbour costs. */
  webhookDelay(seconds: number): void;
}

/** The JSON body of a delivery: Standard Webhooks' `type`, `timestamp`, `data`, plus our ids. */
export function webhookBody(event: EventRecord): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    timestamp: new Date(event.createdAt).toISOString(),
    service_id: event.serviceId,
    mode: event.mode,
    data: event.data,
  });
}

/**
 * Delivers events to endpoints. A delivery is leased before it is sent (so one instance sends
 * it at a time) and its outcome is written with a check that the lease is still ours. A process
 * that dies mid-request leaves a lease that runs out; the delivery is then sent again under the
 * same `webhook-id`, which is what lets receivers drop duplicates.
 *
 * One tenant cannot slow another (rule T8): up to `batchSize` requests are in flight, each service
 * gets at most a quarter of them while others have deliveries due (its fair share), and a service
 * alone may use the rest but never the last quarter, which stays free for the next tenant's event.
 * A round only claims and starts requests; each one that ends frees its slot and claims again, so
 * a receiver that hangs for its whole time-out holds one slot of its own service, nothing more.
 */
export class WebhookWorker extends PolledWorker {
  readonly #deps: WebhookWorkerDeps;
  readonly #options: Required<Omit<WebhookWorkerOptions, 'pollMs'>>;
  readonly #leaseMs: number;
  readonly #inFlight = new Set<Promise<void>>();
  /** Requests in flight per service. */
  readonly #perService = new Map<string, number>();
  readonly #fairShare: number;
  /** What one service may use when nobody else is waiting: all but a quarter, kept for the next tenant. */
  readonly #aloneCap: number;

  constructor(deps: WebhookWorkerDeps, options: WebhookWorkerOptions = {}) {
    super('webhook', options.pollMs ?? 1000, deps.logger);
    this.#deps = deps;
    this.#options = {
      batchSize: options.batchSize ?? 16,
      timeoutMs: options.timeoutMs ?? 15_000,
      retryScheduleMs: options.retryScheduleMs ?? STANDARD_RETRY_SCHEDULE_MS,
    };
    // Longer than any request can take, so a live worker never loses its lease mid-request.
    this.#leaseMs = this.#options.timeoutMs * 2 + 5_000;
    this.#fairShare = Math.max(1, Math.floor(this.#options.batchSize / 4));
    this.#aloneCap = this.#options.batchSize - Math.floor(this.#options.batchSize / 4);
  }

  /** Waits (up to `timeoutMs`) for requests in flight; what is left keeps its lease and is retried after a restart. */
  stop(timeoutMs: number): Promise<void> {
    return this.stopPolling(timeoutMs, false, () => this.#settled());
  }

  /** Delivers everything due now and waits for the requests to end (tests, the CLI). */
  override async drainOnce(): Promise<void> {
    for (;;) {
      await super.drainOnce();
      if (this.#inFlight.size === 0) return;
      // Each request that ends claims again for its slot; wait for one, then for that round.
      await Promise.race(this.#inFlight);
    }
  }

  async #settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  /** Claims what fits in the free slots, fairly across services, and starts it; requests that end claim again. */
  protected async round(): Promise<void> {
    const { store, clock, owner } = this.#deps;
    for (;;) {
      const free = this.#options.batchSize - this.#inFlight.size;
      // A stalled instance takes no new leases until it knows itself alive again (see Instance).
      if (free <= 0 || !this.#deps.holdsLeases()) return;
      let jobs = await store.claimDueDeliveries(clock.now(), free, this.#leaseMs, owner, { inFlight: this.#perService, cap: this.#fairShare });
      // Nobody else is waiting: a service past its fair share may go on, up to all but a fair share.
      if (jobs.length === 0 && [...this.#perService.values()].some((n) => n >= this.#fairShare)) {
        jobs = await store.claimDueDeliveries(clock.now(), free, this.#leaseMs, owner, { inFlight: this.#perService, cap: this.#aloneCap });
      }
      if (jobs.length === 0) return;
      for (const job of jobs) this.#start(job, owner);
    }
  }

  #start(job: DeliveryJob, owner: string): void {
    const serviceId = job.delivery.serviceId;
    this.#perService.set(serviceId, (this.#perService.get(serviceId) ?? 0) + 1);
    // Never rejects: a store error on one delivery leaves its lease to run out and be retried.
    const request: Promise<void> = this.#deliver(job, owner)
      .catch((error: unknown) => this.#deps.logger.error({ err: error, event_id: job.event.id }, 'webhook delivery failed to record'))
      .finally(() => {
        this.#inFlight.delete(request);
        const left = (this.#perService.get(serviceId) ?? 1) - 1;
        if (left > 0) this.#perService.set(serviceId, left);
        else this.#perService.delete(serviceId);
        // Its slot is free: claim again (a no-op once the worker stopped).
        this.notify();
      });
    this.#inFlight.add(request);
  }

  async #deliver(job: DeliveryJob, owner: string): Promise<void> {
    const { store, clock, random, logger } = this.#deps;
    const { delivery, event, endpoint } = job;
    if (!this.#deps.holdsLeases()) {
      // This instance stalled long enough that another may have taken the delivery over: no
      // request on a lease that may be another's; it goes back to the queue.
      await store.releaseDelivery(delivery.id, { owner, until: delivery.leaseUntil }, clock.now());
      logger.warn({ event_id: event.id, endpoint_id: endpoint.id }, 'webhook lease given back: this instance stalled and may have been taken for dead');
      return;
    }
    const attemptNumber = delivery.attempts + 1;
    const started = clock.now();
    this.#deps.metrics?.webhookDelay(Math.max(0, started - delivery.nextAttemptAt) / 1000);
    let statusCode: number | null = null;
    let error: string | null = null;
    const t0 = performance.now();
    const secrets = endpoint.enabled ? this.#secrets(job, started) : null;
    if (!endpoint.enabled) {
      error = 'endpoint_disabled';
    } else if (secrets === null) {
      error = 'secret_unreadable';
    } else {
      const body = webhookBody(event);
      const headers = webhookHeaders(secrets, event.id, Math.floor(started / 1000), body);
      try {
        statusCode = await post(new URL(endpoint.url), { ...headers, 'content-type': 'application/json', 'user-agent': 'otpgate-webhooks/1' }, body, this.#deps.destinations, this.#options.timeoutMs);
        if (statusCode < 200 || statusCode > 299) error = `http_${statusCode}`;
      } catch (cause) {
        error = cause instanceof DestinationRefused ? 'destination_not_allowed'
          : cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError') ? 'timeout' : 'connection_failed';
      }
    }
    const now = clock.now();
    const outcome: DeliveryOutcome = {
      ...this.#outcome(attemptNumber, statusCode, error, now),
      attempt: {
        id: newId('wha', clock, random),
        deliveryId: delivery.id,
        endpointId: endpoint.id,
        eventId: event.id,
        eventType: event.type,
        attempt: attemptNumber,
        statusCode,
        latencyMs: Math.round(performance.now() - t0),
        error,
        createdAt: now,
      },
    };
    const kept = await store.completeDeliveryAttempt(delivery.id, { owner, until: delivery.leaseUntil }, outcome, now);
    const log = logger.child({ event_id: event.id, endpoint_id: endpoint.id, attempt: attemptNumber });
    if (!kept) log.warn('webhook lease ran out during the request; another worker owns the delivery now');
    if (outcome.status === 'succeeded') {
      this.#deps.metrics?.webhookAttempt('succeeded');
      log.info({ status: statusCode }, 'webhook delivered');
    } else if (outcome.status === 'pending') {
      this.#deps.metrics?.webhookAttempt('retry');
      log.warn({ status: statusCode, error, retry_at: new Date(outcome.nextAttemptAt ?? now).toISOString() }, 'webhook attempt failed; will retry');
    } else {
      this.#deps.metrics?.webhookAttempt('failed');
      log.error({ status: statusCode, error, disabled: outcome.disableEndpoint ?? null }, 'webhook delivery failed for good');
    }
  }

  /**
   * The signing secrets, or null when they cannot be opened (the server secret changed since
   * they were sealed): retrying would never help, and rotating the endpoint's secret fixes it.
   */
  #secrets(job: DeliveryJob, now: number): string[] | null {
    try {
      return this.#deps.webhooks.signingSecrets(job.endpoint, now);
    } catch (cause) {
      this.#deps.logger.error({ err: cause, endpoint_id: job.endpoint.id }, 'webhook secret cannot be opened; rotate the endpoint secret');
      return null;
    }
  }

  #outcome(attemptNumber: number, statusCode: number | null, error: string | null, now: number): Omit<DeliveryOutcome, 'attempt'> {
    if (error === null) return { status: 'succeeded' };
    if (error === 'endpoint_disabled' || error === 'secret_unreadable') return { status: 'failed' };
    // 410 Gone: the receiver says the endpoint is no more (Standard Webhooks): stop sending to it.
    if (statusCode === 410) return { status: 'failed', disableEndpoint: 'gone' };
    const wait = this.#options.retryScheduleMs[attemptNumber - 1];
    if (wait === undefined) return { status: 'failed' };
    return { status: 'pending', nextAttemptAt: now + wait };
  }
}

/**
 * POSTs a delivery and resolves with the answer's status. Redirects are not followed: a
 * redirect is an answer, not a new destination (it would let a receiver point otpgate at
 * another host). The body of the answer is read and dropped, so the connection can be kept;
 * past 64 KiB the connection is closed instead, so a receiver cannot keep otpgate reading.
 */
const MAX_ANSWER_DRAIN_BYTES = 65_536;

function post(url: URL, headers: Record<string, string>, body: string, destinations: WebhookDestinations, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? requestTls : request;
    const req = send(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      agent: destinations.agentFor(url),
      signal: AbortSignal.timeout(timeoutMs),
    }, (response) => {
      let read = 0;
      response.on('error', () => undefined).on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_ANSWER_DRAIN_BYTES) response.destroy();
      });
      resolve(response.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}
