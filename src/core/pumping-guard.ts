import type { PumpingGuardSettings } from './abuse-settings.js';
import { AppError } from './errors.js';
import type { AbuseEvents, Clock, PrefixBlock, PrefixBlockStore, RateLimiter } from './ports.js';
import { SlidingWindow } from './sliding-window.js';

/** Digits of a destination prefix after the `+`: the country code and the leading national digits. */
export const PREFIX_DIGITS = 6;

/** `+447400123456` → `+447400`. Sequential numbers of one range share it. */
export function destinationPrefix(e164: string): string {
  return e164.slice(0, 1 + PREFIX_DIGITS);
}

const HOUR = 3_600_000;
/**
 * Sends younger than this cannot have been approved yet (a person needs a minute or two to type
 * the code), so they do not count against conversion: three 1-minute buckets, i.e. the last
 * 2–3 minutes. Without it a healthy burst from a cold start would look like pumping.
 */
const GRACE_BUCKET_MS = 60_000;
const GRACE_BUCKETS = 3;

/**
 * The SMS-pumping guard. Fraudsters make a service text thousands of numbers of one range they
 * earn from; nobody ever types those codes. So, per service and destination prefix, it keeps
 * sliding windows of sends and approvals and blocks the prefix when, in the recent window:
 *
 *   mature sends ≥ min_sends  AND  approvals / mature sends < max_conversion
 *   AND sends ≥ spike_factor × (the prefix's own sends per window over the baseline hours)
 *
 * Healthy traffic converts (most codes are typed), so volume alone never blocks it; a new
 * attack has little baseline, so it trips after about `min_sends` mature sends (sends older
 * than the 2–3 minute grace; see GRACE_BUCKETS). Written by hand:
 * no maintained library does conversion-aware anomaly blocking for OTP traffic.
 */
export class PumpingGuard {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly blocks: PrefixBlockStore,
    private readonly clock: Clock,
    private readonly events: AbuseEvents,
  ) {}

  #recent(settings: PumpingGuardSettings): SlidingWindow {
    return new SlidingWindow(this.limiter, 'pg', (settings.window_minutes * 60_000) / 6, 6);
  }

  #grace(): SlidingWindow {
    return new SlidingWindow(this.limiter, 'pgg', GRACE_BUCKET_MS, GRACE_BUCKETS);
  }

  #hourly(settings: PumpingGuardSettings): { window: SlidingWindow; skip: number } {
    // Hours that overlap the recent window are not baseline: skip the current hour and as many
    // before it as the window spans.
    const skip = Math.ceil(settings.window_minutes / 60) + 1;
    return { window: new SlidingWindow(this.limiter, 'pgh', HOUR, settings.baseline_hours + skip), skip };
  }

  /** Refuses a send to a blocked prefix. Call before counting or queueing anything. */
  async assertNotBlocked(serviceId: string, prefix: string, settings: PumpingGuardSettings): Promise<void> {
    if (settings.mode !== 'enforce') return;
    const now = this.clock.now();
    const block = await this.blocks.findPrefixBlock(serviceId, prefix, now);
    if (block?.mode === 'enforced') throw blockedError(block, now);
  }

  /** Counts one send and blocks the prefix when the rule above trips (then this send is refused too). */
  async recordSend(serviceId: string, prefix: string, settings: PumpingGuardSettings): Promise<void> {
    if (settings.mode === 'off') return;
    const now = this.clock.now();
    const series = `${serviceId}:${prefix}`;
    const recent = this.#recent(settings);
    const hourly = this.#hourly(settings);
    const grace = this.#grace();
    // One limiter call for the three windows (they never refuse: counts only).
    await this.limiter.consumeAll([recent.addition(`s:${series}`, now), hourly.window.addition(series, now), grace.addition(series, now)]);

    const sends = await recent.total(`s:${series}`, now);
    if (sends < settings.min_sends) return;
    const mature = sends - (await grace.total(series, now));
    if (mature < settings.min_sends) return;
    const approvals = await recent.total(`a:${series}`, now);
    if (approvals / mature >= settings.max_conversion) return;
    const baselineTotal = await hourly.window.total(series, now, settings.baseline_hours, hourly.skip);
    const baselinePerWindow = (baselineTotal / settings.baseline_hours) * (settings.window_minutes / 60);
    if (sends < settings.spike_factor * baselinePerWindow) return;

    const existing = await this.blocks.findPrefixBlock(serviceId, prefix, now);
    if (existing && (existing.mode === 'enforced' || settings.mode === 'monitor')) {
      // Already recorded (a monitor entry, or a block another instance just wrote).
      if (existing.mode === 'enforced' && settings.mode === 'enforce') throw blockedError(existing, now);
      return;
    }
    const block: PrefixBlock = {
      serviceId,
      prefix,
      mode: settings.mode === 'enforce' ? 'enforced' : 'monitor',
      reason: `${sends} sends and ${approvals} approvals in ${settings.window_minutes} min; baseline ${round(baselinePerWindow)} sends per window`,
      sends,
      approvals,
      baselinePerWindow: round(baselinePerWindow),
      createdAt: now,
      expiresAt: now + settings.block_hours * HOUR,
    };
    await this.blocks.savePrefixBlock(block);
    await this.events.prefixBlocked(block);
    if (block.mode === 'enforced') throw blockedError(block, now);
  }

  /**
   * Lifts a block. The recent window is forgotten too: the operator judged this traffic
   * legitimate, so a new block needs fresh evidence (another `min_sends` unconverted sends).
   */
  async lift(serviceId: string, prefix: string, settings: PumpingGuardSettings): Promise<boolean> {
    const lifted = await this.blocks.deletePrefixBlock(serviceId, prefix);
    const now = this.clock.now();
    const series = `${serviceId}:${prefix}`;
    await Promise.all([this.#recent(settings).clear(`s:${series}`, now), this.#grace().clear(series, now)]);
    return lifted;
  }

  /** Approvals of the prefix in the recent window (zero when the guard is off: it counts none). */
  async recentApprovals(serviceId: string, prefix: string, settings: PumpingGuardSettings): Promise<number> {
    if (settings.mode === 'off') return 0;
    return this.#recent(settings).total(`a:${serviceId}:${prefix}`, this.clock.now());
  }

  /** Counts one approval (a code that was typed): what tells real users from pumping. */
  async recordApproval(serviceId: string, prefix: string, settings: PumpingGuardSettings): Promise<void> {
    if (settings.mode === 'off') return;
    await this.#recent(settings).add(`a:${serviceId}:${prefix}`, this.clock.now());
  }
}

function blockedError(block: PrefixBlock, now: number): AppError {
  return new AppError('prefix_blocked', `SMS to numbers starting ${block.prefix} are paused until ${new Date(block.expiresAt).toISOString()}: unusual volume without approvals.`, {
    retryAfterSeconds: Math.max(1, Math.ceil((block.expiresAt - now) / 1000)),
    extra: { prefix: block.prefix, blocked_until: new Date(block.expiresAt).toISOString() },
  });
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
