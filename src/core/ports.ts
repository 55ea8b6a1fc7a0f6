/**
 * Port interfaces: what the core needs from the world, named for what it does. Adapters live
 * in store/, sms/, delivery/; the core imports only these types.
 */
import type {
  ApiKeyRecord,
  AttemptRecord,
  AttemptSummary,
  BucketRecord,
  Channel,
  DevOutboxEntry,
  MessageRecord,
  MessageStatus,
  Mode,
  Page,
  RateLimitRecord,
  ReadScope,
  Scope,
  ServiceRecord,
  ServiceSettings,
  VerificationRecord,
  VerificationStatus,
} from './model.js';
import type { EventRecord, EventsOf, LimitWarning, QuotaWarning } from './events.js';
import type { EventStore, WebhookStore } from './events.ports.js';
import type { AuditStore } from './audit.js';

/** Wall-clock time in epoch milliseconds. Tests pass a fake one. */
export interface Clock {
  now(): number;
}

/** A CSPRNG. Tests may pass a seeded one; production uses node:crypto. */
export interface RandomSource {
  /** A uniformly distributed integer in [0, maxExclusive), maxExclusive ≤ 2^48. */
  int(maxExclusive: number): number;
  bytes(length: number): Buffer;
}

export interface ListOptions {
  cursor?: string | undefined;
  limit: number;
}

export interface ServiceStore {
  createService(service: ServiceRecord): Promise<void>;
  getService(id: string): Promise<ServiceRecord | null>;
  listServices(options: ListOptions): Promise<Page<ServiceRecord>>;
  updateServiceSettings(id: string, settings: ServiceSettings, now: number): Promise<ServiceRecord | null>;
  /** Deletes the service, its keys and everything it owns. */
  deleteService(id: string): Promise<boolean>;
}

export interface ApiKeyStore {
  createApiKey(key: ApiKeyRecord): Promise<void>;
  findApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | null>;
  listApiKeys(serviceId: string | null): Promise<ApiKeyRecord[]>;
  /** Revokes a service's key; false when it has no such active key. */
  /** The key as revoked, or null when the service has no such active key. */
  revokeApiKey(id: string, serviceId: string, now: number): Promise<ApiKeyRecord | null>;
  /**
   * Revokes an admin key unless it is the last active bearer one (`last`), atomically: of two
   * concurrent revocations of the last two, one answers `last` (the active keys are locked).
   */
  revokeAdminKey(id: string, now: number): Promise<ApiKeyRecord | 'last' | null>;
  /** Active admin keys usable as `Authorization: Bearer` (Basic credentials do not count). */
  countActiveAdminKeys(): Promise<number>;
  /** Revokes the active admin keys from OTPGATE_ADMIN_KEY (`source` env) but the one with `keepHash`; answers their ids. */
  revokeEnvAdminKeys(keepHash: string | null, now: number): Promise<string[]>;
}

export interface VerificationFilter {
  status?: VerificationStatus | undefined;
  to?: string | undefined;
  /** The last digits of the number (the console's search); like a status, bounded by the scan window. */
  toSuffix?: string | undefined;
}

export interface CheckOutcome {
  /** The verification after the check was recorded, or null when the check was not counted. */
  record: VerificationRecord | null;
}

export interface VerificationStore {
  /** Writes the verification, its first message (if any) and `events` in one transaction. */
  createVerification(verification: VerificationRecord, message: MessageRecord | null, events?: EventRecord[]): Promise<void>;
  /** The pending, unexpired verification of `scope` that a new start for the same number and context resends. */
  findResendable(scope: Scope, to: string, contextDigest: string, now: number): Promise<VerificationRecord | null>;
  /**
   * Records one more send of a pending verification and queues its message, atomically:
   * it only succeeds while the verification is pending, unexpired, still has `sendCount`
   * equal to `expectedSendCount` (so two concurrent resends cannot both pass the cooldown
   * and cap checks) and is below `maxSends`.
   */
  recordResend(verificationId: string, expectedSendCount: number, message: MessageRecord | null, now: number): Promise<boolean>;
  getVerification(scope: Scope, id: string): Promise<VerificationRecord | null>;
  /** The most recent verification of `scope` for a number and context, pending or not. */
  findLatestVerification(scope: Scope, to: string, contextDigest: string): Promise<VerificationRecord | null>;
  listVerifications(scope: Scope, filter: VerificationFilter, options: ListOptions): Promise<Page<VerificationRecord>>;
  /**
   * Counts one check attempt and, when `matched`, approves — in one atomic conditional update
   * that only applies while the verification is pending, unexpired at `now` and has attempts
   * left. `current` is the verification as the checker read it (a wrong code that leaves it as
   * read plus one attempt is one statement). Returns the updated record, or null when the update
   * did not apply (then the caller re-reads the state to explain why). `events` of the updated
   * record go in the same transaction, only when the update applied.
   */
  recordCheck(current: VerificationRecord, matched: boolean, now: number, events?: EventsOf<VerificationRecord>): Promise<VerificationRecord | null>;
  /**
   * Moves a pending verification to a final status, with `events` of the finished record in
   * the same transaction; false when it was no longer pending (then no event is written).
   */
  finishVerification(
    verificationId: string,
    status: Exclude<VerificationStatus, 'pending' | 'approved'>,
    now: number,
    events?: EventsOf<VerificationRecord>,
  ): Promise<boolean>;
  listMessages(verificationId: string): Promise<MessageRecord[]>;
}

export interface MessageUpdate {
  status: MessageStatus;
  provider?: string | null;
  providerMessageId?: string | null;
  errorCode?: string | null;
  nextAttemptAt?: number;
}

/** The durable send queue (outbox). */
export interface MessageQueue {
  /**
   * Leases up to `limit` messages that are due to `owner` (an instance id): `queued` with
   * `nextAttemptAt ≤ now`, or `sending` whose lease ran out or whose owner is no longer alive
   * (see InstanceStore), so only one worker sends each.
   */
  claimDueMessages(now: number, limit: number, leaseMs: number, owner: string): Promise<MessageRecord[]>;
  /**
   * Applies the outcome of a send attempt to `message` (as its sender holds it), only while
   * `message.leaseOwner` still holds its lease
   * (false otherwise: another instance took it over and records the outcome itself);
   * `attempts` is incremented when `countAttempt`. `events` of the updated message are written
   * in the same transaction.
   */
  updateMessage(message: MessageRecord, update: MessageUpdate, countAttempt: boolean, now: number, events?: EventsOf<MessageRecord>): Promise<boolean>;
  /**
   * Gives a lease back unused (the sender no longer knows its lease to be safe): the message is
   * queued again, due as it was, for any worker. False when the lease was no longer the sender's.
   */
  releaseMessage(message: MessageRecord, now: number): Promise<boolean>;
  /** Marks the verification failed if none of its messages is still queued, sending or sent (with its `events`). */
  failVerificationIfUndeliverable(verificationId: string, now: number, events?: EventsOf<VerificationRecord>): Promise<boolean>;
  /**
   * Queues the next channel's message of a pending verification (fallback) with `events`, in one
   * transaction. Each channel is tried once per verification: false when the channel already has a
   * message, or the verification is no longer pending.
   */
  addFallbackMessage(message: MessageRecord, now: number, events: EventRecord[]): Promise<boolean>;
  /** Marks a pending verification for the next channel at `at` (no right check by then); an earlier mark stays. */
  scheduleFallback(scope: Scope, verificationId: string, at: number): Promise<void>;
  /** The pending verifications whose fallback time came, each taken once (its mark cleared). */
  takeDueFallbacks(now: number, limit: number): Promise<VerificationRecord[]>;
  /** When the next queued message is due, or null when none is queued. */
  nextDueAt(): Promise<number | null>;
}

/**
 * A send this process will make itself as soon as its message is committed: the message is
 * inserted already leased to the local delivery worker (`sending`, `leaseUntil`), in the same
 * transaction as its verification, and then handed over with what the worker would otherwise
 * read back (the verification, its service, the plain code). Saves a claim statement, its commit
 * and three reads per SMS. Should the process die first, the lease runs out and any worker sends
 * it, under the same message id (rule R1).
 */
export interface SendReservation {
  leaseUntil: number;
  /** The instance that sends it (the message's lease owner). */
  owner: string;
  /** After the commit: send it now. */
  send(job: HandedSend): void;
  /** The insert failed: nothing to send. */
  cancel(): void;
}

export interface HandedSend {
  message: MessageRecord;
  verification: VerificationRecord;
  service: ServiceRecord;
  code: string;
}

/** A delivery receipt to apply to one message. */
export interface ReceiptUpdate {
  status: Extract<MessageStatus, 'sent' | 'delivered' | 'undelivered' | 'failed'>;
  errorCode: string | null;
  providerMessageId?: string | null;
}

/**
 * Delivery receipts (DLR): finding the message a receipt is about and moving its status.
 * `applyDeliveryReceipt` shares a transaction with its events, so each SQL store implements it
 * itself; the rest is in store/sms.sql-store.ts.
 */
export interface DeliveryReceiptStore {
  getMessage(id: string): Promise<MessageRecord | null>;
  findMessageByProviderId(provider: string, providerMessageId: string): Promise<MessageRecord | null>;
  /**
   * Applies a receipt when it moves the message forward: only `sending`/`sent` messages change,
   * and a final state (`delivered`, `undelivered`, `failed`) is never overwritten, so a late or
   * replayed receipt cannot undo a newer one. Returns the updated message, or null.
   */
  applyDeliveryReceipt(messageId: string, update: ReceiptUpdate, now: number, events?: EventsOf<MessageRecord>): Promise<MessageRecord | null>;
}

/** Per-service SMS settings (providers with credentials, routes, sender ids), sealed at rest. */
export interface SmsConfigStore {
  getSmsConfig(serviceId: string): Promise<Buffer | null>;
  putSmsConfig(serviceId: string, sealed: Buffer, now: number): Promise<void>;
  deleteSmsConfig(serviceId: string): Promise<boolean>;
}

/** Per-service message templates by locale (issue 4). */
export interface TemplateStore {
  putTemplate(serviceId: string, locale: string, text: string, now: number): Promise<void>;
  getTemplate(serviceId: string, locale: string): Promise<string | null>;
  /** locale → text, for every locale the service has its own template for. */
  listTemplates(serviceId: string): Promise<Record<string, string>>;
  deleteTemplate(serviceId: string, locale: string): Promise<boolean>;
}

export interface AttemptFilter {
  verificationId?: string | undefined;
  to?: string | undefined;
  country?: string | undefined;
  /** Epoch ms, exclusive. */
  createdAfter?: number | undefined;
  createdBefore?: number | undefined;
  /** true: only sends of approved verifications; false: only the others. */
  converted?: boolean | undefined;
  /** Only sends by this channel. */
  channel?: Channel | undefined;
}

/** What the attempts summary may be narrowed by: what its counters hold (hours, country, prefix). */
export interface AttemptSummaryFilter {
  country?: string | undefined;
  /** Epoch ms; the hour that holds it counts in full. */
  createdAfter?: number | undefined;
  createdBefore?: number | undefined;
  /** E.164 prefix such as "+1415": `+` and 1 to 4 digits. */
  destinationPrefix?: string | undefined;
}

/**
 * The attempts log: every send (message) of one mode with the state of its verification, newest
 * first. A scope without a service means every service (admin). Suppressed sends to test numbers
 * are left out.
 */
export interface AttemptStore {
  /**
   * The most sends of verifications approved with a code otpgate made (no custom code) in any one hour, and in any one UTC day, of the live
   * world of a service since `since` (epoch ms): the traffic it has proven, from the counters.
   */
  provenTraffic(serviceId: string, since: number): Promise<ProvenTraffic>;
  listAttempts(scope: ReadScope, filter: AttemptFilter, options: ListOptions): Promise<Page<AttemptRecord>>;
  getAttempt(scope: ReadScope, messageId: string): Promise<AttemptRecord | null>;
  summarizeAttempts(scope: ReadScope, filter: AttemptSummaryFilter): Promise<AttemptSummary>;
}

/** Sends of verifications approved with a code otpgate made, in the busiest hour and UTC day (see AttemptStore.provenTraffic). */
export interface ProvenTraffic {
  peakHour: number;
  peakDay: number;
}

/** Rate limits and their buckets, per service. Every read is scoped by service (rule H3). */
export interface RateLimitStore {
  /** False when the service already has a rate limit with that unique name. */
  createRateLimit(rateLimit: RateLimitRecord): Promise<boolean>;
  getRateLimit(serviceId: string, id: string): Promise<RateLimitRecord | null>;
  listRateLimits(serviceId: string, options: ListOptions): Promise<Page<RateLimitRecord>>;
  updateRateLimit(serviceId: string, id: string, description: string | null, now: number): Promise<RateLimitRecord | null>;
  /** Deletes it and its buckets. */
  deleteRateLimit(serviceId: string, id: string): Promise<boolean>;
  createBucket(bucket: BucketRecord): Promise<void>;
  getBucket(serviceId: string, rateLimitId: string, id: string): Promise<BucketRecord | null>;
  listBuckets(serviceId: string, rateLimitId: string, options: ListOptions): Promise<Page<BucketRecord>>;
  updateBucket(serviceId: string, rateLimitId: string, id: string, max: number, intervalSeconds: number, now: number): Promise<BucketRecord | null>;
  deleteBucket(serviceId: string, rateLimitId: string, id: string): Promise<boolean>;
  /** The rate limits of a service with these unique names, each with all its buckets. */
  findRateLimitsByName(serviceId: string, uniqueNames: string[]): Promise<Array<{ rateLimit: RateLimitRecord; buckets: BucketRecord[] }>>;
}

export interface BucketVerdict {
  allowed: boolean;
  /** Seconds until the window that refused this ends. */
  retryAfterSeconds: number;
}

/**
 * Counts one hit of `key` in a fixed window of `intervalSeconds` and says whether it is within
 * `max`. Atomic per key, so concurrent starts cannot all slip under the limit. A small port so a
 * shared limiter (Redis, PostgreSQL) can replace the embedded one.
 */
export interface BucketLimiter {
  consumeBucket(key: string, max: number, intervalSeconds: number, now: number): Promise<BucketVerdict>;
}

/** Where the console provider keeps what it "sent", encrypted at rest. */
export interface DevOutboxStore {
  addDevOutboxEntry(entry: DevOutboxEntry): Promise<void>;
  /** Newest first, of one mode; a scope without a service means every service (admin). */
  listDevOutbox(scope: ReadScope, to: string | undefined, limit: number): Promise<DevOutboxEntry[]>;
}

export type IdempotencyBegin =
  | { state: 'new' }
  | { state: 'in_flight' }
  | { state: 'mismatch' }
  | { state: 'done'; statusCode: number; body: string };

export interface IdempotencyStore {
  /**
   * Claims `key` within `scope` (an opaque name built by `idempotencyScope`, which holds the
   * service, the mode and the operation) for this request (identified by `requestHash`) or
   * reports the earlier one.
   * A claim older than `staleAfterMs` that never completed (its process died) is taken over.
   */
  beginIdempotent(scope: string, key: string, requestHash: string, now: number, staleAfterMs: number): Promise<IdempotencyBegin>;
  completeIdempotent(scope: string, key: string, statusCode: number, body: string, now: number): Promise<void>;
  /** Forgets a claim whose request failed before doing anything, so a retry runs again. */
  abandonIdempotent(scope: string, key: string): Promise<void>;
}

export interface MetaStore {
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
}

/** Rows removed by one purge batch. */
export interface PurgeCounts {
  verifications: number;
  /** Messages of the removed verifications (they go with them). */
  messages: number;
  devOutbox: number;
  idempotencyKeys: number;
  /** Events, with their webhook deliveries and delivery log (an event still being delivered is kept). */
  events: number;
  /** Prefix blocks of the SMS-pumping guard that ended before the cutoff. */
  prefixBlocks: number;
  /** Audit records. */
  auditRecords: number;
  /** Hourly attempt counters (the attempts summary) of hours before the cutoff. */
  attemptCounts: number;
}

/** Retention: forgetting old personal data (phone numbers, message bodies, cached responses). */
export interface RetentionStore {
  /**
   * Deletes at most `batchSize` rows of each kind created before `before`: verifications that
   * can no longer change (with their messages), dev-outbox entries, idempotency keys and events;
   * and prefix blocks that ended before `before`. The
   * caller repeats until a batch comes back short, so no statement holds locks for long.
   */
  purgeBatch(before: number, batchSize: number): Promise<PurgeCounts>;
}

/** How statistics are grouped: one row per UTC day, or per country, provider or channel over the period. */
export type StatsGroupBy = 'day' | 'country' | 'provider' | 'channel';

/** Counter sums of one group, split by channel and country (what spend is priced by). */
export interface StatsCountRow {
  /** The group: a day (`YYYY-MM-DD`), a country, a provider or a channel; '' where none applies (a start has no provider yet). */
  key: string;
  serviceId: string;
  channel: string;
  country: string;
  started: number;
  approved: number;
  messages: number;
  sent: number;
  delivered: number;
  failed: number;
  undelivered: number;
  /** Approvals per time-to-approve bucket (bounds in migrations.common.ts `TTA_BOUNDS_S`). */
  tta: number[];
}

export interface StatsQuery {
  /** One service, or every service (admin). */
  serviceId: string | null;
  mode: Mode;
  /** First and last UTC day (days since the epoch), inclusive. */
  fromDay: number;
  toDay: number;
  groupBy: StatsGroupBy;
}

/** Statistics counters, kept by the store in the transactions that write what they count. */
export interface StatsStore {
  statsCounts(query: StatsQuery): Promise<StatsCountRow[]>;
  /** Refusals by rule over the period (grouped by day too when the query is by day; key '' otherwise). */
  statsRefusals(query: StatsQuery): Promise<Array<{ key: string; rule: string; refusals: number }>>;
  /** One more refusal of an abuse rule (a refusal writes nothing else). Unknown services are not counted. */
  countRefusal(serviceId: string, mode: Mode, rule: string, now: number): Promise<void>;
}

/** A signed-in console session: the key it signed in with, sealed with the server secret. */
export interface ConsoleSessionRecord {
  idHash: string;
  keySealed: Buffer;
  createdAt: number;
  expiresAt: number;
}

export interface ConsoleSessionStore {
  /** Saves a session, and drops the expired ones. */
  createConsoleSession(session: ConsoleSessionRecord, now: number): Promise<void>;
  /** The unexpired session with this id hash. */
  findConsoleSession(idHash: string, now: number): Promise<ConsoleSessionRecord | null>;
  deleteConsoleSession(idHash: string): Promise<void>;
}

/** A running otpgate process (one per cluster worker), as its liveness record holds it. */
export interface InstanceRecord {
  /** `ins_…`: lease owner of the messages and webhook deliveries it is sending. */
  id: string;
  /** Host name, boot and process namespace: on one host key, pids name processes (see src/delivery/instance.ts). */
  host: string;
  pid: number;
  startedAt: number;
}

/**
 * Liveness of instances, on the database's clock. An instance refreshes its record every
 * second; one unseen for INSTANCE_DEAD_AFTER_MS is dead, and the leases it held are taken over
 * by the next claim of any other instance.
 */
export interface InstanceStore {
  listInstances(host: string): Promise<InstanceRecord[]>;
  /** Writes `instance`'s record, after removing those of `dead` instances (their leases free at once) and long-gone ones. */
  registerInstance(instance: InstanceRecord, dead: readonly string[]): Promise<void>;
  /** Marks `instance` alive now (writes its record again if another instance removed it). */
  beatInstance(instance: InstanceRecord): Promise<void>;
  /** At shutdown: what it still holds is free for others at once. */
  removeInstance(id: string): Promise<void>;
}

/** How often an instance marks itself alive, and after how long without that it counts as dead. */
export const INSTANCE_BEAT_MS = 1000;
export const INSTANCE_DEAD_AFTER_MS = 3000;

export interface Store
  extends ServiceStore,
    InstanceStore,
    AuditStore,
    ApiKeyStore,
    VerificationStore,
    MessageQueue,
    AttemptStore,
    RateLimitStore,
    BucketLimiter,
    DevOutboxStore,
    DeliveryReceiptStore,
    SmsConfigStore,
    TemplateStore,
    IdempotencyStore,
    MetaStore,
    PrefixBlockStore,
    RetentionStore,
    EventStore,
    WebhookStore,
    StatsStore,
    ConsoleSessionStore {
  readonly dialect: 'sqlite' | 'postgres';
  migrate(): Promise<number>;
  /** Cheap liveness probe of the backing database. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What a channel made of the code for one message: every channel has a text form (`body`, and
 * `redactedBody` for logs); the rest is what its providers need beyond text.
 */
export type MessageContent =
  | { channel: 'sms' }
  | {
      channel: 'whatsapp';
      /** The code, sent as the authentication template's body parameter and its copy-code button. */
      code: string;
      /** Name of the approved WhatsApp authentication template. */
      template: string;
      /** WhatsApp's language code of the template (`en`, `pt_BR`, `zh_CN`). */
      language: string;
    }
  | {
      channel: 'call';
      /** What text-to-speech says: the intro, the digits spaced, said twice. */
      speech: string;
      /** BCP 47 tag of the speech language (`en-US`, `ja-JP`). */
      language: string;
      /** Text-to-speech voice name, when the service chose one (Twilio's TtsName). */
      voice: string | null;
    }
  | {
      channel: 'email';
      subject: string;
      text: string;
      html: string;
      /** Display name of the sender (the service's name). */
      fromName: string | null;
    };

/** A rendered message on its way to a provider, on any channel. */
export interface OutgoingMessage {
  messageId: string;
  verificationId: string;
  serviceId: string;
  /** The verification's mode: what the console provider files its dev-outbox entry under. */
  mode: Mode;
  /** E.164 number, or an email address for the email channel. */
  to: string;
  /** The message as text: the SMS itself, or the text form of another channel's message. */
  body: string;
  /** The same text with the code masked: the only form that may be logged. */
  redactedBody: string;
  /** The channel and what its providers need beyond text. */
  content: MessageContent;
  /** ISO 3166-1 alpha-2 region of `to`, when known (phone channels). */
  country: string | null;
  /** SMS: sender id (alphanumeric, rule M4) or number; email: the sender address; null leaves it to the provider's default. */
  from: string | null;
  /** Twilio Messaging Service (`MG…`) for the number's country, when the service routes one there; only Twilio providers read it. */
  messagingServiceSid?: string | null;
  /** Where this message's delivery receipt (or call status) should be sent; null when no public URL is set. */
  callbackUrl: string | null;
}

export interface SendResult {
  providerMessageId: string | null;
}

/** Thrown (or rejected with) by providers; `retryable` decides between retry and failure. */
export class SendError extends Error {
  readonly retryable: boolean;
  readonly code: string;
  constructor(code: string, message: string, retryable: boolean) {
    super(message);
    this.name = 'SendError';
    this.code = code;
    this.retryable = retryable;
  }
}

export interface MessageSender {
  readonly name: string;
  send(message: OutgoingMessage): Promise<SendResult>;
}

/** Counters the core reports; the adapter turns them into Prometheus metrics. */
export interface VerificationMetrics {
  verificationStarted(channel: string, country: string | null, resend: boolean): void;
  verificationFinished(channel: string, country: string | null, status: VerificationStatus): void;
  checkEvaluated(outcome: string): void;
  sendFinished(provider: string, channel: Channel, outcome: 'sent' | 'retry' | 'failover' | 'failed' | 'expired' | 'circuit_open'): void;
  /** A message reached a status (sent, delivered, undelivered, failed…) with this provider error code. */
  messageStatus(provider: string, status: MessageStatus, country: string | null, errorCode: string | null, channel: Channel): void;
  /** A verification moved on from one channel to the next (see ChannelFallback). */
  channelFallback(from: Channel, to: Channel, reason: string): void;
}

export const noopMetrics: VerificationMetrics = {
  verificationStarted() {},
  verificationFinished() {},
  checkEvaluated() {},
  sendFinished() {},
  messageStatus() {},
  channelFallback() {},
};

/** The answer of a limiter to one `consume`. */
export interface RateLimitDecision {
  /** True when the key's count, this consumption included, is within `limit`. */
  allowed: boolean;
  /** The key's count after this consumption (refused consumptions count too). */
  count: number;
  /** `limit - count`, never below 0. */
  remaining: number;
  /** Milliseconds until the key's window ends and its count starts again from zero. */
  resetAfterMs: number;
}

/**
 * Atomic counters with a lifetime, shared by every instance that uses the same backend
 * (memory, the SQLite store, PostgreSQL, Redis). A key's window starts at its first
 * consumption and lasts `windowMs`; `windowMs` must be whole seconds. Adapters reject (throw)
 * when their backend is unreachable; a refusal is `allowed: false`, never an exception.
 */
export interface RateLimiter {
  /** Adds `cost` (default 1) to `key` and says whether the count is still within `limit`. */
  consume(key: string, limit: number, windowMs: number, cost?: number): Promise<RateLimitDecision>;
  /** Gives back `amount` (default 1) consumed from `key`, e.g. a reservation that was not used. */
  refund(key: string, windowMs: number, amount?: number): Promise<void>;
  /** The key's count now (0 when it has none or its window ended). */
  count(key: string, windowMs: number): Promise<number>;
  /** Forgets the key. */
  reset(key: string, windowMs: number): Promise<void>;
  /**
   * Consumes each item in order and stops at the first refusal: answers the decisions up to and
   * including the refused one; the items after it are left uncounted. Same end state as
   * `consume` one by one, in one round trip where the backend allows (a request's budgets).
   */
  consumeAll(items: readonly ConsumeItem[]): Promise<RateLimitDecision[]>;
  /** `count` of several keys of one window, in their order; one round trip where the backend allows. */
  countMany(keys: readonly string[], windowMs: number): Promise<number[]>;
}

/** One counter of a `consumeAll`. */
export interface ConsumeItem {
  key: string;
  limit: number;
  windowMs: number;
  /** Default 1. */
  cost?: number;
}

/** A destination prefix that the SMS-pumping guard blocked (or, in monitor mode, would have). */
export interface PrefixBlock {
  serviceId: string;
  /** `+` and the leading digits, e.g. `+447400`. */
  prefix: string;
  /** `enforced` blocks sends; `monitor` only records what would have been blocked. */
  mode: 'enforced' | 'monitor';
  reason: string;
  sends: number;
  approvals: number;
  baselinePerWindow: number;
  createdAt: number;
  expiresAt: number;
}

/** Where prefix blocks live: durable and listable, so operators can see and lift them. */
export interface PrefixBlockStore {
  /** Records a block; an existing one for the same service and prefix is replaced. */
  savePrefixBlock(block: PrefixBlock): Promise<void>;
  /** The unexpired block of a prefix, if any. */
  findPrefixBlock(serviceId: string, prefix: string, now: number): Promise<PrefixBlock | null>;
  listPrefixBlocks(serviceId: string, now: number): Promise<PrefixBlock[]>;
  /** Removes the block; false when there was none. */
  deletePrefixBlock(serviceId: string, prefix: string): Promise<boolean>;
}

/** What the abuse controls report; the adapter turns it into log lines and Prometheus metrics. */
export interface AbuseEvents {
  refused(serviceId: string, rule: string, detail: Record<string, unknown>): void;
  /** A daily cap passed 50 % or 80 %: once per crossing. Resolves when the `quota.warning` event is written (never rejects). */
  quotaWarning(serviceId: string, warning: QuotaWarning): void | Promise<void>;
  /** A velocity budget passed 80 % in its window: once per crossing. Resolves when the `limit.warning` event is written (never rejects). */
  limitWarning(serviceId: string, warning: LimitWarning): void | Promise<void>;
  /** A new block (or monitor record): resolves when the `fraud.prefix_blocked` event is written (never rejects). */
  prefixBlocked(block: PrefixBlock): void | Promise<void>;
  limiterUnavailable(operation: string, error: unknown): void;
}

export const noopAbuseEvents: AbuseEvents = {
  refused() {},
  quotaWarning() {},
  limitWarning() {},
  prefixBlocked() {},
  limiterUnavailable() {},
};
