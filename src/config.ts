import { isAbsolute, resolve } from 'node:path';
import { PROVIDER_TYPES, providerModule, SmsConfigError, validateDefinition } from './sms/provider-registry.js';
import { knownVariablesFrom, unknownVariablesIn } from './config.variables.js';
import { OTHER_CHANNELS, parseRouting } from './sms/sms-routing.js';
import ipaddr from 'ipaddr.js';
import { toCidr } from './webhooks/destinations.js';
import type { OtherChannel, SmsRouting } from './sms/sms-routing.js';

/** The only reader of process.env. Parsed once, validated, frozen. */
export interface Config {
  /** OTPGATE_PORT, default 8080. */
  port: number;
  /** OTPGATE_HOST, default 127.0.0.1. */
  host: string;
  /** OTPGATE_DATA_DIR, default ./data (absolute after parsing). */
  dataDir: string;
  /** OTPGATE_DATABASE_URL, default sqlite:<dataDir>/otpgate.db; `postgres://…` selects PostgreSQL. */
  databaseUrl: string;
  /** Which store `databaseUrl` names. */
  store: 'sqlite' | 'postgres';
  /** OTPGATE_PG_POOL_MAX, default 10: PostgreSQL connections per process (plus half as many, at least 2, for rate-limit counters). */
  pgPoolMax: number;
  /** OTPGATE_ADMIN_KEY: an admin key to accept (stored hashed); else one is generated on first start. */
  adminKey: string | null;
  /** OTPGATE_SECRET: the server secret (≥ 32 bytes); else generated into <dataDir>/secret. */
  secret: string | null;
  /** OTPGATE_LOG_LEVEL, default info. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * The instance's SMS routing: OTPGATE_SMS_PROVIDER (comma-separated provider types, tried in
   * order; default console), each provider's OTPGATE_<TYPE>_<SETTING> variables,
   * OTPGATE_SMS_COUNTRY_ROUTES, OTPGATE_SMS_SENDER_ID, OTPGATE_SMS_COUNTRY_SENDER_IDS and
   * OTPGATE_SMS_NUMERIC_SENDER.
   */
  sms: SmsRouting;
  /** OTPGATE_PUBLIC_URL: how vendors reach this server for delivery receipts; none by default (no receipts asked for). */
  publicUrl: string | null;
  /** OTPGATE_SMS_SEND_TIMEOUT_MS, default 10000: a provider call that takes longer counts as a retryable time-out. */
  smsSendTimeoutMs: number;
  /** OTPGATE_SMS_PROVIDER_TRIES, default 2: tries per provider in one round before failing over to the next. */
  smsProviderTries: number;
  /** OTPGATE_SMS_MAX_ROUNDS, default 5: rounds over the whole route (with backoff between) before a message fails. */
  smsMaxRounds: number;
  /** OTPGATE_SMS_BREAKER_THRESHOLD, default 5: consecutive failures that open a provider's circuit. */
  smsBreakerThreshold: number;
  /** OTPGATE_SMS_BREAKER_OPEN_MS, default 30000: how long an open circuit skips the provider. */
  smsBreakerOpenMs: number;
  /** OTPGATE_BODY_LIMIT_BYTES, default 16384. */
  bodyLimitBytes: number;
  /**
   * OTPGATE_TRUST_PROXY, default none: whose X-Forwarded-For to believe (rule T5). A number is how
   * many proxies stand in front of otpgate (the client is that many entries from the right); a
   * list is the proxies' addresses or CIDRs (entries they appended are believed, nothing else).
   * `true` is refused: it would believe the leftmost entry, which the client writes itself.
   */
  trustProxy: false | number | readonly string[];
  /** OTPGATE_SQLITE_SYNCHRONOUS, default normal (survives kill -9); full also survives power loss. */
  sqliteSynchronous: 'normal' | 'full';
  /** OTPGATE_SHUTDOWN_TIMEOUT_MS, default 10000: how long SIGTERM waits for requests and the outbox. */
  shutdownTimeoutMs: number;
  /** OTPGATE_WORKER_POLL_MS, default 1000: how often the delivery worker looks for due retries. */
  workerPollMs: number;
  /** OTPGATE_REDIS_URL: rate-limit counters in Redis (shared by all instances); null keeps them in the store. */
  redisUrl: string | null;
  /** OTPGATE_REDIS_FAILURE_MODE, default closed: Redis down → sends and checks answer 503; fallback counts in the store meanwhile. */
  redisFailureMode: 'closed' | 'fallback';
  /** OTPGATE_REDIS_KEY_PREFIX, default otpgate: lets several deployments share one Redis. */
  redisKeyPrefix: string;
  /** OTPGATE_WORKER_LEASE_MS, default 30000: how long a worker owns a message before another may take it over. */
  workerLeaseMs: number;
  /** OTPGATE_RETENTION_DAYS, default 30: verifications, messages, dev outbox, idempotency keys and events (with their webhook log) older than this, and prefix blocks that ended this long ago, are purged; 0 keeps everything. */
  retentionDays: number;
  /** OTPGATE_PURGE_INTERVAL_MS, default 3600000: how often the server runs the purge. */
  purgeIntervalMs: number;
  /** OTPGATE_HEADERS_TIMEOUT_MS, default 10000: a client must send its request headers within this (slowloris). */
  headersTimeoutMs: number;
  /** OTPGATE_REQUEST_TIMEOUT_MS, default 30000: a client must send its whole request within this. */
  requestTimeoutMs: number;
  /** OTPGATE_MAX_CONNECTIONS, default 2048: connections beyond this are answered 503 and closed. */
  maxConnections: number;
  /**
   * OTPGATE_MAX_CONNECTIONS_PER_ADDRESS, default 256: connections from one client address (an
   * IPv6 /64) beyond this are answered 503 and closed, so no one address takes the whole server.
   * Connections from trusted proxies (OTPGATE_TRUST_PROXY) count only in the total.
   */
  maxConnectionsPerAddress: number;
  /**
   * OTPGATE_WEBHOOK_RETRY_SCHEDULE, default `5s,5m,30m,2h,5h,10h,10h` (Standard Webhooks): the
   * waits between webhook attempts, in ms after parsing. Tests compress it (`200ms,200ms`).
   */
  webhookRetryScheduleMs: readonly number[];
  /** OTPGATE_WEBHOOK_TIMEOUT_MS, default 15000: a receiver slower than this is a failed attempt. */
  webhookTimeoutMs: number;
  /**
   * OTPGATE_WEBHOOK_ALLOWED_NETWORKS, default none: comma-separated CIDRs or addresses that
   * webhooks may reach though they are not public (loopback, private, link-local, …). Without
   * it, webhooks go to public addresses only (server-side request forgery).
   */
  webhookAllowedNetworks: readonly string[];
  /** OTPGATE_EXPIRY_SWEEP_MS, default 5000: how often expired verifications are swept (and their events sent). */
  expirySweepMs: number;
  /** NODE_ENV is `production`: the console provider is then warned about at start. */
  production: boolean;
  /**
   * OTPGATE_* variables set in the environment that otpgate does not know, each with the known
   * name closest to it (null when none is close): a typo would otherwise leave a default in force
   * silently. The server and the CLI warn about each at start.
   */
  unknownVariables: ReadonlyArray<{ name: string; closest: string | null }>;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, detail: string) {
    super(`${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Every OTPGATE_* name loadConfig reads; filled as it reads them (see config.variables.ts). */
const readNames = new Set<string>();

function read(env: Env, name: string): string | undefined {
  readNames.add(name);
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be from ${min} to ${max}, got ${value}`);
  return value;
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `5s,5m,30m,2h` → [5000, 300000, 1800000, 7200000]. Each wait at most a day. */
function durations(env: Env, name: string, fallback: string): number[] {
  const raw = read(env, name) ?? fallback;
  const parts = raw.split(',').map((part) => part.trim());
  if (parts.length > 20) throw new ConfigError(name, `at most 20 waits, got ${parts.length}`);
  return parts.map((part) => {
    const match = /^(\d+)(ms|s|m|h)$/.exec(part);
    if (!match) throw new ConfigError(name, `must be a comma-separated list like 5s,5m,2h (units ms, s, m, h), got "${part}"`);
    const ms = Number(match[1]) * DURATION_UNITS_MS[match[2]!]!;
    if (ms > 86_400_000) throw new ConfigError(name, `a wait may be at most 24h, got "${part}"`);
    return ms;
  });
}

/** `10.0.0.0/8, 127.0.0.1` → ['10.0.0.0/8', '127.0.0.1/32']. */
function networks(env: Env, name: string, raw = read(env, name)): string[] {
  if (raw === undefined) return [];
  return raw.split(',').map((part) => part.trim()).filter(Boolean).map((part) => {
    try {
      return toCidr(part);
    } catch (error) {
      throw new ConfigError(name, `${(error as Error).message} (give CIDRs like 10.0.0.0/8 or addresses, comma-separated)`);
    }
  });
}

function trustProxy(env: Env): Config['trustProxy'] {
  const name = 'OTPGATE_TRUST_PROXY';
  const raw = read(env, name);
  if (raw === undefined || ['false', 'no', 'off', '0'].includes(raw.toLowerCase())) return false;
  if (['true', 'yes', 'on'].includes(raw.toLowerCase())) {
    throw new ConfigError(
      name,
      'true would believe the leftmost X-Forwarded-For address, which the client writes itself, so any caller could escape every ' +
        'per-address limit. Give the number of proxies in front of otpgate (1 behind one nginx or load balancer) or their addresses or ' +
        'CIDRs, comma-separated (e.g. 10.0.0.0/8,127.0.0.1)',
    );
  }
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops === 0) return false;
    if (hops > 10) throw new ConfigError(name, `must be from 1 to 10 proxies, got ${hops}`);
    return hops;
  }
  // Only dotted quads and IPv6: "1.5" is no hop count, and no address either (not 1.0.0.5).
  const list = raw.split(',').map((part) => part.trim()).filter(Boolean);
  for (const part of list) {
    const address = part.split('/')[0]!;
    if (!address.includes(':') && !/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) {
      throw new ConfigError(name, `"${part}" is neither a number of proxies (1 to 10) nor an address or CIDR like 10.0.0.0/8`);
    }
  }
  // IPv4-mapped IPv6 ranges are IPv4 ranges: a peer is compared in one spelling everywhere.
  const cidrs = networks(env, name, raw).map(unmapCidr);
  // Proxies are a few addresses of your own: a range this wide trusts strangers, as true would.
  let ipv4Addresses = 0;
  for (const cidr of cidrs) {
    const bits = Number(cidr.split('/')[1]);
    const ipv6 = cidr.includes(':');
    if (ipv6 ? bits < 32 && !PRIVATE_IPV6.some((range) => ipaddr.parse(cidr.split('/')[0]!).match(ipaddr.parseCIDR(range))) : bits < 8) {
      throw new ConfigError(name, `${cidr} trusts every peer in a range that wide (at least /8 for IPv4, /32 for public IPv6): give the number of proxies or their own addresses`);
    }
    // An IPv6 range holding the IPv4-mapped block (::ffff:0:0/96) trusts every IPv4 peer.
    if (ipv6 && bits <= 96 && ipaddr.parse('::ffff:0.0.0.0').match(ipaddr.parseCIDR(cidr))) {
      throw new ConfigError(name, `${cidr} holds every IPv4-mapped address, so it trusts every IPv4 peer: give the number of proxies or their own addresses`);
    }
    if (!ipv6) ipv4Addresses += 2 ** (32 - bits);
  }
  if (ipv4Addresses > 2 ** 26) throw new ConfigError(name, 'these ranges hold more IPv4 addresses than any set of proxies (over 2^26): give the number of proxies or their own addresses');
  return Object.freeze(cidrs);
}

/** Unique-local, link-local and loopback IPv6: private to your network, however wide. */
const PRIVATE_IPV6 = ['fc00::/7', 'fe80::/10', '::1/128'];

/** `::ffff:a.b.c.d/n` (n ≥ 96) → `a.b.c.d/(n - 96)`; anything else as it is. */
function unmapCidr(cidr: string): string {
  const [network, bits] = ipaddr.parseCIDR(cidr);
  if (network.kind() !== 'ipv6' || !(network as ipaddr.IPv6).isIPv4MappedAddress() || bits < 96) return cidr;
  return `${(network as ipaddr.IPv6).toIPv4Address().toString()}/${bits - 96}`;
}

export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Readonly<Config> {
  const dataDirRaw = read(env, 'OTPGATE_DATA_DIR') ?? './data';
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw);

  const databaseUrl = read(env, 'OTPGATE_DATABASE_URL') ?? `sqlite:${resolve(dataDir, 'otpgate.db')}`;
  const store = storeOf(databaseUrl);

  const adminKey = read(env, 'OTPGATE_ADMIN_KEY') ?? null;
  if (adminKey !== null) {
    if (adminKey.length < 24 || adminKey.length > 200) throw new ConfigError('OTPGATE_ADMIN_KEY', 'must be 24 to 200 characters (use `openssl rand -base64 32`)');
    // What `Authorization: Bearer` can carry (RFC 6750's b64token), so the key it registers can be sent.
    if (!/^[A-Za-z0-9._~+/-]+=*$/.test(adminKey)) {
      throw new ConfigError('OTPGATE_ADMIN_KEY', 'may hold only A-Z a-z 0-9 . _ ~ + / - (and = at the end): no spaces, quotes or other characters (use `openssl rand -base64 32`)');
    }
    if (/^og_(live|test)_/.test(adminKey)) throw new ConfigError('OTPGATE_ADMIN_KEY', 'holds a service key (og_live_… / og_test_…); an admin key needs a value of its own (use `openssl rand -base64 32`)');
    // A rough floor on guessability: length × log2(distinct characters). A random key of 24
    // base64 characters scores about 100; 24 dashes, or "A" and 23 "=", score under 30.
    if (adminKey.length * Math.log2(new Set(adminKey).size) < 96) {
      throw new ConfigError('OTPGATE_ADMIN_KEY', 'is too easy to guess (too few different characters for its length); use a random value: `openssl rand -base64 32`');
    }
  }
  const secret = read(env, 'OTPGATE_SECRET') ?? null;
  // The example manifests' values (deploy/kubernetes/secret.yaml) are public: never run with them.
  for (const name of ['OTPGATE_SECRET', 'OTPGATE_DATABASE_URL']) {
    if (/REPLACE-ME/.test(read(env, name) ?? '')) throw new ConfigError(name, 'holds a REPLACE-ME placeholder from the example manifests; set a real value (openssl rand -base64 48 for a secret)');
  }
  if (secret !== null && Buffer.byteLength(secret) < 32) {
    throw new ConfigError('OTPGATE_SECRET', 'must be at least 32 characters (use `openssl rand -base64 48`)');
  }
  const redisUrl = read(env, 'OTPGATE_REDIS_URL') ?? null;
  if (redisUrl !== null && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) {
    throw new ConfigError('OTPGATE_REDIS_URL', 'must be redis://host:port[/db] or rediss://…');
  }
  const redisKeyPrefix = read(env, 'OTPGATE_REDIS_KEY_PREFIX') ?? 'otpgate';
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(redisKeyPrefix)) {
    throw new ConfigError('OTPGATE_REDIS_KEY_PREFIX', 'must be 1–64 of A-Z a-z 0-9 : _ . -');
  }
  if (secret === null && store === 'postgres') {
    // A secret generated into one machine's data dir would make every other instance reject its codes.
    throw new ConfigError('OTPGATE_SECRET', 'is required with PostgreSQL: every instance must share the same secret (use `openssl rand -base64 48`)');
  }
  const host = read(env, 'OTPGATE_HOST') ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host)) throw new ConfigError('OTPGATE_HOST', `is not a host name or address: "${host}"`);

  const headersTimeoutMs = int(env, 'OTPGATE_HEADERS_TIMEOUT_MS', 10_000, 500, 600_000);
  const requestTimeoutMs = int(env, 'OTPGATE_REQUEST_TIMEOUT_MS', 30_000, 1000, 600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError('OTPGATE_HEADERS_TIMEOUT_MS', `must not exceed OTPGATE_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`);
  }

  return Object.freeze({
    port: int(env, 'OTPGATE_PORT', 8080, 0, 65535),
    host,
    dataDir,
    databaseUrl,
    store,
    pgPoolMax: int(env, 'OTPGATE_PG_POOL_MAX', 10, 1, 1000),
    adminKey,
    secret,
    logLevel: oneOf(env, 'OTPGATE_LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    sms: smsRouting(env),
    publicUrl: publicUrl(env),
    smsSendTimeoutMs: int(env, 'OTPGATE_SMS_SEND_TIMEOUT_MS', 10_000, 100, 120_000),
    smsProviderTries: int(env, 'OTPGATE_SMS_PROVIDER_TRIES', 2, 1, 10),
    smsMaxRounds: int(env, 'OTPGATE_SMS_MAX_ROUNDS', 5, 1, 20),
    smsBreakerThreshold: int(env, 'OTPGATE_SMS_BREAKER_THRESHOLD', 5, 1, 1000),
    smsBreakerOpenMs: int(env, 'OTPGATE_SMS_BREAKER_OPEN_MS', 30_000, 100, 3_600_000),
    bodyLimitBytes: int(env, 'OTPGATE_BODY_LIMIT_BYTES', 16_384, 1024, 1_048_576),
    trustProxy: trustProxy(env),
    sqliteSynchronous: oneOf(env, 'OTPGATE_SQLITE_SYNCHRONOUS', 'normal', ['normal', 'full'] as const),
    shutdownTimeoutMs: int(env, 'OTPGATE_SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    workerPollMs: int(env, 'OTPGATE_WORKER_POLL_MS', 1000, 10, 60_000),
    redisUrl,
    redisFailureMode: oneOf(env, 'OTPGATE_REDIS_FAILURE_MODE', 'closed', ['closed', 'fallback'] as const),
    redisKeyPrefix,
    workerLeaseMs: int(env, 'OTPGATE_WORKER_LEASE_MS', 30_000, 1000, 3_600_000),
    headersTimeoutMs,
    requestTimeoutMs,
    maxConnections: int(env, 'OTPGATE_MAX_CONNECTIONS', 2048, 1, 1_000_000),
    maxConnectionsPerAddress: int(env, 'OTPGATE_MAX_CONNECTIONS_PER_ADDRESS', 256, 1, 1_000_000),
    retentionDays: int(env, 'OTPGATE_RETENTION_DAYS', 30, 0, 36_500),
    purgeIntervalMs: int(env, 'OTPGATE_PURGE_INTERVAL_MS', 3_600_000, 1000, 86_400_000),
    webhookRetryScheduleMs: Object.freeze(durations(env, 'OTPGATE_WEBHOOK_RETRY_SCHEDULE', '5s,5m,30m,2h,5h,10h,10h')),
    webhookTimeoutMs: int(env, 'OTPGATE_WEBHOOK_TIMEOUT_MS', 15_000, 100, 120_000),
    webhookAllowedNetworks: Object.freeze(networks(env, 'OTPGATE_WEBHOOK_ALLOWED_NETWORKS')),
    expirySweepMs: int(env, 'OTPGATE_EXPIRY_SWEEP_MS', 5000, 100, 3_600_000),
    production: env.NODE_ENV === 'production',
    unknownVariables: Object.freeze(unknownVariablesIn(env, readNames)),
  });
}

function publicUrl(env: Env): string | null {
  const raw = read(env, 'OTPGATE_PUBLIC_URL');
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('OTPGATE_PUBLIC_URL', `is not a URL: "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('OTPGATE_PUBLIC_URL', 'must be an http(s) URL');
  return raw.replace(/\/+$/, '');
}

/** `DE=kannel,twilio;FR=twilio` → { DE: [...], FR: [...] }. */
function keyedList(env: Env, name: string): Record<string, string> {
  const raw = read(env, name);
  if (raw === undefined) return {};
  const out: Record<string, string> = {};
  for (const part of raw.split(';').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigError(name, `expected COUNTRY=value pairs separated by ";", got "${part}"`);
    out[part.slice(0, eq).trim().toUpperCase()] = part.slice(eq + 1).trim();
  }
  return out;
}

const ROUTING_ENV: Record<string, string> = {
  route: 'OTPGATE_SMS_PROVIDER',
  country_routes: 'OTPGATE_SMS_COUNTRY_ROUTES',
  sender_id: 'OTPGATE_SMS_SENDER_ID',
  country_sender_ids: 'OTPGATE_SMS_COUNTRY_SENDER_IDS',
  numeric_sender: 'OTPGATE_SMS_NUMERIC_SENDER',
  email_from: 'OTPGATE_EMAIL_FROM',
};

/** The variable naming each channel's providers; those of another channel default to the console provider while SMS uses it (the zero-set-up path), else to none. */
const CHANNEL_PROVIDER_ENV: Readonly<Record<OtherChannel, string>> = {
  whatsapp: 'OTPGATE_WHATSAPP_PROVIDER',
  call: 'OTPGATE_CALL_PROVIDER',
  email: 'OTPGATE_EMAIL_PROVIDER',
};

function providerList(env: Env, name: string, fallback: string): string[] {
  return (read(env, name) ?? fallback).split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
}

function smsRouting(env: Env): SmsRouting {
  const types = providerList(env, 'OTPGATE_SMS_PROVIDER', 'console');
  const consoleOnly = types.length === 1 && types[0] === 'console';
  const channelTypes = Object.fromEntries(OTHER_CHANNELS.map((c) => [c, providerList(env, CHANNEL_PROVIDER_ENV[c], consoleOnly ? 'console' : '')]));
  const variableOf = (type: string) =>
    types.includes(type) ? 'OTPGATE_SMS_PROVIDER' : CHANNEL_PROVIDER_ENV[OTHER_CHANNELS.find((c) => channelTypes[c]!.includes(type))!];
  try {
    const providers = [...new Set([...types, ...Object.values(channelTypes).flat()])].map((type) => {
      const module = providerModule(type);
      if (!module) throw new ConfigError(variableOf(type), `unknown provider "${type}" (one of ${PROVIDER_TYPES.join(', ')})`);
      const envName = (key: string) => `OTPGATE_${type.toUpperCase()}_${key.toUpperCase()}`;
      const settings: Record<string, string> = {};
      for (const field of module.fields) {
        const value = read(env, envName(field.key));
        if (value !== undefined) settings[field.key] = value;
      }
      return validateDefinition({ name: type, type, settings }, (key) => (key === 'name' || key === 'type' ? variableOf(type) : envName(key)));
    });
    const countryRoutes = Object.fromEntries(
      Object.entries(keyedList(env, 'OTPGATE_SMS_COUNTRY_ROUTES')).map(([c, list]) => [c, list.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean)]),
    );
    return parseRouting({
      providers: providers.map((p) => ({ name: p.name, type: p.type, settings: { ...p.settings } })),
      route: types,
      country_routes: countryRoutes,
      channel_routes: Object.fromEntries(OTHER_CHANNELS.filter((c) => channelTypes[c]!.length > 0).map((c) => [c, channelTypes[c]!])),
      email_from: read(env, 'OTPGATE_EMAIL_FROM') ?? null,
      sender_id: read(env, 'OTPGATE_SMS_SENDER_ID') ?? null,
      country_sender_ids: keyedList(env, 'OTPGATE_SMS_COUNTRY_SENDER_IDS'),
      numeric_sender: read(env, 'OTPGATE_SMS_NUMERIC_SENDER') ?? null,
    });
  } catch (error) {
    if (error instanceof SmsConfigError) {
      const channel = /^channel_routes\.([a-z]+)/.exec(error.path)?.[1] as OtherChannel | undefined;
      const variable = error.path.startsWith('OTPGATE_') ? error.path : channel ? CHANNEL_PROVIDER_ENV[channel] : (ROUTING_ENV[error.path.split(/[.[]/)[0]!] ?? 'OTPGATE_SMS_PROVIDER');
      throw new ConfigError(variable, error.message.startsWith(`${variable}: `) ? error.message.slice(variable.length + 2) : error.message);
    }
    throw error;
  }
}

function storeOf(databaseUrl: string): Config['store'] {
  if (databaseUrl.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    let url: URL;
    try {
      url = new URL(databaseUrl);
    } catch {
      throw new ConfigError('OTPGATE_DATABASE_URL', 'is not a valid postgres:// URL');
    }
    if (!url.hostname && !url.searchParams.get('host')) throw new ConfigError('OTPGATE_DATABASE_URL', 'names no host (postgres://user:password@host:5432/database)');
    if (url.pathname.length <= 1) throw new ConfigError('OTPGATE_DATABASE_URL', 'names no database (postgres://user:password@host:5432/database)');
    return 'postgres';
  }
  throw new ConfigError('OTPGATE_DATABASE_URL', 'must be sqlite:<path>, sqlite::memory: or postgres://user:password@host:5432/database');
}

/** The database URL with its password hidden, for logs and CLI output. */
export function redactDatabaseUrl(databaseUrl: string): string {
  return databaseUrl.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** The SQLite file path of a `sqlite:` URL. */
export function sqlitePath(databaseUrl: string): string {
  return databaseUrl.slice('sqlite:'.length);
}

/** Every OTPGATE_* name otpgate knows: what loadConfig reads, and every provider's settings, configured or not. */
export function knownVariables(): string[] {
  return knownVariablesFrom(readNames);
}
