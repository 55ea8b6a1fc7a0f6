import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { sqlitePath } from './config.js';
import { preparePrivateDatabase } from './store/sqlite/private-files.js';
import { AbuseGuard } from './core/abuse.guard.js';
import { CodeVault } from './core/code-vault.js';
import type { Clock, RandomSource, RateLimiter, MessageSender, Store } from './core/ports.js';
import { cryptoRandom, systemClock } from './core/random.js';
import { EventService } from './core/event.service.js';
import { EventFactory } from './core/events.js';
import { AttemptsService } from './core/attempts.service.js';
import { RateLimitService } from './core/rate-limits.service.js';
import { TenancyService } from './core/tenancy.service.js';
import { AuditService } from './core/audit.js';
import { VerificationService } from './core/verification.service.js';
import { WebhookService } from './core/webhook.service.js';
import { ExpirySweeper } from './delivery/expiry-sweeper.js';
import { ChannelFallback } from './delivery/channel-fallback.js';
import type { ExpirySweeperOptions } from './delivery/expiry-sweeper.js';
import { Instance } from './delivery/instance.js';
import { OutboxWorker } from './delivery/outbox-worker.js';
import type { OutboxWorkerOptions } from './delivery/outbox-worker.js';
import { limiterBuckets } from './limits/bucket.limiter.js';
import { createSqliteLimiter } from './limits/sqlite.limiter.js';
import { createAbuseEvents } from './observability/abuse-events.js';
import { WebhookDestinations } from './webhooks/destinations.js';
import { WebhookWorker } from './webhooks/webhook-worker.js';
import type { WebhookWorkerOptions } from './webhooks/webhook-worker.js';
import { createLogger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import type { Metrics } from './observability/metrics.js';
import { MessageStatusTracker } from './delivery/message-status.js';
import { ReceiptService } from './delivery/receipts.service.js';
import { CircuitBreakers } from './sms/circuit-breaker.js';
import { SmppConnections } from './sms/smpp/smpp-connections.js';
import { closeSmtpTransports } from './sms/providers/smtp.provider.js';
import { SmsRouter } from './sms/sms-router.js';
import { TemplateService } from './sms/template.service.js';
import { RetentionJob } from './maintenance/retention.job.js';
import { StatsService } from './core/stats.service.js';
import { Gauge } from 'prom-client';
import { SqliteStore } from './store/sqlite/sqlite.store.js';

export interface Container {
  config: Readonly<Config>;
  logger: Logger;
  clock: Clock;
  store: Store;
  metrics: Metrics;
  vault: CodeVault;
  tenancy: TenancyService;
  /** The audit log of configuration and access changes (rule T7). */
  audit: AuditService;
  verifications: VerificationService;
  router: SmsRouter;
  /** Where message status changes (worker outcomes and receipts); subscribe with `onChange`. */
  messageStatus: MessageStatusTracker;
  receipts: ReceiptService;
  templates: TemplateService;
  attempts: AttemptsService;
  /** The providers' circuit breakers (the console's Delivery page). */
  breakers: CircuitBreakers;
  /** Statistics from the store's counters (`GET /v1/services/{id}/stats`, the console). */
  stats: StatsService;
  rateLimits: RateLimitService;
  worker: OutboxWorker;
  limiter: RateLimiter;
  guard: AbuseGuard;
  retention: RetentionJob;
  /** Reading events, and `publish(serviceId, type, data)` for events no store write carries. */
  events: EventService;
  webhooks: WebhookService;
  webhookWorker: WebhookWorker;
  expirySweeper: ExpirySweeper;
  /** The services' fallback orders at work (see ChannelFallback). */
  fallback: ChannelFallback;
  /** This process as an instance: the owner of its workers' leases, with its liveness record. */
  instance: Instance;
  /**
   * Registers this process as an instance (taking over the leases of dead predecessors on this
   * host) and starts the background work: SMS outbox, webhooks, expiry sweep, retention purge.
   */
  startWorkers(): Promise<void>;
  /** True when the dev outbox (`GET /v1/outbox`) holds what was "sent". */
  devOutbox: boolean;
  close(): Promise<void>;
}

export interface ContainerOverrides {
  clock?: Clock;
  random?: RandomSource;
  logger?: Logger;
  /** Replaces the instance's providers with this one sender (tests, embedding). */
  sender?: (store: Store, logger: Logger) => MessageSender;
  /** HTTP client for vendor calls. Default global fetch. */
  fetch?: typeof fetch;
  worker?: OutboxWorkerOptions;
  /** Replaces the limiter that config selects (unit tests pass the memory one). */
  limiter?: RateLimiter;
  webhookWorker?: WebhookWorkerOptions;
  expirySweeper?: ExpirySweeperOptions;
  /** Prometheus process metrics; tests turn them off. Default true. */
  defaultMetrics?: boolean;
}

/** The composition root: config → adapters → services. Nothing else wires things together. */
export async function createContainer(config: Readonly<Config>, overrides: ContainerOverrides = {}): Promise<Container> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const random = overrides.random ?? cryptoRandom;
  const secret = loadOrCreateSecret(config, logger);
  const vault = new CodeVault(secret, random);
  const { store, storeLimiter: createStoreLimiter } = await createStore(config, vault, logger);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }

  const metrics = createMetrics({ defaultMetrics: overrides.defaultMetrics ?? true });
  const fixed = overrides.sender ? overrides.sender(store, logger) : null;
  const instance = fixed
    ? {
      ...config.sms,
      providers: [{ name: fixed.name, type: 'console', settings: {} }],
      route: [fixed.name],
      countryRoutes: {},
      channelRoutes: { whatsapp: [fixed.name], call: [fixed.name], email: [fixed.name] },
    }
    : config.sms;
  const eventFactory = new EventFactory(clock, random);
  // Late-bound: the services that write events nudge the webhook worker, which needs them first.
  // Woken only when an event write queued a delivery: with no endpoint, an event costs no claim.
  const onEventsWritten = () => {
    if (store.takeQueuedDeliveries()) webhookWorker.notify();
  };
  const events = new EventService({ store, events: eventFactory, onEventsWritten });
  // The fallback order needs the abuse guard, made further down; sends and receipts reach it through this.
  let fallback: ChannelFallback | null = null;
  const messageStatus = new MessageStatusTracker({
    store, metrics, logger, events: eventFactory, onEventsWritten,
    onNotDelivered: async (message, status) => fallback?.afterReceipt(message, status),
  });
  // Receipts over SMPP binds arrive outside any request; they go to the same receipt service.
  let receipts: ReceiptService | null = null;
  const smpp = new SmppConnections({
    logger,
    onReceipt: (provider, outcome) => {
      receipts?.fromConnection(provider, outcome).catch((error: unknown) => logger.error({ err: error, provider }, 'smpp receipt failed'));
    },
  });
  const router = new SmsRouter({
    instance,
    store,
    vault,
    clock,
    context: { fetch: overrides.fetch ?? globalThis.fetch, logger, clock, random, devOutbox: store, smpp },
    ...(fixed ? { fixedSenders: new Map([[fixed.name, fixed]]) } : {}),
  });
  const receiptService = new ReceiptService(store, router, messageStatus, clock, logger);
  receipts = receiptService;
  const breakers = new CircuitBreakers(clock, { failureThreshold: config.smsBreakerThreshold, openMs: config.smsBreakerOpenMs });
  new Gauge({
    name: 'otpgate_sms_breaker_open',
    help: "1 while a provider's circuit breaker is open (calls to it are skipped), 0 while it is closed after failures",
    labelNames: ['breaker'] as const,
    registers: [metrics.registry],
    collect() {
      this.reset();
      for (const b of breakers.snapshot()) this.set({ breaker: b.key }, b.open ? 1 : 0);
    },
  });
  const templates = new TemplateService(store, clock);
  // This process as an instance: the owner of the leases its workers take (see Instance).
  const thisInstance = new Instance({ store, clock, random, logger });
  const worker = new OutboxWorker(
    {
      store, vault, router, status: messageStatus, breakers, clock, logger, metrics, publicUrl: config.publicUrl, events: eventFactory, onEventsWritten,
      owner: thisInstance.id, templates, holdsLeases: () => thisInstance.holdsLeases(),
      fallback: {
        afterSent: async (...args) => fallback?.afterSent(...args),
        afterFailure: async (...args) => (fallback ? fallback.afterFailure(...args) : false),
      },
    },
    {
      pollMs: config.workerPollMs,
      leaseMs: config.workerLeaseMs,
      sendTimeoutMs: config.smsSendTimeoutMs,
      providerTries: config.smsProviderTries,
      maxAttempts: config.smsMaxRounds,
      ...overrides.worker,
    },
  );
  const retention = new RetentionJob({ store, clock, logger }, { retentionDays: config.retentionDays, intervalMs: config.purgeIntervalMs });
  const abuseEvents = createAbuseEvents(logger, metrics.registry, (serviceId, type, data) => events.publish(serviceId, type, data),
    // The statistics' refusals by rule. The abuse controls watch live traffic (test-mode keys send nothing real).
    (serviceId, rule) => store.countRefusal(serviceId, 'live', rule, clock.now()));
  // Limits live in the store (its own SQLite file, or PostgreSQL) unless Redis is configured;
  // with Redis in fallback mode the store's limiter takes over while Redis is down.
  const storeLimiter = await createStoreLimiter();
  const redis = config.redisUrl === null || overrides.limiter
    ? null
    // Loaded only when configured, like the PostgreSQL driver: the embedded default stays small.
    : (await import('./limits/redis.limiter.js')).createRedisLimiter({
        url: config.redisUrl,
        keyPrefix: config.redisKeyPrefix,
        ...(config.redisFailureMode === 'fallback' ? { fallback: storeLimiter } : {}),
        onStateChange: (up, error) => abuseEvents.limiterBackend(up, error),
      });
  // Give Redis a moment at start, so the first requests do not fail while it connects; if it is
  // down, start anyway: requests follow OTPGATE_REDIS_FAILURE_MODE until it comes back.
  if (redis && !(await redis.ready(3000))) logger.error({ mode: config.redisFailureMode }, 'redis is not reachable at start; rate limits follow OTPGATE_REDIS_FAILURE_MODE until it is');
  const limiter: RateLimiter = overrides.limiter ?? redis?.limiter ?? storeLimiter;
  const guard = new AbuseGuard({
    limiter,
    blocks: store,
    clock,
    events: abuseEvents,
    pseudonym: (value) => vault.pseudonym(value),
    proven: (serviceId, since) => store.provenTraffic(serviceId, since),
  });
  const tenancy = new TenancyService(store, clock, random);
  // The embedded store doubles as the bucket limiter; a shared limiter can replace it here.
  // Twilio-style buckets count where the other limits do: in Redis when it is configured.
  const rateLimits = new RateLimitService({ store, limiter: redis ? limiterBuckets(limiter) : store, clock, random });
  const verifications = new VerificationService({
    store,
    vault,
    clock,
    random,
    metrics,
    guard,
    onMessageQueued: () => worker.notify(),
    reserveSend: (now) => worker.reserve(now),
    channelAvailable: (serviceId, channel) => router.routes(serviceId, channel),
    events: eventFactory,
    onEventsWritten,
    rateLimits,
  });
  const destinations = new WebhookDestinations(config.webhookAllowedNetworks);
  const webhooks = new WebhookService({
    store, vault, clock, random, refuseDestination: (url) => destinations.refusal(url), onDeliveryQueued: () => webhookWorker.notify(),
  });
  const webhookWorker = new WebhookWorker(
    { store, webhooks, clock, random, logger, metrics, destinations, owner: thisInstance.id, holdsLeases: () => thisInstance.holdsLeases() },
    { pollMs: config.workerPollMs, timeoutMs: config.webhookTimeoutMs, retryScheduleMs: config.webhookRetryScheduleMs, ...overrides.webhookWorker },
  );
  const channelFallback = new ChannelFallback(
    {
      store, guard, clock, random, events: eventFactory, metrics, logger, onEventsWritten,
      channelAvailable: (serviceId, channel) => router.routes(serviceId, channel),
      onMessageQueued: () => worker.notify(),
    },
    { pollMs: config.workerPollMs },
  );
  fallback = channelFallback;
  const expirySweeper = new ExpirySweeper(
    { store, clock, events: eventFactory, metrics, logger, onEventsWritten },
    { intervalMs: config.expirySweepMs, ...overrides.expirySweeper },
  );

  return {
    config,
    logger,
    clock,
    store,
    metrics,
    vault,
    tenancy,
    audit: new AuditService({ store, clock, random }),
    verifications,
    router,
    messageStatus,
    receipts: receiptService,
    templates,
    attempts: new AttemptsService(store),
    breakers,
    stats: new StatsService(store, clock, (id) => store.getService(id)),
    rateLimits,
    worker,
    limiter,
    guard,
    retention,
    events,
    webhooks,
    webhookWorker,
    expirySweeper,
    fallback: channelFallback,
    instance: thisInstance,
    async startWorkers() {
      await thisInstance.start();
      worker.start();
      webhookWorker.start();
      expirySweeper.start();
      channelFallback.start();
      retention.start();
    },
    devOutbox: fixed ? fixed.name === 'console' : router.usesConsole,
    async close() {
      // The workers drain side by side within one OTPGATE_SHUTDOWN_TIMEOUT_MS (main.ts forces the
      // exit 5 s after it). Unfinished webhook requests keep their lease and are retried later.
      await Promise.all([
        expirySweeper.stop(config.shutdownTimeoutMs),
        channelFallback.stop(config.shutdownTimeoutMs),
        worker.stop(config.shutdownTimeoutMs),
        webhookWorker.stop(config.shutdownTimeoutMs),
      ]);
      // What is still leased (a drain that ran out of time) is free for other instances at once.
      await thisInstance.stop();
      destinations.close();
      await retention.stop();
      await redis?.close();
      await smpp.close();
      closeSmtpTransports(); // pooled SMTP connections (email); a later send opens new ones
      // Counters held in memory reach the store before it closes.
      await storeLimiter.close?.();
      await store.close();
    },
  };
}

/** The limiter that counts in the store; `close` writes what it still holds in memory. */
type StoreLimiter = RateLimiter & { close?(): Promise<void> };

/**
 * The store that OTPGATE_DATABASE_URL names, and how to make the limiter that counts in it (call
 * after migrating). PostgreSQL's driver is loaded only when a postgres:// URL is configured.
 */
async function createStore(config: Readonly<Config>, vault: CodeVault, logger: Logger): Promise<{ store: Store; storeLimiter: () => Promise<StoreLimiter> }> {
  if (config.store === 'postgres') {
    const [{ PostgresStore }, { createPostgresLimiter }] = await Promise.all([import('./store/postgres/postgres.store.js'), import('./limits/postgres.limiter.js')]);
    const store = new PostgresStore({
      connectionString: config.databaseUrl,
      vault,
      poolMax: config.pgPoolMax,
      onConnectionError: (error) => logger.warn({ err: { message: error.message } }, 'a PostgreSQL connection broke; the pool will open a new one'),
    });
    return { store, storeLimiter: () => createPostgresLimiter(store.counterPool) };
  }
  const path = sqlitePath(config.databaseUrl);
  if (path !== ':memory:') {
    for (const wide of preparePrivateDatabase(path)) {
      logger.warn({ path: wide.path, mode: wide.mode }, 'others may read this data file (phone numbers, events); chmod it to 600 (700 for the directory)');
    }
  }
  const store = new SqliteStore({ path, vault, synchronous: config.sqliteSynchronous });
  return { store, storeLimiter: async () => createSqliteLimiter(store.database, store.groupCommit) };
}

/**
 * The server secret keys every code HMAC and sealed value. From OTPGATE_SECRET, or generated
 * once into <data dir>/secret with mode 0600. Losing it invalidates pending codes only.
 */
function loadOrCreateSecret(config: Readonly<Config>, logger: Logger): Buffer {
  if (config.secret !== null) return Buffer.from(config.secret, 'utf8');
  const file = join(config.dataDir, 'secret');
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) logger.warn({ path: file, mode: mode.toString(8) }, 'the secret file is readable by others; chmod 600 it');
    const value = readFileSync(file, 'utf8').trim();
    if (Buffer.byteLength(value) < 32) throw new Error(`${file} holds fewer than 32 bytes; delete it to generate a new secret`);
    return Buffer.from(value, 'utf8');
  }
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const value = cryptoRandom.bytes(48).toString('base64url');
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  logger.info({ file }, 'generated the server secret');
  return Buffer.from(value, 'utf8');
}
