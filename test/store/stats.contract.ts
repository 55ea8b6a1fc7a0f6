import { expect, it } from 'vitest';
import type { Store, StatsQuery } from '../../src/core/ports.js';
import type { FakeClock, recordFactory } from './store.records.js';

interface Context {
  store: Store;
  clock: FakeClock;
  make: ReturnType<typeof recordFactory>;
}

const DAY = 86_400_000;

/**
 * Contract cases for the statistics counters (issue 19): kept in the transactions that write what
 * they count (starts, approvals, provider answers, receipts, resends), on every adapter and on
 * each of PostgreSQL's one-statement paths; and the console's sessions.
 */
export function statsCases(ctx: () => Context): void {
  const query = (serviceId: string, clock: FakeClock, groupBy: StatsQuery['groupBy'] = 'provider', mode: 'live' | 'test' = 'live'): StatsQuery => ({
    serviceId, mode, groupBy, fromDay: Math.floor(clock.now() / DAY) - 1, toDay: Math.floor(clock.now() / DAY),
  });
  const sum = (rows: Awaited<ReturnType<Store['statsCounts']>>, field: 'started' | 'approved' | 'messages' | 'sent' | 'delivered' | 'failed' | 'undelivered') =>
    rows.reduce((n, r) => n + r[field], 0);

  it('counts starts, messages, provider answers, receipts and approvals (with their time-to-approve bucket) as they are written', async () => {
    const { store, clock, make } = ctx();
    const service = make.service();
    await store.createService(service);
    const a = make.verification(service.id, { country: 'US' });
    const am = make.message(a);
    await store.createVerification(a, am);
    const b = make.verification(service.id, { country: 'DE', to: '+4915112345678' });
    const bm = make.message(b);
    await store.createVerification(b, bm);
    await store.updateMessage(am, { status: 'sent', provider: 'twilio', providerMessageId: 'SM1' }, true, clock.now());
    await store.updateMessage(bm, { status: 'failed', provider: 'vonage', errorCode: 'x' }, true, clock.now());
    await store.applyDeliveryReceipt(am.id, { status: 'sent', errorCode: null }, clock.now()); // adds nothing
    await store.applyDeliveryReceipt(am.id, { status: 'delivered', errorCode: null }, clock.now());
    await store.applyDeliveryReceipt(am.id, { status: 'undelivered', errorCode: null }, clock.now()); // final: not applied, not counted
    clock.advance(25_000);
    const current = (await store.getVerification({ serviceId: service.id, mode: 'live' }, a.id))!;
    expect((await store.recordCheck(current, true, clock.now()))?.status).toBe('approved');
    // A wrong code counts nothing.
    const currentB = (await store.getVerification({ serviceId: service.id, mode: 'live' }, b.id))!;
    await store.recordCheck(currentB, false, clock.now());

    const rows = await store.statsCounts(query(service.id, clock));
    expect(sum(rows, 'started')).toBe(2);
    expect(sum(rows, 'approved')).toBe(1);
    expect(sum(rows, 'messages')).toBe(2);
    const twilio = rows.filter((r) => r.key === 'twilio');
    expect(twilio).toEqual([expect.objectContaining({ country: 'US', channel: 'sms', sent: 1, delivered: 1, undelivered: 0, failed: 0 })]);
    expect(rows.filter((r) => r.key === 'vonage')).toEqual([expect.objectContaining({ country: 'DE', failed: 1, sent: 0 })]);
    // 25 s lies in the 20–30 s bucket (index 2).
    const tta = rows.map((r) => r.tta).reduce((acc, t) => acc.map((n, i) => n + t[i]!));
    expect(tta[2]).toBe(1);
    expect(tta.reduce((x, y) => x + y)).toBe(1);

    const byCountry = await store.statsCounts(query(service.id, clock, 'country'));
    expect(byCountry.filter((r) => r.key === 'US').reduce((n, r) => n + r.started, 0)).toBe(1);
    const byDay = await store.statsCounts(query(service.id, clock, 'day'));
    expect(new Set(byDay.map((r) => r.key))).toEqual(new Set([new Date(clock.now()).toISOString().slice(0, 10)]));
  });

  it('counts a resend as a message, keeps each mode apart, and drops the counts with the service', async () => {
    const { store, clock, make } = ctx();
    const service = make.service();
    await store.createService(service);
    const v = make.verification(service.id);
    await store.createVerification(v, make.message(v));
    clock.advance(31_000);
    expect(await store.recordResend(v.id, 1, make.message(v), clock.now())).toBe(true);
    const t = make.verification(service.id, { mode: 'test' });
    await store.createVerification(t, make.message(t));
    const live = await store.statsCounts(query(service.id, clock));
    expect([sum(live, 'started'), sum(live, 'messages')]).toEqual([1, 2]);
    const test = await store.statsCounts(query(service.id, clock, 'provider', 'test'));
    expect([sum(test, 'started'), sum(test, 'messages')]).toEqual([1, 1]);
    // Every service (admin): rows of each service stay apart, so each is priced by its own settings.
    const other = make.service('Other');
    await store.createService(other);
    const o = make.verification(other.id);
    await store.createVerification(o, null);
    const all = await store.statsCounts({ ...query(service.id, clock, 'channel'), serviceId: null });
    expect(all.filter((r) => r.key === 'sms').map((r) => [r.serviceId, r.started]).sort()).toEqual([[service.id, 1], [other.id, 1]].sort());
    await store.deleteService(service.id);
    expect(await store.statsCounts(query(service.id, clock))).toEqual([]);
  });

  it('counts refusals by rule and day, and only for services that exist', async () => {
    const { store, clock, make } = ctx();
    const service = make.service();
    await store.createService(service);
    await store.countRefusal(service.id, 'live', 'country_not_allowed', clock.now());
    await store.countRefusal(service.id, 'live', 'country_not_allowed', clock.now());
    await store.countRefusal(service.id, 'live', 'prefix_blocked', clock.now());
    await store.countRefusal('svc_nope', 'live', 'prefix_blocked', clock.now());
    expect(await store.statsRefusals(query(service.id, clock))).toEqual([
      { key: '', rule: 'country_not_allowed', refusals: 2 },
      { key: '', rule: 'prefix_blocked', refusals: 1 },
    ]);
    expect(await store.statsRefusals(query(service.id, clock, 'provider', 'test'))).toEqual([]);
  });

  it('keeps console sessions until they expire or are deleted', async () => {
    const { store, clock } = ctx();
    const session = { idHash: 'h1', keySealed: Buffer.from([1, 2, 3]), createdAt: clock.now(), expiresAt: clock.now() + 1000 };
    await store.createConsoleSession(session, clock.now());
    expect(await store.findConsoleSession('h1', clock.now())).toEqual(session);
    expect(await store.findConsoleSession('h1', clock.now() + 1000)).toBeNull();
    await store.deleteConsoleSession('h1');
    expect(await store.findConsoleSession('h1', clock.now())).toBeNull();
  });
}
