import type { AbuseGuard } from './abuse.guard.js';
import { smsNameProblem } from './display-name.js';
import { AppError } from './errors.js';
import type { RateLimitInfo } from './errors.js';
import type { EventFactory } from './events.js';
import type { CodeVault, VerificationContext } from './code-vault.js';
import { newId } from './ids.js';
import { newMessage } from './messages.js';
import type { Channel, MessageRecord, Origin, Page, ServiceRecord, Tenant, VerificationRecord } from './model.js';
import { emailDestination, isEmailAddress, normalizeAddress, phoneDestination } from './destination.js';
import type { Destination } from './destination.js';
import { normalizeEmail } from './email-address.js';
import { channelModule } from '../channels/channel-registry.js';
import { normalizePhone } from './phone.js';
import type { NormalizedPhone } from './phone.js';
import type { Clock, HandedSend, RandomSource, SendReservation, Store, VerificationFilter, VerificationMetrics } from './ports.js';
import type { RateLimitService } from './rate-limits.service.js';
import { resolveLocale, validateAndroidAppHash } from '../sms/templates.js';

export interface StartInput {
  to: string;
  /** ISO 3166-1 alpha-2 hint for numbers written without a country code. */
  country?: string | undefined;
  /**
   * How to send: it must be one of the service's channels. Default: on a resend the channel the
   * verification was started on, else `email` for an address with `@`, else `sms`.
   */
  channel?: Channel | undefined;
  locale?: string | undefined;
  context?: VerificationContext | undefined;
  /** Where the request came from: counted by the abuse controls; the end user's IP is kept for the attempts log. */
  origin: Origin;
  /** The integrator's own code (4–10 digits); only when the service has `custom_code_enabled`. */
  customCode?: string | undefined;
  /** Shown instead of the service name in this verification's SMS (1–30 characters). */
  friendlyName?: string | undefined;
  /** Android SMS Retriever hash for this verification, overriding the service's. */
  appHash?: string | undefined;
  /** Rate limit unique name → value (an IP, a user id) counted against that limit's buckets. */
  rateLimits?: Record<string, string> | undefined;
}

export interface CheckInput {
  id?: string | undefined;
  to?: string | undefined;
  country?: string | undefined;
  code: string;
  context?: VerificationContext | undefined;
  /** Where the request came from: counted by the abuse controls before anything is looked up. */
  origin: Origin;
}

export interface StartResult {
  verification: VerificationRecord;
  messages: MessageRecord[];
  /** True when this start re-sent a pending verification instead of creating one. */
  resent: boolean;
}

export interface CheckResult {
  verification: VerificationRecord;
  valid: boolean;
}

/** Anything a caller needs to know about a finished verification to explain a refused check. */
const FINAL_STATE_ERRORS = {
  approved: 'verification_already_approved',
  canceled: 'verification_canceled',
  expired: 'verification_expired',
  failed: 'verification_failed',
  max_attempts_reached: 'max_attempts_reached',
} as const;

export interface VerificationServiceDeps {
  store: Store;
  vault: CodeVault;
  clock: Clock;
  random: RandomSource;
  metrics: VerificationMetrics;
  /** Rate limits, geo permissions, caps and the pumping guard. */
  guard: AbuseGuard;
  /** Called after a send was queued durably, so the delivery worker runs without waiting to poll. */
  onMessageQueued: () => void;
  /**
   * The local delivery worker taking a new verification's first SMS straight from the start
   * (see SendReservation); null when it is not running here or is busy, and then the message is
   * queued and claimed as usual.
   */
  reserveSend?: (now: number) => SendReservation | null;
  /** Builds the events each state change writes in its own transaction. */
  events: EventFactory;
  /** Called after events were written, so webhook delivery starts without waiting to poll. */
  onEventsWritten?: () => void;
  rateLimits: RateLimitService;
  /** Whether a live message on `channel` has a provider to go through (the service's routes or the instance's). */
  channelAvailable: (serviceId: string, channel: Channel) => Promise<boolean>;
}

/**
 * The verification state machine. `pending` → `approved` | `expired` | `canceled` |
 * `max_attempts_reached` | `failed`; only `pending` changes. Everything here goes through
 * ports, so each rule is tested with a fake clock.
 */
export class VerificationService {
  readonly #deps: VerificationServiceDeps;

  constructor(deps: VerificationServiceDeps) {
    this.#deps = deps;
  }

  /**
   * Starts a verification in the tenant's service and mode, or re-sends the pending one for the
   * same number and context. A test-mode tenant only ever finds, resends and creates test-mode
   * verifications, and a live one only live ones: the mode is part of every lookup (rule T1).
   */
  async start(tenant: Tenant, input: StartInput): Promise<StartResult> {
    const { store, vault, clock, random, metrics } = this.#deps;
    const service = tenant.service;
    const settings = service.settings;
    const kind = input.channel !== undefined ? channelModule(input.channel).address : isEmailAddress(input.to) ? 'email' : 'phone';
    const destination = kind === 'email' ? emailDestination(normalizeEmail(input.to).address) : phoneDestination(resolveNumber(service, input.to, input.country));
    const testCode = destination.kind === 'phone' ? settings.test_numbers[destination.address] : undefined;
    const origin = input.origin;
    const locale = resolveLocale({
      requested: input.locale ?? null,
      serviceDefault: settings.default_locale,
      country: destination.country,
      phone: destination.kind === 'phone' ? destination.address : null,
    });
    // The channel's rules first, before any state is read: the answer for a refused destination
    // cannot depend on what otpgate knows about it (rule S5).
    const requested = input.channel ?? (kind === 'email' ? 'email' : 'sms');
    await this.#assertChannel(tenant, requested, destination, testCode !== undefined);
    const contextDigest = vault.contextDigest(input.context);
    const customCode = input.customCode === undefined ? undefined : validCustomCode(service, input.customCode);
    const friendlyName = input.friendlyName === undefined ? null : validFriendlyName(input.friendlyName);
    const appHash = input.appHash === undefined ? null : validateAndroidAppHash(input.appHash);
    // Integrator-defined limits count every start, resends included, before anything is written.
    await this.#deps.rateLimits.enforce(tenant, input.rateLimits);
    const now = clock.now();

    const pending = await store.findResendable(tenant, destination.address, contextDigest, now);
    // A resend that names no channel goes by the one the verification was started on.
    const channel = input.channel ?? pending?.channel ?? requested;
    if (channel !== requested) await this.#assertChannel(tenant, channel, destination, testCode !== undefined);
    if (pending) {
      // A resend sends the pending code, so a custom code cannot start another verification
      // while one is pending. The refusal is the same whatever the custom code is: it is never
      // compared with the pending one, so a start cannot tell whether a guess was right (T2).
      if (customCode !== undefined) {
        throw new AppError('verification_pending', 'A verification is pending for this number and context; cancel it (or let it expire) before starting one with a custom code.', {
          extra: { verification_id: pending.id },
        });
      }
      return this.#resend(tenant, pending, now, origin, channel, destination);
    }
    await this.#deps.guard.beforeSend(tenant, destination, origin, { testNumber: testCode !== undefined }, channel);

    const id = newId('ver', clock, random);
    const code = testCode ?? customCode ?? vault.generateCode(settings.code_length);
    const verification: VerificationRecord = {
      id,
      serviceId: service.id,
      mode: tenant.mode,
      to: destination.address,
      country: destination.country,
      channel,
      status: 'pending',
      locale,
      codeDigest: vault.digest(id, contextDigest, code),
      codeSealed: vault.seal(id, code),
      contextDigest,
      attempts: 0,
      maxAttempts: settings.max_check_attempts,
      sendCount: 1,
      maxSends: settings.max_sends,
      resendCooldownMs: settings.resend_cooldown_seconds * 1000,
      lastSendAt: now,
      expiresAt: now + settings.ttl_seconds * 1000,
      createdAt: now,
      updatedAt: now,
      isTest: testCode !== undefined,
      clientIp: origin.clientIp,
      customCode: testCode === undefined && customCode !== undefined,
      friendlyName,
      appHash,
    };
    const message = this.#newMessage(verification, channel, now);
    const handoff = this.#reserveSend(message, now);
    // One transaction: a 201 means the verification, its send and its event are durable (rule R1).
    await withReservation(handoff, store.createVerification(verification, message, this.#deps.events.verification('verification.created')(verification)));
    this.#deps.onEventsWritten?.();
    this.#dispatch(message, handoff, () => ({ message, verification, service, code }));
    metrics.verificationStarted(channel, destination.country, false);
    return { verification, messages: [message], resent: false };
  }

  async #resend(tenant: Tenant, pending: VerificationRecord, now: number, origin: Origin, channel: Channel, destination: Destination): Promise<StartResult> {
    const { store } = this.#deps;
    const service = tenant.service;
    const retryAtExpiry = secondsUntil(pending.expiresAt, now);
    if (pending.sendCount >= pending.maxSends) {
      throw new AppError('max_sends_reached', `This verification was sent ${pending.sendCount} times, its maximum.`, {
        retryAfterSeconds: retryAtExpiry,
        rateLimit: { policy: 'sends_per_verification', limit: pending.maxSends, windowSeconds: ttlSeconds(pending), remaining: 0, resetSeconds: retryAtExpiry },
        extra: { verification_id: pending.id },
      });
    }
    const readyAt = pending.lastSendAt + pending.resendCooldownMs;
    if (now < readyAt) {
      const wait = secondsUntil(readyAt, now);
      throw new AppError('resend_cooldown', 'Wait before sending this code again.', {
        retryAfterSeconds: wait,
        rateLimit: { policy: 'resend_cooldown', limit: 1, windowSeconds: Math.max(1, pending.resendCooldownMs / 1000), remaining: 0, resetSeconds: wait },
        extra: { verification_id: pending.id, resend_available_at: new Date(readyAt).toISOString() },
      });
    }
    await this.#deps.guard.beforeSend(tenant, destination, origin, { testNumber: pending.isTest }, channel);
    const message = this.#newMessage(pending, channel, now);
    const handoff = this.#reserveSend(message, now);
    // The conditional update re-checks status, expiry and the send count it read, so two
    // concurrent resends cannot both slip under the cap or the cooldown.
    const applied = await withReservation(handoff, store.recordResend(pending.id, pending.sendCount, message, now));
    if (!applied) {
      handoff?.cancel();
      const wait = Math.max(1, Math.ceil(pending.resendCooldownMs / 1000));
      throw new AppError('concurrent_send', 'Another send of this verification just happened; retry shortly.', {
        retryAfterSeconds: wait,
        rateLimit: { policy: 'resend_cooldown', limit: 1, windowSeconds: wait, remaining: 0, resetSeconds: wait },
        extra: { verification_id: pending.id },
      });
    }
    const verification: VerificationRecord = {
      ...pending,
      sendCount: pending.sendCount + 1,
      lastSendAt: now,
      updatedAt: now,
    };
    // Read before the handover, so the answer shows the sends as committed (this one `sending`
    // or `queued`), never a state that depends on how fast the provider answered.
    // The send is handed over even if that read fails: it is committed, and its slot must be freed.
    let messages: MessageRecord[];
    try {
      messages = await store.listMessages(pending.id);
    } finally {
      this.#dispatch(message, handoff, () => ({ message, verification, service, code: this.#deps.vault.open(pending.id, pending.codeSealed) }));
    }
    this.#deps.metrics.verificationStarted(channel, pending.country, true);
    return { verification, messages, resent: true };
  }

  /**
   * Leases a new message to this process's delivery worker when it can send it right away (see
   * SendReservation): it is then written as `sending` and handed over after the commit.
   */
  #reserveSend(message: MessageRecord, now: number): SendReservation | null {
    if (message.status !== 'queued') return null;
    const handoff = this.#deps.reserveSend?.(now) ?? null;
    if (handoff) {
      message.status = 'sending';
      message.leaseUntil = handoff.leaseUntil;
      message.leaseOwner = handoff.owner;
    }
    return handoff;
  }

  /** After the commit: hands a reserved message to the worker, or wakes the worker to claim a queued one. */
  #dispatch(message: MessageRecord, handoff: SendReservation | null, job: () => HandedSend): void {
    if (handoff) handoff.send(job());
    else if (message.status === 'queued') this.#deps.onMessageQueued();
  }

  /**
   * The channel must be one of the service's, reach this kind of address, pass its geo and domain
   * rules (before any state is read, so a refusal cannot depend on what otpgate knows about the
   * destination: rule S5), and have a provider (test keys and test numbers send nothing real).
   */
  async #assertChannel(tenant: Tenant, channel: Channel, destination: Destination, testNumber: boolean): Promise<void> {
    const service = tenant.service;
    if (!service.settings.channels.includes(channel)) {
      throw new AppError('channel_not_enabled', `This service does not send codes by ${channel}; its channels are ${service.settings.channels.join(', ')} (service setting "channels").`, {
        extra: { channel },
      });
    }
    if (channelModule(channel).address !== destination.kind) {
      throw new AppError('invalid_request', channel === 'email' ? 'The email channel needs an email address in "to".' : `The ${channel} channel needs a phone number in "to".`);
    }
    if (testNumber) return;
    this.#deps.guard.assertDestinationAllowed(service, destination, channel);
    if (tenant.mode === 'live' && !(await this.#deps.channelAvailable(service.id, channel))) {
      throw new AppError('channel_not_configured', `No provider is configured for ${channel} (OTPGATE_${channel.toUpperCase()}_PROVIDER, or the service's channel_routes).`, {
        extra: { channel },
      });
    }
  }

  #newMessage(verification: VerificationRecord, channel: Channel, now: number): MessageRecord {
    return newMessage(verification, channel, now, this.#deps.clock, this.#deps.random);
  }

  /**
   * Checks a code against the tenant's verification, found by id or as the latest for a number
   * and context in the tenant's service and mode: a code of another mode's verification never
   * approves this one, by id or by number (T1).
   */
  async check(tenant: Tenant, input: CheckInput): Promise<CheckResult> {
    const { store, vault, clock, metrics, guard } = this.#deps;
    await guard.beforeCheckLookup(tenant, input.origin);
    const contextDigest = vault.contextDigest(input.context);
    let current: VerificationRecord | null;
    if (input.id !== undefined) {
      current = await store.getVerification(tenant, input.id);
    } else if (input.to !== undefined) {
      const to = isEmailAddress(input.to) ? normalizeEmail(input.to).address : resolveNumber(tenant.service, input.to, input.country).e164;
      current = await store.findLatestVerification(tenant, to, contextDigest);
    } else {
      throw new AppError('invalid_request', 'Give either "id" or "to".');
    }
    if (!current) throw new AppError('verification_not_found', 'No verification matches.');

    const now = clock.now();
    current = await this.#settleExpiry(current, now);
    if (current.status !== 'pending') throw this.#finalStateError(current, now);

    // Compare first (pure CPU, constant time), then record the attempt and the result in one
    // conditional update. A context other than the one given at start changes the digest, so
    // it simply fails to match (rule C6).
    // B2: one failed check of the number's daily budget is reserved before comparing, and given
    // back when the code was right or the check was not counted. Test numbers too (T3): a fixed
    // code is exactly what brute force wants.
    const reservation = await guard.reserveFailedCheck(tenant, current.to, { testNumber: current.isTest });
    const matched = vault.matches(current.codeDigest, current.id, contextDigest, normalizeCode(input.code));
    let updated: VerificationRecord | null;
    try {
      updated = await store.recordCheck(current, matched, now, this.#deps.events.verificationOutcome());
    } catch (error) {
      await reservation?.release();
      throw error;
    }
    if (reservation && (!updated || updated.status === 'approved')) await reservation.release();
    if (!updated) {
      // The update did not apply: another check spent the last attempt or approved it, or the
      // code expired in between. Report the state as it is now.
      const latest = await store.getVerification(tenant, current.id);
      if (!latest) throw new AppError('verification_not_found', 'No verification matches.');
      const settled = await this.#settleExpiry(latest, now);
      metrics.checkEvaluated(settled.status === 'pending' ? 'conflict' : settled.status);
      throw this.#finalStateError(settled, now);
    }
    if (updated.status !== 'pending') this.#deps.onEventsWritten?.();
    if (updated.status === 'approved') {
      // A custom code proves no person (the integrator knows it): it earns the prefix nothing.
      if (!updated.isTest && !updated.customCode) await guard.recordApproval(tenant, updated.to);
      metrics.checkEvaluated('approved');
      metrics.verificationFinished(updated.channel, updated.country, 'approved');
      return { verification: updated, valid: true };
    }
    metrics.checkEvaluated('wrong_code');
    if (updated.status === 'max_attempts_reached') {
      metrics.verificationFinished(updated.channel, updated.country, 'max_attempts_reached');
    }
    return { verification: updated, valid: false };
  }

  async get(tenant: Tenant, id: string): Promise<StartResult> {
    const { store, clock } = this.#deps;
    const found = await store.getVerification(tenant, id);
    if (!found) throw new AppError('verification_not_found', `No verification ${id}.`);
    const verification = await this.#settleExpiry(found, clock.now());
    return { verification, messages: await store.listMessages(id), resent: false };
  }

  async cancel(tenant: Tenant, id: string): Promise<StartResult> {
    const { store, clock, metrics } = this.#deps;
    const now = clock.now();
    const current = await this.#pending(tenant, id, now);
    if (!(await store.finishVerification(id, 'canceled', now, this.#deps.events.verification('verification.canceled')))) {
      const latest = await store.getVerification(tenant, id);
      throw this.#finalStateError(latest ?? current, now);
    }
    metrics.verificationFinished(current.channel, current.country, 'canceled');
    this.#deps.onEventsWritten?.();
    return this.get(tenant, id);
  }

  /**
   * Approves a pending verification without its code. Only for custom-code verifications: the
   * integrator made and checked that code itself (Twilio's `Status=approved`). A code we made
   * can only be approved by that code. Goes through the same atomic conditional update as a
   * check, so it cannot race a concurrent check into two approvals.
   */
  async approve(tenant: Tenant, id: string): Promise<StartResult> {
    const { store, clock, metrics } = this.#deps;
    const now = clock.now();
    const current = await this.#pending(tenant, id, now);
    if (!current.customCode) {
      throw new AppError('forbidden', 'Only verifications started with a custom code can be approved without their code; check the code instead.');
    }
    const updated = await store.recordCheck(current, true, now, this.#deps.events.verificationOutcome());
    if (!updated) {
      const latest = await store.getVerification(tenant, id);
      throw this.#finalStateError(await this.#settleExpiry(latest ?? current, now), now);
    }
    this.#deps.onEventsWritten?.();
    metrics.checkEvaluated('approved');
    metrics.verificationFinished(updated.channel, updated.country, 'approved');
    return { verification: updated, messages: await store.listMessages(id), resent: false };
  }

  async list(tenant: Tenant, filter: VerificationFilter, cursor: string | undefined, limit: number): Promise<Page<VerificationRecord>> {
    const { store, clock } = this.#deps;
    const now = clock.now();
    const to = filter.to === undefined ? undefined : normalizeAddress(filter.to);
    const page = await store.listVerifications(tenant, { ...filter, to }, { cursor, limit });
    return { ...page, data: page.data.map((v) => withLazyExpiry(v, now)) };
  }

  /** The verification, if it is still pending; otherwise the error that names its state. */
  async #pending(tenant: Tenant, id: string, now: number): Promise<VerificationRecord> {
    const found = await this.#deps.store.getVerification(tenant, id);
    if (!found) throw new AppError('verification_not_found', `No verification ${id}.`);
    const current = await this.#settleExpiry(found, now);
    if (current.status !== 'pending') throw this.#finalStateError(current, now);
    return current;
  }

  /** A pending verification past its expiry is expired: persist that so every reader agrees. */
  async #settleExpiry(verification: VerificationRecord, now: number): Promise<VerificationRecord> {
    if (verification.status !== 'pending' || now < verification.expiresAt) return verification;
    if (await this.#deps.store.finishVerification(verification.id, 'expired', now, this.#deps.events.verification('verification.expired'))) {
      this.#deps.metrics.verificationFinished(verification.channel, verification.country, 'expired');
      this.#deps.onEventsWritten?.();
    }
    return { ...verification, status: 'expired' };
  }

  #finalStateError(verification: VerificationRecord, now: number): AppError {
    const extra = { verification_id: verification.id, verification_status: verification.status };
    if (verification.status === 'pending') {
      // Only reachable when a concurrent check used the last attempt between our read and write.
      return new AppError('max_attempts_reached', 'No check attempts are left.', {
        extra: { ...extra, verification_status: 'max_attempts_reached' },
        retryAfterSeconds: secondsUntil(verification.expiresAt, now),
        rateLimit: attemptsPolicy(verification, now),
      });
    }
    const code = FINAL_STATE_ERRORS[verification.status];
    const detail: Record<typeof code, string> = {
      verification_already_approved: 'This verification was already approved; its code cannot be used again.',
      verification_canceled: 'This verification was canceled.',
      verification_expired: 'This verification expired; start a new one.',
      verification_failed: 'Every send of this verification failed; start a new one.',
      max_attempts_reached: 'No check attempts are left; start a new verification.',
    };
    return new AppError(code, detail[code], {
      extra,
      ...(code === 'max_attempts_reached' ? { retryAfterSeconds: secondsUntil(verification.expiresAt, now), rateLimit: attemptsPolicy(verification, now) } : {}),
    });
  }
}

/** A declared test number is taken as written (it may be a reserved, "invalid" number). */
function resolveNumber(service: ServiceRecord, to: string, country: string | undefined): NormalizedPhone {
  const literal = to.replace(/[\s().-]/g, '');
  if (service.settings.test_numbers[literal] !== undefined) return { e164: literal, country: null, lineType: null };
  return normalizePhone(to, country);
}

/** Lists are read-only: they show expiry without writing it. */
function withLazyExpiry(verification: VerificationRecord, now: number): VerificationRecord {
  return verification.status === 'pending' && now >= verification.expiresAt ? { ...verification, status: 'expired' } : verification;
}

function attemptsPolicy(verification: VerificationRecord, now: number): RateLimitInfo {
  const resetSeconds = secondsUntil(verification.expiresAt, now);
  return { policy: 'checks_per_verification', limit: verification.maxAttempts, windowSeconds: ttlSeconds(verification), remaining: 0, resetSeconds };
}

function ttlSeconds(verification: VerificationRecord): number {
  return Math.max(1, Math.round((verification.expiresAt - verification.createdAt) / 1000));
}

function secondsUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}

function validCustomCode(service: ServiceRecord, code: string): string {
  if (!service.settings.custom_code_enabled) {
    throw new AppError('invalid_request', 'Custom codes are not enabled for this service (custom_code_enabled).');
  }
  if (!/^\d{4,10}$/.test(code)) throw new AppError('invalid_request', 'A custom code must be 4 to 10 digits.');
  return code;
}

function validFriendlyName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 30) throw new AppError('invalid_request', 'A friendly name must be 1 to 30 characters.');
  // It goes into the SMS as the sender's name: no links, no phone numbers (M5).
  const problem = smsNameProblem(trimmed);
  if (problem) throw new AppError('invalid_request', `A friendly name ${problem}.`);
  return trimmed;
}

/** People paste codes with spaces or dashes ("123 456"); digits are what count. */
function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}

export function attemptsRemaining(verification: VerificationRecord): number {
  return Math.max(0, verification.maxAttempts - verification.attempts);
}

export function resendAvailableAt(verification: VerificationRecord): number | null {
  if (verification.status !== 'pending' || verification.sendCount >= verification.maxSends) return null;
  return verification.lastSendAt + verification.resendCooldownMs;
}

/** Waits for the write that carries a reserved send; if it fails, the reservation is released. */
async function withReservation<T>(handoff: SendReservation | null, write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    handoff?.cancel();
    throw error;
  }
}
