import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { AppError } from './errors.js';
import { newId } from './ids.js';
import type { ApiKeyKind, ApiKeyMode, ApiKeyRecord, Page, ServiceRecord, Tenant } from './model.js';
import type { Clock, RandomSource, Store } from './ports.js';
import { tenantOf } from './scope.js';
import { applySettings, newSettings } from './service-settings.js';
import type { ServiceSettingsPatch } from './service-settings.js';

export interface Principal {
  key: ApiKeyRecord;
  /**
   * What a service key acts as: its service, in the key's mode. Null for admin keys. The only way
   * to reach tenant data, so every lookup a key makes carries its mode (T1).
   */
  tenant: Tenant | null;
}

export interface IssuedKey {
  record: ApiKeyRecord;
  /** The secret itself: shown once, never stored. */
  secret: string;
}

const KEY_PREFIX: Record<ApiKeyKind, string> = { admin: 'og_admin_', service: 'og_live_' };
const TEST_KEY_PREFIX = 'og_test_';

export function hashKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * HTTP Basic credentials in Twilio's shape, for the Twilio-compatible surface: an account
 * credential (`AC…` SID + auth token) or an API key (`SK…` SID + secret). Stored like every key:
 * the SHA-256 of `sid:secret`, with the SID as the visible prefix.
 */
export type BasicCredentialType = 'account' | 'api_key';

export interface IssuedBasicCredential {
  record: ApiKeyRecord;
  /** The username: `AC…` or `SK…`. */
  sid: string;
  /** The password: shown once, never stored. */
  secret: string;
  /** The account SID the credential acts as. */
  accountSid: string;
}

/**
 * The account SID of a service (or of the admin scope, `null`) in a mode: `AC` + 32 hex, derived
 * from the service id so it is stable without being stored. Test mode has its own account SID,
 * as Twilio's test credentials do. It is an identifier, not a secret.
 */
export function accountSidFor(serviceId: string | null, mode: ApiKeyMode = 'live'): string {
  const name = `otpgate-account:${serviceId ?? '*admin*'}${mode === 'test' ? ':test' : ''}`;
  return `AC${createHash('sha256').update(name).digest('hex').slice(0, 32)}`;
}

export interface TenancyServiceOptions {
  /**
   * How long an authenticated key and its service stay cached (ms). A revoked key or an
   * updated setting reaches other instances within this time; this instance sees it at once.
   * Default 5000.
   */
  cacheTtlMs?: number;
}

/** Services (tenants) and their keys; authentication of a bearer key. */
export class TenancyService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #cache: LRUCache<string, Principal | false>;

  constructor(store: Store, clock: Clock, random: RandomSource, options: TenancyServiceOptions = {}) {
    this.#store = store;
    this.#clock = clock;
    this.#random = random;
    this.#cache = new LRUCache({ max: 10_000, ttl: options.cacheTtlMs ?? 5000 });
  }

  /** The principal behind a bearer key, or an `unauthorized` error that says nothing more. */
  async authenticate(secret: string | undefined): Promise<Principal> {
    if (secret === undefined || secret.length < 16 || secret.length > 200) throw unauthorized();
    const keyHash = hashKey(secret);
    const cached = this.#cache.get(keyHash);
    if (cached !== undefined) {
      if (cached === false) throw unauthorized();
      return cached;
    }
    const principal = await this.#lookup(keyHash);
    this.#cache.set(keyHash, principal ?? false);
    if (!principal) throw unauthorized();
    return principal;
  }

  async #lookup(keyHash: string): Promise<Principal | null> {
    const key = await this.#store.findApiKeyByHash(keyHash);
    if (!key || key.revokedAt !== null) return null;
    if (key.kind === 'admin') return { key, tenant: null };
    const service = key.serviceId === null ? null : await this.#store.getService(key.serviceId);
    return service ? { key, tenant: tenantOf(service, key.mode) } : null;
  }

  async createService(input: ServiceSettingsPatch & { name: string }): Promise<ServiceRecord> {
    const now = this.#clock.now();
    const service: ServiceRecord = {
      id: newId('svc', this.#clock, this.#random),
      settings: newSettings(input),
      createdAt: now,
      updatedAt: now,
    };
    await this.#store.createService(service);
    return service;
  }

  async getService(id: string): Promise<ServiceRecord> {
    const service = await this.#store.getService(id);
    if (!service) throw new AppError('not_found', `No service ${id}.`);
    return service;
  }

  listServices(cursor: string | undefined, limit: number): Promise<Page<ServiceRecord>> {
    return this.#store.listServices({ cursor, limit });
  }

  async updateService(id: string, patch: ServiceSettingsPatch): Promise<ServiceRecord> {
    const current = await this.getService(id);
    const settings = applySettings(current.settings, patch);
    const updated = await this.#store.updateServiceSettings(id, settings, this.#clock.now());
    if (!updated) throw new AppError('not_found', `No service ${id}.`);
    this.#cache.clear();
    return updated;
  }

  async deleteService(id: string): Promise<void> {
    if (!(await this.#store.deleteService(id))) throw new AppError('not_found', `No service ${id}.`);
    this.#cache.clear();
  }

  async createKey(kind: ApiKeyKind, serviceId: string | null, name: string | null, secret?: string, mode: ApiKeyMode = 'live'): Promise<IssuedKey> {
    if (kind === 'service') await this.getService(serviceId ?? '');
    if (kind === 'admin' && mode !== 'live') throw new AppError('invalid_request', 'Admin keys have no test mode.');
    const prefix = mode === 'test' ? TEST_KEY_PREFIX : KEY_PREFIX[kind];
    const value = secret ?? `${prefix}${this.#random.bytes(24).toString('base64url')}`;
    const record: ApiKeyRecord = {
      id: newId('key', this.#clock, this.#random),
      kind,
      serviceId: kind === 'service' ? serviceId : null,
      keyHash: hashKey(value),
      prefix: value.slice(0, prefix.length + 4),
      mode,
      name,
      createdAt: this.#clock.now(),
      revokedAt: null,
    };
    await this.#store.createApiKey(record);
    return { record, secret: value };
  }

  /**
   * Issues Basic credentials for a service, or admin-level ones when `serviceId` is null. Test-mode
   * credentials act in the service's test world, as a test-mode bearer key does.
   */
  async issueBasicCredential(serviceId: string | null, type: BasicCredentialType, mode: ApiKeyMode = 'live'): Promise<IssuedBasicCredential> {
    if (serviceId !== null) await this.getService(serviceId);
    if (serviceId === null && mode !== 'live') throw new AppError('invalid_request', 'Admin-level credentials have no test mode.');
    const accountSid = accountSidFor(serviceId, mode);
    const sid = type === 'account' ? accountSid : `SK${this.#random.bytes(16).toString('hex')}`;
    // 32 hex characters, the shape of a Twilio auth token: 128 bits from the CSPRNG.
    const secret = this.#random.bytes(16).toString('hex');
    const record: ApiKeyRecord = {
      id: newId('key', this.#clock, this.#random),
      kind: serviceId === null ? 'admin' : 'service',
      serviceId,
      keyHash: hashKey(`${sid}:${secret}`),
      prefix: sid,
      name: type === 'account' ? 'basic: account token' : 'basic: api key',
      mode,
      createdAt: this.#clock.now(),
      revokedAt: null,
    };
    await this.#store.createApiKey(record);
    return { record, sid, secret, accountSid };
  }

  /**
   * The principal behind HTTP Basic credentials. The pair must have been issued as Basic
   * credentials (its SID is the stored prefix), so a bearer key cannot be replayed as Basic.
   */
  async authenticateBasic(username: string, password: string): Promise<Principal> {
    if (!/^(AC|SK)[0-9a-f]{32}$/.test(username) || password.length === 0 || password.length > 128) throw unauthorized();
    const principal = await this.authenticate(`${username}:${password}`);
    if (principal.key.prefix !== username) throw unauthorized();
    return principal;
  }

  async listKeys(serviceId: string): Promise<ApiKeyRecord[]> {
    await this.getService(serviceId);
    return this.#store.listApiKeys(serviceId);
  }

  async revokeKey(serviceId: string, keyId: string): Promise<void> {
    if (!(await this.#store.revokeApiKey(keyId, serviceId, this.#clock.now()))) {
      throw new AppError('not_found', `No active key ${keyId} in service ${serviceId}.`);
    }
    this.#cache.clear();
  }

  /**
   * First start: makes sure an admin key exists. `OTPGATE_ADMIN_KEY` is registered (hashed)
   * when given; otherwise, if no admin key exists yet, one is generated and returned so the
   * caller can print it once.
   */
  async bootstrapAdminKey(configured: string | null): Promise<IssuedKey | null> {
    if (configured !== null) {
      const existing = await this.#store.findApiKeyByHash(hashKey(configured));
      if (existing) return null;
      try {
        await this.createKey('admin', null, 'OTPGATE_ADMIN_KEY', configured);
      } catch (error) {
        // Instances starting together on one database race here; the loser finds the winner's row.
        if (!(await this.#store.findApiKeyByHash(hashKey(configured)))) throw error;
      }
      return null;
    }
    if ((await this.#store.countActiveAdminKeys()) > 0) return null;
    return this.createKey('admin', null, 'bootstrap');
  }
}

function unauthorized(): AppError {
  return new AppError('unauthorized', 'Send a valid key as "Authorization: Bearer <key>".');
}
