import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { AppError } from './errors.js';
import { newId } from './ids.js';
import type { ApiKeyKind, ApiKeyMode, ApiKeyRecord, ApiKeyScheme, ApiKeySource, Page, ServiceRecord, Tenant } from './model.js';
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
    // A bearer key never holds ':' (Basic credentials are stored as `sid:secret`): by construction
    // no Basic credential is accepted as a bearer key, nor a bearer key as Basic.
    if (secret === undefined || secret.length < 16 || secret.length > 200 || secret.includes(':')) throw unauthorized();
    return this.#principal(secret, 'bearer');
  }

  /**
   * The principal behind HTTP Basic credentials. The pair must have been issued as Basic
   * credentials (its SID is the stored prefix), so a bearer key cannot be replayed as Basic.
   */
  async authenticateBasic(username: string, password: string): Promise<Principal> {
    if (!/^(AC|SK)[0-9a-f]{32}$/.test(username) || password.length === 0 || password.length > 128) throw unauthorized();
    const principal = await this.#principal(`${username}:${password}`, 'basic');
    if (principal.key.prefix !== username) throw unauthorized();
    return principal;
  }

  async #principal(presented: string, scheme: ApiKeyScheme): Promise<Principal> {
    const keyHash = hashKey(presented);
    let principal = this.#cache.get(keyHash);
    if (principal === undefined) {
      principal = (await this.#lookup(keyHash)) ?? false;
      this.#cache.set(keyHash, principal);
    }
    if (principal === false || principal.key.scheme !== scheme) throw unauthorized();
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

  async createKey(kind: ApiKeyKind, serviceId: string | null, options: KeyOptions = {}): Promise<IssuedKey> {
    const { name = null, secret, mode = 'live', source = 'issued' } = options;
    if (kind === 'service') await this.getService(serviceId ?? '');
    if (kind === 'admin' && mode !== 'live') throw new AppError('invalid_request', 'Admin keys have no test mode.');
    assertPrintableName(name);
    const prefix = mode === 'test' ? TEST_KEY_PREFIX : KEY_PREFIX[kind];
    const value = secret ?? `${prefix}${this.#random.bytes(24).toString('base64url')}`;
    const record: ApiKeyRecord = {
      id: newId('key', this.#clock, this.#random),
      kind,
      serviceId: kind === 'service' ? serviceId : null,
      keyHash: hashKey(value),
      // Ours: the fixed prefix and 4 random characters. A key of the operator's own: 4 characters.
      prefix: value.slice(0, secret === undefined ? prefix.length + 4 : 4),
      mode,
      source: kind === 'admin' ? source : 'issued',
      scheme: 'bearer',
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
      source: 'issued',
      scheme: 'basic',
      createdAt: this.#clock.now(),
      revokedAt: null,
    };
    await this.#store.createApiKey(record);
    return { record, sid, secret, accountSid };
  }

  async listKeys(serviceId: string): Promise<ApiKeyRecord[]> {
    await this.getService(serviceId);
    return this.#store.listApiKeys(serviceId);
  }

  /** Revokes a service key or Basic credential at once (other instances within the key cache's 5 s); returns it as revoked. */
  async revokeKey(serviceId: string, keyId: string): Promise<ApiKeyRecord> {
    const revoked = await this.#store.revokeApiKey(keyId, serviceId, this.#clock.now());
    if (revoked === null) throw new AppError('not_found', `No active key ${keyId} in service ${serviceId}.`);
    this.#cache.clear();
    return revoked;
  }

  /** Admin keys, revoked ones included, oldest first. */
  listAdminKeys(): Promise<ApiKeyRecord[]> {
    return this.#store.listApiKeys(null);
  }

  /**
   * Revokes an admin key at once (other instances within the key cache's 5 s). The last active
   * one is kept (`409 last_admin_key`): create another first. Should every key be lost,
   * `otpgate admin-keys create` on the server makes a new one.
   */
  async revokeAdminKey(id: string): Promise<ApiKeyRecord> {
    const revoked = await this.#store.revokeAdminKey(id, this.#clock.now());
    if (revoked === null) throw new AppError('not_found', `No active admin key ${id}.`);
    if (revoked === 'last') {
      throw new AppError('last_admin_key', 'This is the last active admin key; create another (POST /v1/admin-keys) before revoking it.');
    }
    this.#cache.clear();
    return revoked;
  }

  /**
   * Once serving (see settleAdminKeys in main.ts): the admin key OTPGATE_ADMIN_KEY holds is
   * registered (hashed) (rule T7). A value that is already some other key (a service key, an
   * admin key made at first start or through the API) stops the start. A configured key that was
   * revoked through the API stays revoked.
   */
  async registerConfiguredAdminKey(configured: string | null): Promise<AdminKeyRegistration> {
    if (configured === null) return { registered: null, configuredWasRevoked: false };
    const hash = hashKey(configured);
    let existing = await this.#store.findApiKeyByHash(hash);
    if (existing?.revokedAt != null) return { registered: null, configuredWasRevoked: true };
    if (!existing) {
      try {
        return { registered: (await this.createKey('admin', null, { name: 'OTPGATE_ADMIN_KEY', secret: configured, source: 'env' })).record, configuredWasRevoked: false };
      } catch (error) {
        // Instances starting together on one database race here; the loser finds the winner's row.
        existing = await this.#store.findApiKeyByHash(hash);
        if (!existing) throw error;
      }
    }
    // Only a key the variable itself registered: a value already issued or generated would
    // otherwise live on after the variable moves on, since only its own keys are retired.
    if (existing.kind !== 'admin' || existing.scheme !== 'bearer' || existing.source !== 'env') {
      const what = existing.kind === 'admin' ? `admin key made ${existing.source === 'generated' ? 'at first start' : 'through the API or the CLI'}` : `${existing.kind} key`;
      throw new AppError('invalid_request', `OTPGATE_ADMIN_KEY holds the value of an existing ${what} (${existing.id}); give it a value of its own (openssl rand -base64 32)`);
    }
    return { registered: null, configuredWasRevoked: false };
  }

  /**
   * Once serving: the keys OTPGATE_ADMIN_KEY held before are revoked, so a key works only while
   * the variable holds it (T7); with no variable, every key it once held. Not before listening:
   * a start that fails (a port in use, a laptop pointed at the wrong database) changes nothing.
   * Nor when the configured key was revoked through the API: this process may be a stale
   * instance of a rolling update, and must not revoke the key the new ones hold.
   */
  async retireEnvAdminKeys(configured: string | null): Promise<string[]> {
    const keep = configured === null ? null : hashKey(configured);
    if (keep !== null && (await this.#store.findApiKeyByHash(keep))?.revokedAt != null) return [];
    const revoked = await this.#store.revokeEnvAdminKeys(keep, this.#clock.now());
    if (revoked.length > 0) this.#cache.clear();
    return revoked;
  }

  /**
   * First start: when no admin key is active, generates one and returns it so the caller can
   * print it once. Call once the server listens, so a start that fails cannot swallow the key.
   */
  async ensureAdminKey(): Promise<IssuedKey | null> {
    if ((await this.#store.countActiveAdminKeys()) > 0) return null;
    return this.createKey('admin', null, { name: 'first start', source: 'generated' });
  }
}

export interface KeyOptions {
  /** A label. Default none. */
  name?: string | null;
  /** `test` for a test-mode service key. Default `live`. */
  mode?: ApiKeyMode;
  /** The key itself; default a fresh random one. */
  secret?: string;
  /** Where an admin key came from. Default `issued`. */
  source?: ApiKeySource;
}

/** What the start-up registration of OTPGATE_ADMIN_KEY did. */
export interface AdminKeyRegistration {
  /** The key registered now (first start with this value), or null when it was already there. */
  registered: ApiKeyRecord | null;
  /** The configured key was revoked through the API: it does not work, and nothing else was changed. */
  configuredWasRevoked: boolean;
}

/**
 * Names are shown in lists and the audit log: 1–64 characters with something visible, and no
 * control, format or separator characters (NUL, bidi overrides, U+2028).
 */
function assertPrintableName(name: string | null): void {
  if (name === null) return;
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name)) throw new AppError('invalid_request', 'name must not hold control, format or line-separator characters.');
  if (name.trim() === '' || name.length > 64) throw new AppError('invalid_request', 'name must be 1 to 64 characters, not only spaces.');
}

function unauthorized(): AppError {
  return new AppError('unauthorized', 'Send a valid key as "Authorization: Bearer <key>".');
}
