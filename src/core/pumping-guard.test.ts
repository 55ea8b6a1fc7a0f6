import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/helpers/fake-clock.js';
import { createMemoryLimiter } from '../limits/memory.limiter.js';
import { DEFAULT_PUMPING_GUARD } from './abuse-settings.js';
import type { PumpingGuardSettings } from './abuse-settings.js';
import { isAppError } from './errors.js';
import type { PrefixBlock, PrefixBlockStore } from './ports.js';
import { noopAbuseEvents } from './ports.js';
import { PumpingGuard, destinationPrefix } from './pumping-guard.js';

class MemoryBlocks implements PrefixBlockStore {
  readonly blocks = new Map<string, PrefixBlock>();
  async savePrefixBlock(b: PrefixBlock) {
    this.blocks.set(`${b.serviceId}|${b.prefix}`, b);
  }
  async findPrefixBlock(serviceId: string, prefix: string, now: number) {
    const b = this.blocks.get(`${serviceId}|${prefix}`);
    return b && b.expiresAt > now ? b : null;
  }
  async listPrefixBlocks(serviceId: string, now: number) {
    return [...this.blocks.values()].filter((b) => b.serviceId === serviceId && b.expiresAt > now);
  }
  async deletePrefixBlock(serviceId: string, prefix: string) {
    return this.blocks.delete(`${serviceId}|${prefix}`);
  }
}

/** Deterministic pseudo-random numbers (an LCG), so every run of the simulation is the same. */
function lcg(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

interface Traffic {
  prefixDigits: string;
  /** Seconds between two sends. */
  everySeconds: number;
  /** Share of codes that are typed (approved). */
  conversion: number;
  /** When the traffic starts and stops, seconds from the simulation's start. */
  from: number;
  to: number;
}

/**
 * Runs traffic through the guard second by second on a fake clock. Approvals arrive 20–120 s
 * after their send. Returns, per prefix, how many sends went through and when the first one was
 * refused as prefix_blocked.
 */
async function simulate(traffic: Traffic[], settings: PumpingGuardSettings = { ...DEFAULT_PUMPING_GUARD }) {
  const clock = new FakeClock(Date.UTC(2026, 10, 1, 0, 0, 0));
  const blocks = new MemoryBlocks();
  const guard = new PumpingGuard(createMemoryLimiter(), blocks, clock, noopAbuseEvents);
  const random = lcg(42);
  const approvalsDue: Array<{ at: number; prefix: string }> = [];
  const result = traffic.map(() => ({ sent: 0, refused: 0, blockedAfter: null as number | null }));
  const seq = traffic.map(() => 0);
  const end = Math.max(...traffic.map((t) => t.to));
  for (let second = 0; second < end; second++) {
    const now = clock.now();
    while (approvalsDue.length > 0 && approvalsDue[0]!.at <= now) {
      const due = approvalsDue.shift()!;
      await guard.recordApproval('svc_a', due.prefix, settings);
    }
    for (const [i, t] of traffic.entries()) {
      if (second < t.from || second >= t.to || (second - t.from) % t.everySeconds !== 0) continue;
      // Sequential numbers of one range, as a pumping attack sends them.
      const number = `+${t.prefixDigits}${String(seq[i]!++).padStart(6, '0')}`;
      const prefix = destinationPrefix(number);
      try {
        await guard.assertNotBlocked('svc_a', prefix, settings);
        await guard.recordSend('svc_a', prefix, settings);
        result[i]!.sent++;
        if (random() < t.conversion) {
          approvalsDue.push({ at: now + 20_000 + Math.floor(random() * 100_000), prefix });
          approvalsDue.sort((a, b) => a.at - b.at);
        }
      } catch (error) {
        if (!isAppError(error) || error.code !== 'prefix_blocked') throw error;
        result[i]!.refused++;
        result[i]!.blockedAfter ??= result[i]!.sent;
      }
    }
    clock.advance(1000);
  }
  return { result, blocks };
}

describe('SMS-pumping guard (fake-clock simulation)', () => {
  it('blocks a pumping attack (sequential numbers, no approvals) within 40 sends', async () => {
    // One send every 10 s into +44 7400…, nothing ever typed, next to healthy traffic elsewhere.
    const { result, blocks } = await simulate([
      { prefixDigits: '447400', everySeconds: 10, conversion: 0, from: 3600, to: 3 * 3600 },
      { prefixDigits: '447911', everySeconds: 5, conversion: 0.85, from: 0, to: 3 * 3600 },
    ]);
    const [attack, healthy] = result;
    // 20 mature sends (min_sends) plus the 2–3 minutes of grace at 6 sends a minute.
    expect(attack!.blockedAfter).not.toBeNull();
    expect(attack!.blockedAfter).toBeLessThanOrEqual(40);
    expect(attack!.sent).toBe(attack!.blockedAfter);
    expect(healthy!.refused).toBe(0);
    const block = [...blocks.blocks.values()][0]!;
    expect(block).toMatchObject({ prefix: '+447400', mode: 'enforced', approvals: 0 });
    expect(block.expiresAt - block.createdAt).toBe(12 * 3_600_000);
    console.info(`pumping simulation: attack of 1 send / 10 s blocked after ${attack!.blockedAfter} sends`);
  });

  it('never blocks healthy traffic of ten times the volume, even starting cold and jumping 4x', async () => {
    // 1 send per second (10x the attack) into one prefix for 6 h from a zero baseline, 80 % typed,
    // plus a campaign that quadruples it for an hour on top of its baseline.
    const { result, blocks } = await simulate([
      { prefixDigits: '447911', everySeconds: 1, conversion: 0.8, from: 0, to: 6 * 3600 },
      { prefixDigits: '447912', everySeconds: 4, conversion: 0.8, from: 0, to: 6 * 3600 },
      { prefixDigits: '447912', everySeconds: 1, conversion: 0.8, from: 4 * 3600, to: 5 * 3600 },
    ]);
    expect(result.map((r) => r.refused)).toEqual([0, 0, 0]);
    expect(result[0]!.sent).toBe(6 * 3600);
    expect(blocks.blocks.size).toBe(0);
  });

  it('in monitor mode records what it would block and refuses nothing', async () => {
    const { result, blocks } = await simulate(
      [{ prefixDigits: '447400', everySeconds: 10, conversion: 0, from: 0, to: 3600 }],
      { ...DEFAULT_PUMPING_GUARD, mode: 'monitor' },
    );
    expect(result[0]!.refused).toBe(0);
    expect(result[0]!.sent).toBe(360);
    expect([...blocks.blocks.values()].map((b) => b.mode)).toEqual(['monitor']);
  });

  it('lifts the block after block_hours and blocks a resumed attack again within the same bound', async () => {
    // A persistent attacker: one send every 10 s for 14 h. The block (12 h) expires; the guard
    // has to catch the attack again.
    const { result } = await simulate([{ prefixDigits: '447400', everySeconds: 10, conversion: 0, from: 0, to: 14 * 3600 }]);
    expect(result[0]!.blockedAfter).toBeLessThanOrEqual(40);
    expect(result[0]!.sent).toBeGreaterThan(result[0]!.blockedAfter!);
    expect(result[0]!.sent).toBeLessThanOrEqual(80);
    console.info(`pumping simulation: a 14 h attack sent ${result[0]!.sent} SMS in all (first block after ${result[0]!.blockedAfter})`);
  });
});
