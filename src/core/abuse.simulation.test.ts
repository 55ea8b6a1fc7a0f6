import { phoneDestination } from './destination.js';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/helpers/fake-clock.js';
import { createMemoryLimiter } from '../limits/memory.limiter.js';
import { defaultAbuseSettings, withAbuseDefaults } from './abuse-settings.js';
import type { AbuseSettings } from './abuse-settings.js';
import { AbuseGuard } from './abuse.guard.js';
import { isAppError } from './errors.js';
import type { ServiceRecord, Tenant } from './model.js';
import type { PrefixBlock, PrefixBlockStore, ProvenTraffic } from './ports.js';
import { noopAbuseEvents } from './ports.js';
import { applySettings, DEFAULT_SETTINGS, newSettings } from './service-settings.js';

/**
 * The abuse defaults against a growing app (issue 15): a week of healthy traffic, then a launch
 * day ten times as busy, through the real AbuseGuard on a fake clock (every budget, the caps,
 * the pumping guard), with a pumping attack next to it. Approvals arrive 20–120 s after their
 * send, as people type codes; the guard learns them as the verification service tells it.
 */
const HOUR = 3_600_000;

class MemoryBlocks implements PrefixBlockStore {
  readonly blocks = new Map<string, PrefixBlock>();
  async savePrefixBlock(b: PrefixBlock) {
    this.blocks.set(b.prefix, b);
  }
  async findPrefixBlock(_serviceId: string, prefix: string, now: number) {
    const b = this.blocks.get(prefix);
    return b && b.expiresAt > now ? b : null;
  }
  async listPrefixBlocks() {
    return [...this.blocks.values()];
  }
  async deletePrefixBlock(_serviceId: string, prefix: string) {
    return this.blocks.delete(prefix);
  }
}

/** Deterministic pseudo-random numbers, so every run is the same. */
function lcg(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

interface Stream {
  name: string;
  /** Leading digits after `+`: a sequential number is appended, as both users and pumpers look. */
  digits: string;
  /** Sends per hour at `hour` (hours from the start). */
  perHour: (hour: number) => number;
  conversion: number;
}

interface Outcome {
  sent: number;
  refused: Record<string, number>;
  /** Sends that went through before the first refusal, or null when none was refused. */
  firstRefusalAfter: number | null;
}

async function simulate(streams: Stream[], hours: number, settings: Partial<AbuseSettings> = {}) {
  const clock = new FakeClock(Date.UTC(2026, 10, 2, 0, 0, 0));
  const start = clock.now();
  const random = lcg(7);
  // What the attempt counters would hold: sends of approved verifications per hour.
  const approvedSendsByHour = new Map<number, number>();
  const proven = async (_serviceId: string, since: number): Promise<ProvenTraffic> => {
    let peakHour = 0;
    const days = new Map<number, number>();
    for (const [hour, n] of approvedSendsByHour) {
      if (hour * HOUR < since) continue;
      peakHour = Math.max(peakHour, n);
      days.set(Math.floor(hour / 24), (days.get(Math.floor(hour / 24)) ?? 0) + n);
    }
    return { peakHour, peakDay: Math.max(0, ...days.values()) };
  };
  const guard = new AbuseGuard({ limiter: createMemoryLimiter(), blocks: new MemoryBlocks(), clock, events: noopAbuseEvents, proven });
  const service: ServiceRecord = { id: 'svc_sim', settings: { ...DEFAULT_SETTINGS, name: 'Growing', ...defaultAbuseSettings(), ...settings }, createdAt: start, updatedAt: start };
  const tenant: Tenant = { service, serviceId: service.id, mode: 'live' };

  // Every send of every stream, in time order.
  const sends: Array<{ at: number; stream: number }> = [];
  for (const [i, s] of streams.entries()) {
    for (let hour = 0; hour < hours; hour++) {
      const n = s.perHour(hour);
      for (let k = 0; k < n; k++) sends.push({ at: start + hour * HOUR + Math.floor(((k + random()) / n) * HOUR), stream: i });
    }
  }
  sends.sort((a, b) => a.at - b.at);
  const approvals: Array<{ at: number; to: string; sentAt: number }> = [];
  const outcomes: Outcome[] = streams.map(() => ({ sent: 0, refused: {}, firstRefusalAfter: null }));
  const seq = streams.map(() => 0);
  for (const send of sends) {
    // Approvals that came in before this send.
    approvals.sort((a, b) => a.at - b.at);
    while (approvals.length > 0 && approvals[0]!.at <= send.at) {
      const due = approvals.shift()!;
      clock.set(due.at);
      await guard.recordApproval(tenant, due.to);
      const hour = Math.floor(due.sentAt / HOUR);
      approvedSendsByHour.set(hour, (approvedSendsByHour.get(hour) ?? 0) + 1);
    }
    clock.set(send.at);
    const s = streams[send.stream]!;
    const out = outcomes[send.stream]!;
    const to = `+${s.digits}${String(seq[send.stream]!++).padStart(12 - s.digits.length, '0')}`;
    // End users come from many addresses; the integrator's backend is one.
    const clientIp = `198.51.${Math.floor(random() * 250)}.${Math.floor(random() * 250)}`;
    try {
      await guard.beforeSend(tenant, phoneDestination({ e164: to, country: null, lineType: null }), { sourceIp: '192.0.2.1', clientIp }, { testNumber: false }, 'sms');
      out.sent++;
      if (random() < s.conversion) approvals.push({ at: send.at + 20_000 + Math.floor(random() * 100_000), to, sentAt: send.at });
    } catch (error) {
      if (!isAppError(error)) throw error;
      const rule = String(error.extra?.limit ?? error.code);
      out.refused[rule] = (out.refused[rule] ?? 0) + 1;
      out.firstRefusalAfter ??= out.sent;
    }
  }
  return outcomes;
}

// A mid-size app: 400 verifications an hour on a normal day (below the 10,000 daily cap), a third
// of them to numbers of one busy mobile range. On launch day (day 8) it gets ten times as busy
// from 08:00 to 20:00: 96,000 sends that day, nearly ten times the default daily cap.
const WEEK = 7 * 24;
const launch = (base: number) => (hour: number) => (hour >= WEEK + 8 && hour < WEEK + 20 ? base * 10 : base);
const healthy: Stream[] = [
  { name: 'busy range', digits: '491511', perHour: launch(130), conversion: 0.9 },
  { name: 'another range', digits: '447700', perHour: launch(90), conversion: 0.85 },
  { name: 'the rest', digits: '14155', perHour: launch(180), conversion: 0.9 },
];

describe('abuse defaults against a growing app (simulation)', () => {
  it('never refuse healthy traffic through a week and a 10× launch day, and still stop a pumping attack as before', async () => {
    // The attack starts on launch day: one send every 10 s into a range nobody verifies.
    const attack: Stream = { name: 'pumping', digits: '232760', perHour: (hour) => (hour >= WEEK + 9 && hour < WEEK + 11 ? 360 : 0), conversion: 0 };
    const outcomes = await simulate([...healthy, attack], WEEK + 24);
    const [busy, other, rest, pumping] = outcomes;
    for (const out of [busy!, other!, rest!]) expect(out.refused).toEqual({});
    expect(busy!.sent + other!.sent + rest!.sent).toBe(healthy.reduce((sum, s) => sum + Array.from({ length: WEEK + 24 }, (_, h) => s.perHour(h)).reduce((a, b) => a + b, 0), 0));
    // The bounds of before: the prefix budget (40 in 10 minutes) and the pumping guard's block.
    expect(pumping!.firstRefusalAfter).not.toBeNull();
    expect(pumping!.sent).toBeLessThanOrEqual(40);
    console.info(`abuse simulation: ${busy!.sent + other!.sent + rest!.sent} healthy sends, none refused; the attack sent ${pumping!.sent} of 720`);
  }, 120_000);

  it('a pumper who reads every code grows a prefix\'s budget no further than 15× its limit', async () => {
    // Four sends a second for half an hour into one range, every code approved (numbers whose
    // texts the pumper reads): 7,200 sends wanted; the budget stops at 600 per 10 minutes.
    const reader: Stream = { name: 'reading pumper', digits: '232761', perHour: (hour) => (hour === 0 ? 7200 : 0), conversion: 1 };
    const [out] = await simulate([{ ...reader, perHour: (hour) => (hour === 0 ? 7200 : 0) }], 1);
    expect(out!.refused).toHaveProperty('sends_per_prefix');
    expect(out!.sent).toBeLessThanOrEqual(7 * 15 * 40);
    console.info(`abuse simulation: a pumper approving every code sent ${out!.sent} of 7200 in an hour`);
  }, 120_000);

  it('with the old fixed limits, the same launch day would have been refused', async () => {
    // No credit for approvals (the pumping guard counts none when off) and no adaptive caps: the
    // limits as they stood before issue 15.
    const outcomes = await simulate(healthy, WEEK + 24, { adaptive_limits: false, pumping_guard: { ...defaultAbuseSettings().pumping_guard, mode: 'off' } });
    const refused = outcomes.map((o) => o.refused);
    expect(refused[0]).toHaveProperty('sends_per_prefix');
    expect(refused.some((r) => (r.quota_exceeded ?? 0) > 0)).toBe(true);
  }, 120_000);
});

describe('adaptive limits (issue 15)', () => {
  const clock = new FakeClock(Date.UTC(2026, 10, 2));
  const peak = { peakHour: 20_000, peakDay: 40_000 };
  const guard = new AbuseGuard({ limiter: createMemoryLimiter(), blocks: new MemoryBlocks(), clock, events: noopAbuseEvents, proven: async () => peak });
  const service = (settings: Partial<AbuseSettings>, id = 'svc_a'): ServiceRecord => ({
    id, settings: { ...DEFAULT_SETTINGS, name: 'A', ...defaultAbuseSettings(), ...settings }, createdAt: 0, updatedAt: 0,
  });

  it('raise the defaults with proven traffic, up to 15× the default', async () => {
    const limits = await guard.limitsOf(service({}));
    expect(limits.dailyMessageCap).toBe(150_000);
    expect(limits.velocity.sends_per_service).toEqual({ limit: 4_500, window_seconds: 60 });
  });

  it('keep a value the operator set as it is, even one equal to the default', async () => {
    const set = (patch: Parameters<typeof newSettings>[0], id: string): ServiceRecord => ({ id, settings: newSettings(patch), createdAt: 0, updatedAt: 0 });
    const small = await guard.limitsOf(set({ name: 'B', daily_message_cap: 3, velocity_limits: { sends_per_service: { limit: 50, window_seconds: 60 } } }, 'svc_b'));
    expect(small.dailyMessageCap).toBe(3);
    expect(small.velocity.sends_per_service).toEqual({ limit: 50, window_seconds: 60 });
    const atDefault = set({ name: 'C', daily_message_cap: 10_000, velocity_limits: { sends_per_service: { limit: 300, window_seconds: 60 } } }, 'svc_c');
    expect(atDefault.settings.fixed_limits).toEqual(['daily_message_cap', 'sends_per_service']);
    expect(await guard.limitsOf(atDefault)).toMatchObject({ dailyMessageCap: 10_000, velocity: { sends_per_service: { limit: 300 } } });
    // Taken off the list, it adapts again.
    const released = { ...atDefault, id: 'svc_d', settings: applySettings(atDefault.settings, { fixed_limits: ['daily_message_cap'] }) };
    expect(await guard.limitsOf(released)).toMatchObject({ dailyMessageCap: 10_000, velocity: { sends_per_service: { limit: 4_500 } } });
  });

  it('read a service stored before fixed_limits: budgets that differ from the defaults count as set', () => {
    const old = withAbuseDefaults({ daily_message_cap: 3, velocity_limits: { ...defaultAbuseSettings().velocity_limits, sends_per_prefix: { limit: 5, window_seconds: 600 } } });
    expect(old.fixed_limits).toEqual(['daily_message_cap', 'sends_per_prefix']);
  });
});
