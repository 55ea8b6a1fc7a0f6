import type { CodeVault } from './code-vault.js';
import { AppError } from './errors.js';
import type { EventType } from './events.js';
import type { WebhookAttemptRecord, WebhookDeliveryRecord, WebhookEndpointPatch, WebhookEndpointRecord } from './events.ports.js';
import { newId } from './ids.js';
import type { Page, Tenant } from './model.js';
import type { Clock, RandomSource, Store } from './ports.js';
import { generateWebhookSecret } from './webhook-signature.js';

export interface EndpointInput {
  url: string;
  description?: string | null | undefined;
  eventTypes?: EventType[] | undefined;
  enabled?: boolean | undefined;
}

export interface IssuedEndpoint {
  endpoint: WebhookEndpointRecord;
  /** The signing secret: in this answer only; stored sealed. */
  secret: string;
}

export interface WebhookServiceDeps {
  store: Store;
  vault: CodeVault;
  clock: Clock;
  random: RandomSource;
  /** Why a URL may not receive webhooks, when that shows without DNS (server-side request forgery); null when it may. */
  refuseDestination?: (url: URL) => string | null;
  /** A redelivery was queued: deliver without waiting for the next poll. */
  onDeliveryQueued?: () => void;
}

/** The default overlap of a secret rotation: a day, time enough to roll the new secret out. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 86_400;
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 86_400;

/** Associated data of a sealed secret: a sealed value cannot be moved to another endpoint or slot. */
export const secretSlot = (endpointId: string, slot: 'current' | 'previous') => `${endpointId}:${slot}`;

/**
 * Webhook endpoints of a service in one mode: registration, secrets and rotation, the delivery
 * log, redelivery. An endpoint belongs to the mode of the key that registered it and receives
 * only that mode's events; keys of the other mode cannot see, change or delete it (T1).
 */
export class WebhookService {
  readonly #deps: WebhookServiceDeps;

  constructor(deps: WebhookServiceDeps) {
    this.#deps = deps;
  }

  async create(tenant: Tenant, input: EndpointInput): Promise<IssuedEndpoint> {
    const { store, vault, clock, random } = this.#deps;
    // Each event is written with a delivery per matching endpoint, in its transaction (T8).
    const max = tenant.service.settings.webhook_endpoints_max;
    if ((await store.listWebhookEndpoints(tenant)).length >= max) {
      throw new AppError('too_many_webhook_endpoints', `This service has ${max} webhook endpoints in this mode, its maximum (webhook_endpoints_max); delete one or ask for a higher limit.`);
    }
    const now = clock.now();
    const id = newId('whe', clock, random);
    const secret = generateWebhookSecret(random);
    const endpoint: WebhookEndpointRecord = {
      id,
      serviceId: tenant.serviceId,
      mode: tenant.mode,
      url: validateWebhookUrl(input.url, this.#deps.refuseDestination),
      description: input.description ?? null,
      eventTypes: dedupe(input.eventTypes ?? []),
      enabled: input.enabled ?? true,
      disabledReason: null,
      secretSealed: vault.seal(secretSlot(id, 'current'), secret),
      previousSecretSealed: null,
      previousSecretExpiresAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await store.createWebhookEndpoint(endpoint);
    return { endpoint, secret };
  }

  async get(tenant: Tenant, id: string): Promise<WebhookEndpointRecord> {
    const endpoint = await this.#deps.store.getWebhookEndpoint(tenant, id);
    // Another service's (or mode's) endpoint looks exactly like one that does not exist (H3, T1).
    if (!endpoint) throw new AppError('webhook_endpoint_not_found', `No webhook endpoint ${id}.`);
    return endpoint;
  }

  list(tenant: Tenant): Promise<WebhookEndpointRecord[]> {
    return this.#deps.store.listWebhookEndpoints(tenant);
  }

  async update(tenant: Tenant, id: string, input: Partial<EndpointInput>): Promise<WebhookEndpointRecord> {
    const patch: WebhookEndpointPatch = {};
    if (input.url !== undefined) patch.url = validateWebhookUrl(input.url, this.#deps.refuseDestination);
    if (input.description !== undefined) patch.description = input.description;
    if (input.eventTypes !== undefined) patch.eventTypes = dedupe(input.eventTypes);
    if (input.enabled !== undefined) patch.enabled = input.enabled;
    const updated = await this.#deps.store.updateWebhookEndpoint(tenant, id, patch, this.#deps.clock.now());
    if (!updated) throw new AppError('webhook_endpoint_not_found', `No webhook endpoint ${id}.`);
    return updated;
  }

  async delete(tenant: Tenant, id: string): Promise<void> {
    if (!(await this.#deps.store.deleteWebhookEndpoint(tenant, id))) {
      throw new AppError('webhook_endpoint_not_found', `No webhook endpoint ${id}.`);
    }
  }

  /**
   * A new secret signs from now on; the current one keeps signing next to it for
   * `overlapSeconds`, so receivers can switch without losing a delivery.
   */
  async rotateSecret(tenant: Tenant, id: string, overlapSeconds = DEFAULT_ROTATION_OVERLAP_SECONDS): Promise<IssuedEndpoint> {
    const { store, vault, clock, random } = this.#deps;
    const current = await this.get(tenant, id);
    const now = clock.now();
    const secret = generateWebhookSecret(random);
    // A current secret that no longer opens (the server secret changed) cannot sign: no overlap then.
    let previous: string | null = null;
    try {
      previous = vault.open(secretSlot(id, 'current'), current.secretSealed);
    } catch {
      previous = null;
    }
    const rotated = await store.rotateWebhookSecret(
      tenant,
      id,
      vault.seal(secretSlot(id, 'current'), secret),
      previous === null || overlapSeconds === 0 ? null : vault.seal(secretSlot(id, 'previous'), previous),
      previous === null || overlapSeconds === 0 ? null : now + overlapSeconds * 1000,
      now,
    );
    if (!rotated) throw new AppError('webhook_endpoint_not_found', `No webhook endpoint ${id}.`);
    return { endpoint: rotated, secret };
  }

  async attempts(tenant: Tenant, id: string, cursor: string | undefined, limit: number): Promise<Page<WebhookAttemptRecord>> {
    await this.get(tenant, id);
    return this.#deps.store.listWebhookAttempts(tenant, id, { cursor, limit });
  }

  /** Sends the event to the endpoint again, under the same `webhook-id`, with a fresh retry schedule. */
  async redeliver(tenant: Tenant, id: string, eventId: string): Promise<WebhookDeliveryRecord> {
    const { store, clock, random } = this.#deps;
    const endpoint = await this.get(tenant, id);
    const event = await store.getEvent(tenant, eventId);
    if (!event) throw new AppError('event_not_found', `No event ${eventId}.`);
    if (!endpoint.enabled) throw new AppError('webhook_endpoint_disabled', 'Enable the endpoint (PATCH enabled: true) before redelivering to it.');
    const now = clock.now();
    const delivery: WebhookDeliveryRecord = (await store.findDelivery(event.id, endpoint.id)) ?? {
      id: newId('whd', clock, random),
      eventId: event.id,
      endpointId: endpoint.id,
      serviceId: tenant.serviceId,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      leaseUntil: null,
      leaseOwner: null,
      lastStatusCode: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
    };
    if (!(await store.requeueDelivery(delivery, now))) {
      throw new AppError('webhook_delivery_in_flight', 'This event is being sent to this endpoint right now; its outcome will be in the log.');
    }
    this.#deps.onDeliveryQueued?.();
    return { ...delivery, status: 'pending', attempts: 0, nextAttemptAt: now, updatedAt: now };
  }

  /** The secrets that sign a delivery now: the current one, and the previous one during an overlap. */
  signingSecrets(endpoint: WebhookEndpointRecord, now: number): string[] {
    const { vault } = this.#deps;
    const secrets = [vault.open(secretSlot(endpoint.id, 'current'), endpoint.secretSealed)];
    if (endpoint.previousSecretSealed && endpoint.previousSecretExpiresAt !== null && now < endpoint.previousSecretExpiresAt) {
      secrets.push(vault.open(secretSlot(endpoint.id, 'previous'), endpoint.previousSecretSealed));
    }
    return secrets;
  }
}

/**
 * http(s) only, absolute, no credentials in the URL (they would be logged and shown back), and
 * no destination that `refuse` names a reason for. Returns the normalised form.
 */
export function validateWebhookUrl(value: string, refuse?: (url: URL) => string | null): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AppError('invalid_webhook_url', 'The webhook URL is not an absolute URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AppError('invalid_webhook_url', `Webhook URLs must be http or https, not ${url.protocol.replace(':', '')}.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new AppError('invalid_webhook_url', 'Webhook URLs may not carry credentials; the signature authenticates otpgate.');
  }
  if (url.hostname === '') throw new AppError('invalid_webhook_url', 'The webhook URL has no host.');
  const refusal = refuse?.(url);
  if (refusal) throw new AppError('invalid_webhook_url', refusal);
  url.hash = '';
  return url.toString();
}

function dedupe(types: EventType[]): EventType[] {
  return [...new Set(types)];
}
