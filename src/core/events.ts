import { newId } from './ids.js';
import type { Channel, MessageRecord, Mode, Scope, VerificationRecord } from './model.js';
import type { Clock, PrefixBlock, RandomSource } from './ports.js';

/**
 * Event types are a public contract: a type, once shipped, keeps its name and the meaning of
 * its payload fields (new fields may be added). docs/webhooks.md lists each with an example.
 */
export const EVENT_TYPES = [
  'verification.created',
  'verification.approved',
  'verification.expired',
  'verification.canceled',
  'verification.max_attempts_reached',
  'verification.failed',
  'verification.fallback',
  'message.sent',
  'message.delivered',
  'message.failed',
  'fraud.prefix_blocked',
  'quota.warning',
  'limit.warning',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** One thing that happened to a service's data. Written in the transaction that made it happen. */
export interface EventRecord {
  id: string;
  serviceId: string;
  /** The mode of what it is about: listed to keys of that mode, delivered to endpoints registered in it (T1). */
  mode: Mode;
  type: EventType;
  /** The payload's `data` member. Never holds a code, a digest or a sealed value. */
  data: Record<string, unknown>;
  createdAt: number;
}

/**
 * Builds the events of a state change from the state after it. Stores call it inside the
 * transaction of the change, only when the change applied, so an event exists exactly when
 * its change committed.
 */
export type EventsOf<T> = (after: T) => EventRecord[];

export const noEvents = (): EventRecord[] => [];

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * What a verification event says. Deliberately an allow-list of fields: the record also holds
 * the code digest and the sealed code, which must never leave (rule C2).
 */
export function verificationEventData(v: VerificationRecord): Record<string, unknown> {
  return {
    id: v.id,
    to: v.to,
    country: v.country,
    channel: v.channel,
    status: v.status,
    locale: v.locale,
    attempts: v.attempts,
    attempts_remaining: Math.max(0, v.maxAttempts - v.attempts),
    sends: v.sendCount,
    expires_at: iso(v.expiresAt),
    created_at: iso(v.createdAt),
    updated_at: iso(v.updatedAt),
  };
}

export function messageEventData(m: MessageRecord): Record<string, unknown> {
  return {
    id: m.id,
    verification_id: m.verificationId,
    channel: m.channel,
    to: m.to,
    status: m.status,
    attempts: m.attempts,
    provider: m.provider,
    provider_message_id: m.providerMessageId,
    error_code: m.errorCode,
    created_at: iso(m.createdAt),
    updated_at: iso(m.updatedAt),
  };
}

/** A prefix block of the SMS-pumping guard (`fraud.prefix_blocked`), as the prefix-blocks API shows it. */
export function prefixBlockEventData(b: PrefixBlock) {
  return {
    prefix: b.prefix,
    mode: b.mode,
    reason: b.reason,
    sends: b.sends,
    approvals: b.approvals,
    baseline_per_window: b.baselinePerWindow,
    created_at: iso(b.createdAt),
    expires_at: iso(b.expiresAt),
  };
}

/** A daily cap passed one of its warning thresholds, 50 % or 80 % (`quota.warning`). */
export interface QuotaWarning {
  /** The whole day's messages, its spend, or one channel's messages (`call_messages`, see channel_daily_caps). */
  quota: 'messages' | 'spend' | `${Channel}_messages`;
  /** The threshold crossed, in percent of the cap: 50 or 80. */
  percent: number;
  /** Messages, or spend in the currency of the service's `sms_prices`, used today (UTC). */
  used: number;
  cap: number;
  /** The next 00:00 UTC, when the cap starts again. */
  resetsAt: number;
}

export function quotaWarningEventData(w: QuotaWarning): Record<string, unknown> {
  return { quota: w.quota, percent: w.percent, used: w.used, cap: w.cap, resets_at: iso(w.resetsAt) };
}

/** A velocity budget (`sends_per_service`, `sends_per_prefix`) passed 80 % of its limit in a window (`limit.warning`). */
export interface LimitWarning {
  limit: 'sends_per_service' | 'sends_per_prefix';
  /** The prefix, for `sends_per_prefix`. */
  prefix: string | null;
  used: number;
  /** The limit in force for this window (the setting, raised by proven traffic and approvals). */
  max: number;
  windowSeconds: number;
  /** When the window ends. */
  resetsAt: number;
}

export function limitWarningEventData(w: LimitWarning): Record<string, unknown> {
  return { limit: w.limit, prefix: w.prefix, used: w.used, max: w.max, window_seconds: w.windowSeconds, resets_at: iso(w.resetsAt) };
}

const FINAL_VERIFICATION_EVENTS = {
  approved: 'verification.approved',
  expired: 'verification.expired',
  canceled: 'verification.canceled',
  max_attempts_reached: 'verification.max_attempts_reached',
  failed: 'verification.failed',
} as const satisfies Record<Exclude<VerificationRecord['status'], 'pending'>, EventType>;

/** Makes event records (ids come from the clock and the CSPRNG, like every other id). */
export class EventFactory {
  readonly #clock: Clock;
  readonly #random: RandomSource;

  constructor(clock: Clock, random: RandomSource) {
    this.#clock = clock;
    this.#random = random;
  }

  /** An event of `scope`; records of tenant data are their own scope, so an event takes its mode from what it is about. */
  create(scope: Scope, type: EventType, data: Record<string, unknown>): EventRecord {
    return { id: newId('evt', this.#clock, this.#random), serviceId: scope.serviceId, mode: scope.mode, type, data, createdAt: this.#clock.now() };
  }

  /** `type` about the verification as it is after the change. */
  verification(type: EventType): EventsOf<VerificationRecord> {
    return (v) => [this.create(v, type, verificationEventData(v))];
  }

  /** The event of whatever final status the change left the verification in; none while pending. */
  verificationOutcome(): EventsOf<VerificationRecord> {
    return (v) => (v.status === 'pending' ? [] : [this.create(v, FINAL_VERIFICATION_EVENTS[v.status], verificationEventData(v))]);
  }

  /** `type` about the message as it is after the change. */
  message(type: EventType): EventsOf<MessageRecord> {
    return (m) => [this.create(m, type, messageEventData(m))];
  }
}
