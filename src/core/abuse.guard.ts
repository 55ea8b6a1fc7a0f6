import type { AdaptiveLimit, Budget, RateLimitSettings } from './abuse-settings.js';
import { AppError, isAppError } from './errors.js';
import type { RateLimitInfo } from './errors.js';
import { addressPartition } from './ip.js';
import type { Channel, Origin, Scope, ServiceRecord, Tenant } from './model.js';
import { isEmailAddress } from './destination.js';
import type { Destination } from './destination.js';
import { isDisposableDomain, mailboxOf } from './email-address.js';
import { priceOf } from '../channels/channel-settings.js';
import { assertSmsCapable } from './phone.js';
import { LRUCache } from 'lru-cache';
import type { AbuseEvents, Clock, ConsumeItem, PrefixBlock, PrefixBlockStore, ProvenTraffic, RateLimitDecision, RateLimiter } from './ports.js';
import { PumpingGuard, destinationPrefix } from './pumping-guard.js';
import { counterScope } from './scope.js';
import { SlidingWindow } from './sliding-window.js';

const DAY = 86_400_000;
/** B2's window: 6 buckets of 4 h plus the current one, so any 24 h holds at most the cap (see reserveFailedCheck). */
const B2_BUCKET_MS = 4 * 3_600_000;
const B2_BUCKETS = 7;
/** Spend is counted in millionths of the price unit, because counters are integers. */
const MICRO = 1_000_000;

/** A failed-check reservation taken before a code is compared (rule B2). */
export interface CheckReservation {
  release(): Promise<void>;
}

const NO_RESERVATION: CheckReservation = { release: async () => {} };

/** Whether a send or check is about one of the service's test numbers (fixed code, nothing sent) or a real phone. */
export interface NumberKind {
  testNumber: boolean;
}

/** Each approval in a prefix's recent window (the pumping guard's) adds this many sends to its `sends_per_prefix` budget (up to ADAPTIVE_HEADROOM × it). */
export const APPROVAL_CREDIT = 2;
/** With `adaptive_limits`, default `sends_per_service` and `daily_message_cap` are at least this many times the proven peak, and at most this many times the default; approvals raise a prefix's budget to at most this many times its limit. */
export const ADAPTIVE_HEADROOM = 15;
/** How far back proven traffic reaches, and how long an instance keeps what it read. */
const PROVEN_DAYS = 7;
const PROVEN_CACHE_MS = 300_000;
/** A send budget warns the operator once its window passes this share of its limit. */
const WARN_SHARE = 0.8;
/** A daily cap warns at each of these shares. */
const QUOTA_WARN_SHARES = [0.5, 0.8];

/** Whether `adaptive_limits` may raise a budget: on, and not one the operator set (fixed_limits). */
function adapts(settings: ServiceRecord['settings'], name: AdaptiveLimit): boolean {
  return settings.adaptive_limits && !settings.fixed_limits.includes(name);
}

/** Budgets counted per address: IPv6 addresses count with their /64 (see addressPartition). */
const ADDRESS_BUDGETS: ReadonlySet<string> = new Set(['requests_per_source_ip', 'sends_per_client_ip', 'checks_per_client_ip']);

export interface AbuseGuardDeps {
  limiter: RateLimiter;
  /** What each service has proven (approved sends per busiest hour and day), for `adaptive_limits`. None: the settings as they are. */
  proven?: (serviceId: string, since: number) => Promise<ProvenTraffic>;
  /** Turns phone numbers and IPs into the opaque ids used in counter keys. Default: as they are. */
  pseudonym?: (value: string) => string;
  blocks: PrefixBlockStore;
  clock: Clock;
  events: AbuseEvents;
}

/**
 * Every abuse control on the way of a send or a check, in one place and in a fixed order, so a
 * refused send never reaches the queue (and so never the provider): line type, geo permission,
 * prefix block, velocity limits, daily caps, then the pumping guard's count. Limiter errors
 * (Redis down without a fallback) become 503: sends fail closed.
 *
 * Which controls apply is decided here, for every surface alike:
 * - live sends to real phones: all of them;
 * - a service's test numbers (fixed codes, nothing sent), in either mode: the budgets of a
 *   person — per number, per end-user IP, per connecting address — for sends and checks, the
 *   failed-check budget (B2) included (T3): a fixed code is a credential a test key cannot read,
 *   so it must not be able to guess it either; no cap, prefix count or pumping-guard count, as no
 *   SMS goes out;
 * - test-mode keys on other numbers: nothing real is sent and every code is readable in the dev
 *   outbox, so no send budget and no B2.
 * Every count of test mode is kept in counters of its own (`counterScope`), so test traffic never
 * fills a live budget and a 429 never tells one world about the other.
 */
export class AbuseGuard {
  readonly #deps: AbuseGuardDeps;
  readonly pumping: PumpingGuard;
  /** Proven traffic per service and when it was read (the core's clock, so tests can move it). */
  readonly #proven = new LRUCache<string, { traffic: ProvenTraffic; at: number }>({ max: 10_000 });

  constructor(deps: AbuseGuardDeps) {
    this.#deps = deps;
    this.pumping = new PumpingGuard(deps.limiter, deps.blocks, deps.clock, deps.events);
  }

  /**
   * The service's limits as they stand: with `adaptive_limits`, `sends_per_service` and
   * `daily_message_cap` — each only while it holds its default, since a value the operator set is
   * a ceiling they chose — raised to ADAPTIVE_HEADROOM × the sends of verifications approved
   * with a code otpgate made in the busiest hour and day of the last week (read at most every 5
   * minutes per instance), and never beyond ADAPTIVE_HEADROOM × the default.
   */
  async limitsOf(service: ServiceRecord): Promise<{ velocity: RateLimitSettings; dailyMessageCap: number | null }> {
    const s = service.settings;
    const configured = { velocity: s.velocity_limits, dailyMessageCap: s.daily_message_cap };
    const adaptService = adapts(s, 'sends_per_service');
    const adaptCap = adapts(s, 'daily_message_cap') && s.daily_message_cap !== null;
    if (!this.#deps.proven || !(adaptService || adaptCap)) return configured;
    const now = this.#deps.clock.now();
    let cached = this.#proven.get(service.id);
    if (!cached || now - cached.at >= PROVEN_CACHE_MS) {
      cached = { traffic: await this.#deps.proven(service.id, now - PROVEN_DAYS * DAY), at: now };
      this.#proven.set(service.id, cached);
    }
    const proven = cached.traffic;
    const raised = (value: number, wanted: number) => Math.min(ADAPTIVE_HEADROOM * value, Math.max(value, wanted));
    const perService = s.velocity_limits.sends_per_service;
    const hourly = Math.ceil((ADAPTIVE_HEADROOM * proven.peakHour * perService.window_seconds) / 3600);
    return {
      velocity: adaptService ? { ...s.velocity_limits, sends_per_service: { ...perService, limit: raised(perService.limit, hourly) } } : s.velocity_limits,
      dailyMessageCap: adaptCap ? raised(s.daily_message_cap!, ADAPTIVE_HEADROOM * proven.peakDay) : s.daily_message_cap,
    };
  }

  /**
   * Line type and geo permission (with the channel's own countries), or for an email address its
   * domain's kind: pure, so the caller can run them before any lookup.
   */
  assertDestinationAllowed(service: ServiceRecord, destination: Destination, channel: Channel): void {
    const s = service.settings;
    if (destination.kind === 'email') {
      if (s.email_block_disposable && isDisposableDomain(destination.domain)) {
        this.#deps.events.refused(service.id, 'disposable_email', { domain: destination.domain });
        throw new AppError('email_not_allowed', `This service does not send codes to disposable email domains such as ${destination.domain}.`, {
          extra: { domain: destination.domain },
        });
      }
      return;
    }
    const phone = destination.phone;
    const safe = s.safelist.includes(phone.e164);
    assertSmsCapable(phone, { refuseVoip: s.refuse_voip && !safe, call: channel === 'call' });
    if (safe) return;
    // Satellite and other non-geographic ranges (+881, +870, +882…) are classic toll-fraud
    // destinations for calls: a call reaches one only when the number is safelisted.
    if (channel === 'call' && phone.country === null) {
      this.#deps.events.refused(service.id, 'country_not_allowed', { country: null, channel });
      throw new AppError('country_not_allowed', 'This service does not call numbers outside any country (satellite and international ranges); safelist one to allow it.', {
        extra: { country: null, channel },
      });
    }
    const narrowed = s.channel_countries[channel as Exclude<Channel, 'email'>];
    for (const allowed of [s.allowed_countries, narrowed ?? null]) {
      if (allowed === null) continue;
      if (phone.country === null || !allowed.includes(phone.country)) {
        this.#deps.events.refused(service.id, 'country_not_allowed', { country: phone.country, channel });
        throw new AppError('country_not_allowed', `This service does not send ${CHANNEL_WORDS[channel]} to ${phone.country ?? 'this destination'}.`, {
          extra: { country: phone.country, channel },
        });
      }
    }
  }

  /** Everything a send must pass, counted as it passes. Throws the refusal. */
  async beforeSend(tenant: Tenant, destination: Destination, origin: Origin, kind: NumberKind, channel: Channel): Promise<void> {
    if (tenant.mode === 'test' && !kind.testNumber) return;
    const service = tenant.service;
    await this.#failClosed('send', async () => {
      const s = service.settings;
      if (kind.testNumber) {
        await this.#take(tenant, s.velocity_limits, [
          ['requests_per_source_ip', origin.sourceIp],
          ['sends_per_client_ip', origin.clientIp],
          ['sends_per_phone', destination.address],
        ]);
        return;
      }
      if (destination.kind === 'email') {
        // Email has no toll fraud to pump, but it can be bombed: the budgets of a person, the
        // service's, and one per recipient domain (its own limit for a large provider).
        const limits = await this.limitsOf(service);
        const perDomain = { ...s.sends_per_email_domain, limit: s.email_domain_limits[destination.domain] ?? s.sends_per_email_domain.limit };
        await this.#take(tenant, { ...limits.velocity, sends_per_email_domain: perDomain }, [
          ['requests_per_source_ip', origin.sourceIp],
          ['sends_per_client_ip', origin.clientIp],
          // One mailbox, however it is written (+tags, dots at Gmail): mail bombing through sub-addresses counts once.
          ['sends_per_phone', mailboxOf(destination.address)],
          ['sends_per_service', ''],
          ['sends_per_email_domain', destination.domain],
        ]);
        await this.#takeQuota(service, destination, channel, limits.dailyMessageCap);
        return;
      }
      const phone = destination.phone;
      const safe = s.safelist.includes(phone.e164);
      const prefix = destinationPrefix(phone.e164);
      if (!safe) await this.#countBlocked(service.id, () => this.pumping.assertNotBlocked(service.id, prefix, s.pumping_guard));
      const limits = await this.limitsOf(service);
      // The prefix budget counts last: a prefix whose codes are being approved earns more sends
      // (APPROVAL_CREDIT per approval in the pumping guard's window, up to ADAPTIVE_HEADROOM × its
      // limit), so real users of one busy range are not refused; a range nobody verifies
      // (pumping) keeps the plain limit, and one whose codes are read by whoever pumps it grows
      // no further than that.
      const perPrefix = limits.velocity.sends_per_prefix.limit;
      const prefixLimit = async () =>
        adapts(s, 'sends_per_prefix')
          ? Math.min(ADAPTIVE_HEADROOM * perPrefix, perPrefix + APPROVAL_CREDIT * (await this.pumping.recentApprovals(service.id, prefix, s.pumping_guard)))
          : perPrefix;
      const taken = await this.#take(tenant, limits.velocity, [
        ['requests_per_source_ip', origin.sourceIp],
        ['sends_per_client_ip', origin.clientIp],
        ['sends_per_phone', phone.e164],
        ['sends_per_service', ''],
        ['sends_per_prefix', safe ? undefined : prefix],
      ], { allowance: { sends_per_prefix: prefixLimit } });
      await this.#warnOnSendBudgets(service.id, prefix, taken, prefixLimit);
      await this.#takeQuota(service, destination, channel, limits.dailyMessageCap);
      if (!safe) await this.#countBlocked(service.id, () => this.pumping.recordSend(service.id, prefix, s.pumping_guard));
    });
  }

  /**
   * A message the service's fallback order adds (no request asked for it, so no per-request
   * budget): the channel's geo rules, and the caps and price of one more message.
   */
  async beforeFallback(tenant: Tenant, destination: Destination, channel: Channel): Promise<void> {
    this.assertDestinationAllowed(tenant.service, destination, channel);
    if (tenant.mode === 'test') return;
    await this.#failClosed('send', async () => {
      const limits = await this.limitsOf(tenant.service);
      await this.#takeQuota(tenant.service, destination, channel, limits.dailyMessageCap);
    });
  }

  async #countBlocked(serviceId: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (isAppError(error) && error.code === 'prefix_blocked') this.#deps.events.refused(serviceId, 'prefix_blocked', { prefix: error.extra?.prefix });
      throw error;
    }
  }

  /** Limits that apply before the verification is even looked up (so probing is bounded too). */
  async beforeCheckLookup(tenant: Tenant, origin: Origin): Promise<void> {
    await this.#failClosed('check', async () => {
      await this.#take(tenant, tenant.service.settings.velocity_limits, [
        ['requests_per_source_ip', origin.sourceIp],
        ['checks_per_client_ip', origin.clientIp],
        ['checks_per_service', ''],
      ]);
    });
  }

  /**
   * Counts a check of `to` and reserves one failed check of the number's daily budget (B2)
   * before the code is compared, so concurrent wrong checks cannot overshoot it. Release the
   * reservation when the check turns out right or is not evaluated.
   *
   * The budget is a sliding window of seven 4-hour buckets: a check is allowed only while the
   * current bucket and the six before it (24–28 h) hold at most the cap. Any 24 h lies inside
   * the seven buckets of its last allowed check, so no 24 h ever holds more than the cap.
   */
  async reserveFailedCheck(tenant: Tenant, to: string, kind: NumberKind): Promise<CheckReservation> {
    if (tenant.mode === 'test' && !kind.testNumber) return NO_RESERVATION;
    const service = tenant.service;
    return this.#failClosed('check', async () => {
      const { limiter, clock } = this.#deps;
      const cap = service.settings.failed_checks_per_phone_per_day;
      const window = new SlidingWindow(limiter, 'b2', B2_BUCKET_MS, B2_BUCKETS);
      // One person's budget: an email address counts by its mailbox (+tags and Gmail dots aside).
      const person = isEmailAddress(to) ? mailboxOf(to) : to;
      const series = `${counterScope(tenant)}:${this.#pseudonym(person)}`;
      const now = clock.now();
      // The number's check budget and this bucket of B2 in one limiter call (B2 is not counted
      // when the budget refuses). The increment's own answer counts this bucket (atomic, so
      // concurrent checks each see a different count); earlier buckets no longer change.
      const [[current], earlier] = await Promise.all([
        this.#take(tenant, service.settings.velocity_limits, [['checks_per_phone', person]], { extra: [window.addition(series, now)] }).then((t) => t.extra),
        window.total(series, now, B2_BUCKETS - 1, 1),
      ]);
      const total = current!.count + earlier;
      const release = async () => {
        try {
          await window.remove(series, now);
        } catch (error) {
          this.#deps.events.limiterUnavailable('check_release', error);
        }
      };
      if (total > cap) {
        await release();
        const roomAt = (await window.nextRoomAt(series, now)) ?? now + B2_BUCKET_MS;
        const resetSeconds = Math.max(1, Math.ceil((roomAt - now) / 1000));
        this.#deps.events.refused(service.id, 'failed_checks_per_phone_per_day', { limit: cap });
        throw new AppError('rate_limited', `Too many wrong codes for this number in the last 24 hours (at most ${cap}).`, {
          retryAfterSeconds: resetSeconds,
          rateLimit: { policy: 'failed_checks_per_phone_per_day', limit: cap, windowSeconds: 86_400, remaining: 0, resetSeconds },
          extra: { limit: 'failed_checks_per_phone_per_day' },
        });
      }
      return { release };
    });
  }

  /** The blocks of the tenant's world: the guard counts live sends only, so the test world has none (T1). */
  async listPrefixBlocks(tenant: Tenant): Promise<PrefixBlock[]> {
    if (tenant.mode === 'test') return [];
    return this.#deps.blocks.listPrefixBlocks(tenant.serviceId, this.#deps.clock.now());
  }

  /** Lifts a prefix block; false when there was none. */
  async liftPrefixBlock(service: ServiceRecord, prefix: string): Promise<boolean> {
    return this.#failClosed('lift', () => this.pumping.lift(service.id, prefix, service.settings.pumping_guard));
  }

  /** Counts a live approval for the pumping guard's conversion rate (test numbers and test mode send nothing real). */
  async recordApproval(tenant: Tenant, to: string): Promise<void> {
    const service = tenant.service;
    // The guard watches phone ranges; an email address has none.
    if (tenant.mode === 'test' || !to.startsWith('+') || service.settings.safelist.includes(to)) return;
    try {
      await this.pumping.recordApproval(service.id, destinationPrefix(to), service.settings.pumping_guard);
    } catch (error) {
      // The approval itself stands; only the guard's conversion count misses one.
      this.#deps.events.limiterUnavailable('approval', error);
    }
  }

  /**
   * The operator hears (event, metric, log) when a window of `sends_per_service` or of a
   * prefix's budget passes 80 % of what it allows, once per window: well before anyone is refused.
   */
  async #warnOnSendBudgets(serviceId: string, prefix: string, taken: TakenBudget[], prefixLimit: () => Promise<number>): Promise<void> {
    for (const t of taken) {
      if (t.name !== 'sends_per_service' && t.name !== 'sends_per_prefix') continue;
      // Cheap test first: the prefix's own allowance needs a read, and only near the limit.
      if (t.decision.count < Math.ceil(WARN_SHARE * t.budget.limit)) continue;
      const max = t.name === 'sends_per_prefix' ? await prefixLimit() : t.budget.limit;
      if (t.decision.count !== Math.ceil(WARN_SHARE * max)) continue;
      await this.#deps.events.limitWarning(serviceId, {
        limit: t.name,
        prefix: t.name === 'sends_per_prefix' ? prefix : null,
        used: t.decision.count,
        max,
        windowSeconds: t.budget.window_seconds,
        resetsAt: (t.index + 1) * t.windowMs,
      });
    }
  }

  /**
   * Counts the request against each budget that has a partition (in this order, all in one
   * limiter call, followed by `extra` counters that never refuse) and throws the first refusal;
   * nothing after a refused budget is counted. An `allowance` may raise the limit of the last
   * budget of the list (computed only when it refuses). Answers what was taken and the decisions of `extra`.
   */
  async #take(
    scope: Scope,
    limits: Budgets,
    budgets: Array<[BudgetName, string | null | undefined]>,
    options: { extra?: ConsumeItem[]; allowance?: Partial<Record<BudgetName, () => Promise<number>>> } = {},
  ): Promise<TakenBudget[] & { extra: RateLimitDecision[] }> {
    const extra = options.extra ?? [];
    const now = this.#deps.clock.now();
    const serviceId = scope.serviceId;
    const counters = counterScope(scope);
    const taken = budgets.flatMap(([name, partition]) => {
      if (partition === undefined || partition === null) return [];
      const budget: Budget = limits[name]!;
      const windowMs = budget.window_seconds * 1000;
      // Windows are aligned to the clock (the key names the window), so they move with the
      // core's clock and every instance agrees on where a window starts.
      const index = Math.floor(now / windowMs);
      // The service-wide budget has no partition; prefixes stay readable (they name a range, not a person).
      const counted = ADDRESS_BUDGETS.has(name) ? addressPartition(partition) : partition.trim().toLowerCase();
      const id = partition === '' || name === 'sends_per_prefix' || name === 'sends_per_email_domain' ? partition : this.#pseudonym(counted);
      return [{ name, budget, index, windowMs, key: `rl:${name}:${counters}:${id}:${index}` }];
    });
    const decisions = await this.#deps.limiter.consumeAll([...taken.map((t) => ({ key: t.key, limit: t.budget.limit, windowMs: t.windowMs })), ...extra]);
    const answer = () => Object.assign(taken.map((t, i) => ({ ...t, decision: decisions[i]! })), { extra: decisions.slice(taken.length) });
    const refused = decisions.findIndex((d) => !d.allowed);
    if (refused < 0) return answer();
    const { name, budget, index, windowMs } = taken[refused]!;
    const allowance = options.allowance?.[name];
    let limit = budget.limit;
    if (allowance && refused === taken.length - 1) {
      limit = Math.max(limit, await allowance());
      // Nothing was skipped after it (it is last), so within its allowance it simply passes.
      if (decisions[refused]!.count <= limit) return answer();
    }
    const resetSeconds = Math.max(1, Math.ceil(((index + 1) * windowMs - now) / 1000));
    this.#deps.events.refused(serviceId, name, { limit, window_seconds: budget.window_seconds });
    throw rateLimited(name, { policy: name, limit, windowSeconds: budget.window_seconds, remaining: 0, resetSeconds });
  }

  /** Daily message and spend caps (S4). Refused sends are given back, so a cap is not eaten by refusals. */
  async #takeQuota(service: ServiceRecord, destination: Destination, channel: Channel, dailyMessageCap: number | null): Promise<void> {
    const s = service.settings;
    const { limiter, clock, events } = this.#deps;
    const now = clock.now();
    const day = Math.floor(now / DAY);
    const resetSeconds = Math.max(1, Math.ceil(((day + 1) * DAY - now) / 1000));
    const taken: Array<{ key: string; cost: number }> = [];
    const giveBack = () => Promise.all(taken.map((t) => limiter.refund(t.key, DAY, t.cost)));

    const quotas: Array<{ quota: 'messages' | 'spend' | `${Channel}_messages`; cap: number; cost: number; scale: number }> = [];
    if (dailyMessageCap !== null) quotas.push({ quota: 'messages', cap: dailyMessageCap, cost: 1, scale: 1 });
    const channelCap = s.channel_daily_caps[channel];
    if (channelCap !== undefined) quotas.push({ quota: `${channel}_messages`, cap: channelCap, cost: 1, scale: 1 });
    const price = priceOf(s, channel, destination.country);
    if (s.daily_spend_cap !== null && price > 0) {
      quotas.push({ quota: 'spend', cap: Math.round(s.daily_spend_cap * MICRO), cost: Math.round(price * MICRO), scale: MICRO });
    }
    for (const q of quotas) {
      const key = `quota:${q.quota}:${service.id}:${day}`;
      const decision = await limiter.consume(key, q.cap, DAY, q.cost);
      taken.push({ key, cost: q.cost });
      if (!decision.allowed) {
        await giveBack();
        events.refused(service.id, `daily_${q.quota}_cap`, { cap: q.cap / q.scale });
        const what = q.quota === 'messages' ? 'message' : q.quota === 'spend' ? 'spend' : `${channel} message`;
        throw new AppError('quota_exceeded', `The service reached its daily ${what} cap; it resets at 00:00 UTC.`, {
          retryAfterSeconds: resetSeconds,
          rateLimit: { policy: `daily_${q.quota}_cap`, limit: Math.floor(q.cap / q.scale), windowSeconds: 86_400, remaining: 0, resetSeconds },
          extra: { quota: q.quota },
        });
      }
      for (const share of QUOTA_WARN_SHARES) {
        const warnAt = share * q.cap;
        if (decision.count >= warnAt && decision.count - q.cost < warnAt) {
          await events.quotaWarning(service.id, { quota: q.quota, percent: share * 100, used: decision.count / q.scale, cap: q.cap / q.scale, resetsAt: (day + 1) * DAY });
        }
      }
    }
  }

  #pseudonym(value: string): string {
    return this.#deps.pseudonym ? this.#deps.pseudonym(value) : value;
  }

  async #failClosed<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isAppError(error)) throw error;
      this.#deps.events.limiterUnavailable(operation, error);
      throw new AppError('service_unavailable', 'Rate limits cannot be checked right now, so nothing was sent; retry shortly.', {
        retryAfterSeconds: 5,
        cause: error,
      });
    }
  }
}

/** One budget a request was counted against, with the limiter's answer. */
interface TakenBudget {
  name: BudgetName;
  budget: Budget;
  index: number;
  windowMs: number;
  key: string;
  decision: RateLimitDecision;
}

/** The per-channel email budget joins the velocity limits where budgets are counted. */
type BudgetName = keyof RateLimitSettings | 'sends_per_email_domain';
type Budgets = RateLimitSettings & { sends_per_email_domain?: Budget };

const CHANNEL_WORDS: Record<Channel, string> = { sms: 'SMS', whatsapp: 'WhatsApp messages', call: 'calls', email: 'email' };

/** What each budget counts, for the problem's `detail`. */
const BUDGET_WORDS: Record<BudgetName, string> = {
  sends_per_email_domain: 'emails to this domain',
  sends_per_phone: 'SMS to this number',
  sends_per_client_ip: 'SMS for this client_ip',
  sends_per_prefix: 'SMS to numbers of this prefix',
  sends_per_service: 'SMS of this service',
  checks_per_phone: 'checks of this number',
  checks_per_client_ip: 'checks from this client_ip',
  checks_per_service: 'checks of this service',
  requests_per_source_ip: 'requests from this address',
};

function rateLimited(name: BudgetName, info: RateLimitInfo): AppError {
  return new AppError('rate_limited', `Too many ${BUDGET_WORDS[name]}: at most ${info.limit} per ${info.windowSeconds} s.`, {
    retryAfterSeconds: info.resetSeconds,
    rateLimit: info,
    extra: { limit: name },
  });
}
