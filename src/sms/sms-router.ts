import { LRUCache } from 'lru-cache';
import type { CodeVault } from '../core/code-vault.js';
import { AppError } from '../core/errors.js';
import type { Clock, SmsConfigStore, MessageSender } from '../core/ports.js';
import { destinationsOf, maskSecrets, providerModule, SECRET_MASK, SmsConfigError, unmaskSetting } from './provider-registry.js';
import type { ProviderContext, ProviderDefinition } from './provider-types.js';
import { chooseSender } from './sender-id.js';
import { parseRouting, routeFor, routingToJson } from './sms-routing.js';
import type { SmsRouting, SmsRoutingInput } from './sms-routing.js';
import type { Channel } from '../core/model.js';

/** How long an instance uses a service's SMS routing or template before reading it again (ms); changes made on the instance itself apply at once. */
export const CONFIG_CACHE_MS = 5000;

export interface RouteCandidate {
  /** Identifies the configured provider for its circuit breaker: `instance:<name>` or `<service id>:<name>`. */
  key: string;
  definition: ProviderDefinition;
}

export interface DeliveryPlan {
  candidates: RouteCandidate[];
  from: string | null;
  /** The Twilio Messaging Service for the number's country, for Twilio providers (see SmsRouting). */
  messagingServiceSid: string | null;
}

export interface SmsRouterDeps {
  instance: SmsRouting;
  store: SmsConfigStore;
  vault: CodeVault;
  clock: Clock;
  /** Shared, stateless dependencies handed to every provider built. */
  context: Omit<ProviderContext, 'signal'>;
  /** Senders that replace a provider of the same name (tests, embedding). */
  fixedSenders?: ReadonlyMap<string, MessageSender>;
}

/**
 * Routing and per-service provider settings. Providers are built fresh for each send from their
 * definition, so nothing tenant-specific outlives the call; circuit state lives in the worker's
 * breakers, keyed by `RouteCandidate.key`.
 */
export class SmsRouter {
  /**
   * Each service's routing as sends use it, for CONFIG_CACHE_MS: a send then costs no read, no
   * decryption and no parsing of it. A change made here applies at once; one made on another
   * instance within that time, as service settings do.
   */
  readonly #routings = new LRUCache<string, Promise<SmsRouting | null>>({ max: 10_000, ttl: CONFIG_CACHE_MS });

  constructor(private readonly deps: SmsRouterDeps) {}

  get instanceRouting(): SmsRouting {
    return this.deps.instance;
  }

  /** The service's own routing, or null when it uses the instance's. */
  async serviceRouting(serviceId: string): Promise<SmsRouting | null> {
    const sealed = await this.deps.store.getSmsConfig(serviceId);
    if (!sealed) return null;
    // Sealed with the service id as associated data: a row copied to another service fails to open.
    const input = JSON.parse(this.deps.vault.open(sealId(serviceId), sealed)) as SmsRoutingInput;
    return parseRouting(input, this.#instanceNames());
  }

  /** Validates and stores a service's routing. A masked secret (or masked part of a setting) keeps the stored value of that provider. */
  async putServiceRouting(serviceId: string, input: SmsRoutingInput): Promise<SmsRouting> {
    const current = await this.serviceRouting(serviceId);
    const merged: SmsRoutingInput = {
      ...input,
      providers: (input.providers ?? []).map((p) => {
        const previous = current?.providers.find((q) => q.name === p.name && q.type === p.type);
        const sent = p.settings ?? {};
        const masked = Object.values(sent).some((v) => typeof v === 'string' && v.includes(SECRET_MASK));
        if (masked && previous && destinationsOf(p.type, sent) !== destinationsOf(p.type, previous.settings)) {
          throw new AppError('invalid_request', `providers: "${p.name}" now sends to another host: give its credentials again rather than "${SECRET_MASK}".`);
        }
        const settings = Object.fromEntries(Object.entries(sent).map(([k, v]) => [k, typeof v === 'string' ? unmaskSetting(v, previous?.settings[k]) : v]));
        return { ...p, settings };
      }),
    };
    let routing: SmsRouting;
    try {
      routing = parseRouting(merged, this.#instanceNames());
    } catch (error) {
      if (error instanceof SmsConfigError) throw new AppError('invalid_request', error.message);
      throw error;
    }
    try {
      await this.deps.store.putSmsConfig(serviceId, this.deps.vault.seal(sealId(serviceId), JSON.stringify(routingToJson(routing))), this.deps.clock.now());
    } finally {
      this.#routings.delete(serviceId);
    }
    return routing;
  }

  async deleteServiceRouting(serviceId: string): Promise<boolean> {
    try {
      return await this.deps.store.deleteSmsConfig(serviceId);
    } finally {
      this.#routings.delete(serviceId);
    }
  }

  /** The service's routing as sends use it (cached, see #routings). */
  #routingForSends(serviceId: string): Promise<SmsRouting | null> {
    let routing = this.#routings.get(serviceId);
    if (!routing) {
      routing = this.serviceRouting(serviceId);
      this.#routings.set(serviceId, routing);
      // A failed read (the database is away) is not remembered.
      routing.catch(() => this.#routings.delete(serviceId));
    }
    return routing;
  }

  /**
   * The providers to try for a message on `channel`, in order, and its sender. SMS takes the
   * service's routing when it has one, else the instance's; another channel takes the service's
   * route for it, else the instance's (a service that routes SMS itself may still use the
   * instance's email provider).
   */
  async plan(serviceId: string, channel: Channel, country: string | null): Promise<DeliveryPlan> {
    const own = await this.#routingForSends(serviceId);
    const routing = own ?? this.deps.instance;
    const names = channel === 'sms' ? routeFor(routing, country) : (own?.channelRoutes[channel] ?? this.deps.instance.channelRoutes[channel] ?? []);
    const candidates: RouteCandidate[] = [];
    for (const name of names) {
      const resolved = this.#resolve(own, serviceId, name);
      if (resolved) candidates.push(resolved);
    }
    const from = channel === 'sms' ? chooseSender(routing, country) : channel === 'email' ? emailAddressOf(own?.emailFrom ?? this.deps.instance.emailFrom) : null;
    const messagingServiceSid = channel === 'sms' ? ((country !== null ? routing.countryMessagingServices[country] : undefined) ?? null) : null;
    return { candidates, from, messagingServiceSid };
  }

  /** Whether a live message on `channel` has any provider to go through (for the service, or the instance). */
  async routes(serviceId: string, channel: Channel): Promise<boolean> {
    if (channel === 'sms') return true;
    const own = await this.#routingForSends(serviceId);
    return (own?.channelRoutes[channel] ?? this.deps.instance.channelRoutes[channel] ?? []).length > 0;
  }

  /** Where sandbox (test-mode key) messages go: the console provider, i.e. the dev outbox, never a vendor. */
  sandboxPlan(): DeliveryPlan {
    return { candidates: [{ key: 'sandbox:console', definition: { name: 'sandbox', type: 'console', settings: {} } }], from: null, messagingServiceSid: null };
  }

  /** The definition a receipt for `providerName` must be checked against (service first, then instance). */
  async definitionFor(serviceId: string, providerName: string): Promise<ProviderDefinition | null> {
    return this.#resolve(await this.#routingForSends(serviceId), serviceId, providerName)?.definition ?? null;
  }

  /** A fresh provider for one send. */
  create(definition: ProviderDefinition, signal?: AbortSignal): MessageSender {
    const fixed = this.deps.fixedSenders?.get(definition.name);
    if (fixed) return fixed;
    const module = providerModule(definition.type);
    if (!module) throw new Error(`unknown provider type ${definition.type}`);
    return module.create(definition, { ...this.deps.context, ...(signal ? { signal } : {}) });
  }

  /** True when the instance sends through the console provider (the dev outbox is kept). */
  get usesConsole(): boolean {
    return this.deps.instance.providers.some((p) => p.type === 'console');
  }

  static view(routing: SmsRouting) {
    return { ...routingToJson(routing), providers: routing.providers.map((p) => ({ ...maskSecrets(p), settings: { ...maskSecrets(p).settings } })) };
  }

  #resolve(own: SmsRouting | null, serviceId: string, name: string): RouteCandidate | null {
    const mine = own?.providers.find((p) => p.name === name);
    if (mine) return { key: `${serviceId}:${name}`, definition: mine };
    const shared = this.deps.instance.providers.find((p) => p.name === name);
    return shared ? { key: `instance:${name}`, definition: shared } : null;
  }

  /** The instance's provider names and their types, which a service's routes may name too. */
  #instanceNames(): Map<string, string> {
    return new Map(this.deps.instance.providers.map((p) => [p.name, p.type]));
  }
}

const sealId = (serviceId: string) => `sms-config:${serviceId}`;

/** The address of an `email_from` (`Name <address>` or an address); the display name of an email is the service's own name. */
function emailAddressOf(from: string | null): string | null {
  if (from === null) return null;
  return /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from.trim();
}
