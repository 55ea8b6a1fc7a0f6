import { expect, it } from 'vitest';
import type { Store } from '../../src/core/ports.js';
import { SCAN_WINDOW } from '../../src/store/conditions.js';
import { live } from './store.records.js';
import type { FakeClock, recordFactory } from './store.records.js';
import type { StoreFixture } from './store.contract.js';

interface Context {
  store: Store;
  fx: StoreFixture;
  clock: FakeClock;
  make: ReturnType<typeof recordFactory>;
}

/** Contract cases for the attempts log, rate limits and the bucket limiter; run inside storeContract on every adapter. */
export function attemptsAndLimitsCases(ctx: () => Context): void {
  it('round-trips the custom-code flag, friendly name and app hash of a verification', async () => {
    const { store, make } = ctx();
    const service = make.service();
    await store.createService(service);
    const v = make.verification(service.id, { customCode: true, friendlyName: 'Acme Pay', appHash: 'FA+9qCX9VSu' });
    await store.createVerification(v, null);
    expect(await store.getVerification(live(service.id), v.id)).toEqual(v);
  });

  it('lists attempts newest first with their verification, scoped, filtered, paged and summarised', async () => {
    const { store, make, clock } = ctx();
    const service = make.service();
    const other = make.service('Other');
    await store.createService(service);
    await store.createService(other);
    const approved = make.verification(service.id, { country: 'GB', to: '+447400123456' });
    const m1 = make.message(approved, { to: approved.to });
    await store.createVerification(approved, m1);
    expect((await store.recordCheck(approved, true, clock.now()))?.status).toBe('approved');
    clock.advance(1000);
    const pending = make.verification(service.id);
    const m2 = make.message(pending);
    await store.createVerification(pending, m2);
    await store.createVerification(make.verification(service.id, { isTest: true }), make.message(pending, { status: 'suppressed' }));
    const theirs = make.verification(other.id);
    await store.createVerification(theirs, make.message(theirs));

    const first = await store.listAttempts(live(service.id), {}, { limit: 1 });
    expect(first.data.map((a) => a.message.id)).toEqual([m2.id]);
    const second = await store.listAttempts(live(service.id), {}, { limit: 1, cursor: first.nextCursor! });
    expect(second.data[0]).toMatchObject({ message: { id: m1.id }, verification: { id: approved.id, status: 'approved', country: 'GB' } });
    expect(second.nextCursor).toBeNull();
    expect((await store.listAttempts(live(null), {}, { limit: 10 })).data).toHaveLength(3);
    expect((await store.listAttempts(live(service.id), { converted: true }, { limit: 10 })).data.map((a) => a.message.id)).toEqual([m1.id]);
    expect((await store.listAttempts(live(service.id), { country: 'GB', createdBefore: clock.now() }, { limit: 10 })).data).toHaveLength(1);
    expect((await store.listAttempts(live(service.id), { verificationId: pending.id, to: pending.to }, { limit: 10 })).data).toHaveLength(1);
    expect(await store.getAttempt(live(other.id), m1.id)).toBeNull();
    expect((await store.getAttempt(live(null), m1.id))?.verification.status).toBe('approved');
    expect(await store.summarizeAttempts(live(service.id), {})).toEqual({ total: 2, converted: 1 });
    expect(await store.summarizeAttempts(live(service.id), { destinationPrefix: '+44' })).toEqual({ total: 1, converted: 1 });
    expect(await store.summarizeAttempts(live(other.id), { country: 'GB' })).toEqual({ total: 0, converted: 0 });
  });

  it('keeps the attempt counters with every send, resend and approval, by hour, country and prefix', async () => {
    const { store, make, clock } = ctx();
    const HOUR = 3_600_000;
    clock.advance(HOUR - (clock.now() % HOUR)); // on the hour
    const service = make.service();
    await store.createService(service);
    const v = make.verification(service.id, { country: 'US', to: '+14155550123', resendCooldownMs: 0, expiresAt: clock.now() + 3 * HOUR });
    await store.createVerification(v, make.message(v));
    clock.advance(HOUR + 10); // the resend lands in the next hour
    expect(await store.recordResend(v.id, 1, make.message(v, { createdAt: clock.now() }), clock.now())).toBe(true);
    const gb = make.verification(service.id, { country: 'GB', to: '+447400123456' });
    await store.createVerification(gb, make.message(gb, { to: gb.to, createdAt: clock.now() }));
    const testNumber = make.verification(service.id, { isTest: true, to: '+15005550006' });
    await store.createVerification(testNumber, make.message(testNumber, { status: 'suppressed' }));
    await store.recordCheck(v, true, clock.now());
    const scope = live(service.id);
    const start = clock.now() - HOUR - 10;
    expect(await store.summarizeAttempts(scope, {})).toEqual({ total: 3, converted: 2 });
    expect(await store.summarizeAttempts(scope, { country: 'US' })).toEqual({ total: 2, converted: 2 });
    expect(await store.summarizeAttempts(scope, { destinationPrefix: '+1415' })).toEqual({ total: 2, converted: 2 });
    expect(await store.summarizeAttempts(scope, { destinationPrefix: '+44' })).toEqual({ total: 1, converted: 0 });
    // Whole hours: the first hour alone, then the second alone.
    expect(await store.summarizeAttempts(scope, { createdBefore: start + HOUR })).toEqual({ total: 1, converted: 1 });
    expect(await store.summarizeAttempts(scope, { createdAfter: start + HOUR + 5 })).toEqual({ total: 2, converted: 1 });
    expect(await store.summarizeAttempts({ serviceId: service.id, mode: 'test' }, {})).toEqual({ total: 0, converted: 0 });
    // Counters go with the retention period, like the sends they count.
    const purged = await store.purgeBatch(clock.now(), 100);
    expect(purged.attemptCounts).toBe(1); // the first hour's row
    expect(await store.summarizeAttempts(scope, {})).toEqual({ total: 2, converted: 1 });
  });

  it('counts as proven only approvals of codes otpgate made: a custom code converts but proves no person', async () => {
    const { store, make, clock } = ctx();
    const service = make.service();
    await store.createService(service);
    const since = clock.now() - 1;
    const ours = make.verification(service.id, { to: '+14155550101' });
    const custom = make.verification(service.id, { to: '+14155550102', customCode: true });
    for (const v of [ours, custom]) {
      await store.createVerification(v, make.message(v, { to: v.to }));
      await store.recordCheck(v, true, clock.now());
    }
    expect(await store.summarizeAttempts(live(service.id), {})).toEqual({ total: 2, converted: 2 });
    expect(await store.provenTraffic(service.id, since)).toEqual({ peakHour: 1, peakDay: 1 });
  });

  it('bounds an attempts page: rare filters give short pages that go on below the window', async () => {
    const { store, make, clock } = ctx();
    const service = make.service();
    await store.createService(service);
    const rare = make.verification(service.id, { country: 'GB', to: '+447400123456' });
    await store.createVerification(rare, make.message(rare, { to: rare.to }));
    clock.advance(1);
    // More sends than one window, none matching.
    for (let i = 0; i < SCAN_WINDOW + 10; i++) {
      const v = make.verification(service.id, { to: `+1415555${String(i).padStart(4, '0')}` });
      await store.createVerification(v, make.message(v, { to: v.to }));
      if (i % 1000 === 0) clock.advance(1);
    }
    const scope = live(service.id);
    const first = await store.listAttempts(scope, { country: 'GB' }, { limit: 20 });
    expect(first.data).toEqual([]);
    expect(first.nextCursor).not.toBeNull();
    const second = await store.listAttempts(scope, { country: 'GB' }, { limit: 20, cursor: first.nextCursor! });
    expect(second.data.map((a) => a.message.to)).toEqual([rare.to]);
    expect(second.nextCursor).toBeNull();
  }, 60_000);

  it('keeps rate limits and buckets per service, unique by name, and deletes buckets with their limit', async () => {
    const { store, make, clock } = ctx();
    const service = make.service();
    const other = make.service('Other');
    await store.createService(service);
    await store.createService(other);
    const now = clock.now();
    const limit = { id: make.id('rlk'), serviceId: service.id, uniqueName: 'ip', description: null, createdAt: now, updatedAt: now };
    expect(await store.createRateLimit(limit)).toBe(true);
    expect(await store.createRateLimit({ ...limit, id: make.id('rlk') })).toBe(false);
    expect(await store.getRateLimit(other.id, limit.id)).toBeNull();
    expect(await store.updateRateLimit(service.id, limit.id, 'per IP', now + 1)).toMatchObject({ description: 'per IP', updatedAt: now + 1 });
    const bucket = { id: make.id('bkt'), rateLimitId: limit.id, serviceId: service.id, max: 3, intervalSeconds: 60, createdAt: now, updatedAt: now };
    await store.createBucket(bucket);
    expect(await store.getBucket(service.id, limit.id, bucket.id)).toEqual(bucket);
    expect(await store.getBucket(other.id, limit.id, bucket.id)).toBeNull();
    expect(await store.updateBucket(service.id, limit.id, bucket.id, 5, 30, now + 2)).toMatchObject({ max: 5, intervalSeconds: 30 });
    expect((await store.listRateLimits(service.id, { limit: 10 })).data.map((r) => r.id)).toEqual([limit.id]);
    expect((await store.listBuckets(service.id, limit.id, { limit: 10 })).data.map((b) => b.id)).toEqual([bucket.id]);
    expect(await store.findRateLimitsByName(service.id, ['ip', 'nope'])).toMatchObject([{ rateLimit: { id: limit.id }, buckets: [{ id: bucket.id }] }]);
    expect(await store.findRateLimitsByName(other.id, ['ip'])).toEqual([]);
    expect(await store.deleteRateLimit(other.id, limit.id)).toBe(false);
    expect(await store.deleteRateLimit(service.id, limit.id)).toBe(true);
    expect(await store.getBucket(service.id, limit.id, bucket.id)).toBeNull();
  });

  it('counts bucket hits in fixed windows, exactly under concurrency from two connections', async () => {
    const { store, fx, clock } = ctx();
    const peer = await fx.peer();
    const now = clock.now();
    const verdicts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? peer : store).consumeBucket('bkt_x:v', 7, 60, now)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(7);
    expect(verdicts.find((v) => !v.allowed)?.retryAfterSeconds).toBe(60);
    expect((await store.consumeBucket('bkt_x:other', 7, 60, now)).allowed).toBe(true);
    expect((await store.consumeBucket('bkt_x:v', 7, 60, now + 59_999)).allowed).toBe(false);
    expect((await store.consumeBucket('bkt_x:v', 7, 60, now + 60_000)).allowed).toBe(true);
  });
}
