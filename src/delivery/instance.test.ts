import { afterEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import type { InstanceRecord, InstanceStore } from '../core/ports.js';
import { INSTANCE_DEAD_AFTER_MS } from '../core/ports.js';
import { cryptoRandom, systemClock } from '../core/random.js';
import { Instance } from './instance.js';

/** A store whose liveness writes can be made to fail, as when the database is away. */
function fakeStore(others: Array<Pick<InstanceRecord, 'id' | 'pid'>>) {
  const calls = { registered: [] as string[][], beats: 0, removed: [] as string[] };
  let failing = false;
  const store: InstanceStore = {
    listInstances: async (host) => others.map((o) => ({ ...o, host, startedAt: 0 })),
    registerInstance: async (_instance, dead) => {
      calls.registered.push([...dead]);
    },
    beatInstance: async () => {
      if (failing) throw new Error('database away');
      calls.beats++;
    },
    removeInstance: async (id) => {
      calls.removed.push(id);
    },
  };
  return { store, calls, fail: (on: boolean) => (failing = on) };
}

describe('Instance', () => {
  afterEach(() => vi.useRealTimers());

  it('takes over at once from predecessors on this host whose pid no longer runs, or is its own; never from a running one', async () => {
    const { store, calls } = fakeStore([{ id: 'ins_dead', pid: 2 ** 22 + 12345 }, { id: 'ins_self', pid: process.pid }, { id: 'ins_parent', pid: process.ppid }]);
    const instance = new Instance({ store, clock: systemClock, random: cryptoRandom, logger: pino({ level: 'silent' }) });
    await instance.start();
    expect(calls.registered).toEqual([['ins_dead', 'ins_self']]);
    await instance.stop();
    expect(calls.removed).toEqual([instance.id]);
  });

  it('knows its leases safe only while its liveness record is fresh: a stall or a failing database and it says so', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'performance'] });
    const { store, fail } = fakeStore([]);
    const instance = new Instance({ store, clock: systemClock, random: cryptoRandom, logger: pino({ level: 'silent' }) });
    expect(instance.holdsLeases()).toBe(true); // not registered (tests, embedding): leases by their time alone
    await instance.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(instance.holdsLeases()).toBe(true); // beating every second
    fail(true);
    await vi.advanceTimersByTimeAsync(INSTANCE_DEAD_AFTER_MS - 1500);
    expect(instance.holdsLeases()).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(instance.holdsLeases()).toBe(false); // others may take its leases soon: it stops using them
    fail(false);
    await vi.advanceTimersByTimeAsync(1000);
    expect(instance.holdsLeases()).toBe(true);
    await instance.stop();
  });
});
