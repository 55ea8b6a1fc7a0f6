import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/** GET /v1/services/{id}/stats and GET /v1/stats: figures from the counters, and who may see which. */
let h: Harness;
let svc: Awaited<ReturnType<Harness['service']>>;
const admin = () => ({ authorization: `Bearer ${h.adminKey}` });
const today = () => new Date(h.clock.now()).toISOString().slice(0, 10);

const start = async (auth: { authorization: string }, to: string) => {
  const res = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: auth, payload: { to } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string };
};
const check = async (auth: { authorization: string }, to: string, code: string) =>
  (await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: auth, payload: { to, code } })).json();

beforeEach(async () => {
  h = await createHarness({ now: Date.UTC(2026, 11, 10, 12) });
  svc = await h.service({ sms_prices: { US: 0.01, '*': 0.05 } });
});
afterEach(async () => h.close());

describe('statistics', () => {
  it('counts starts, approvals, sends, spend and time to approve as they happen', async () => {
    for (const to of ['+14155550101', '+14155550102', '+447400123456']) await start(svc.auth, to);
    h.clock.advance(15_000);
    await check(svc.auth, '+14155550101', await h.lastCode(svc.key, '+14155550101'));
    h.clock.advance(30_000);
    await check(svc.auth, '+447400123456', await h.lastCode(svc.key, '+447400123456'));
    await check(svc.auth, '+14155550102', '000000');

    const res = await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/stats?group_by=country`, headers: svc.auth });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ service_id: svc.id, mode: 'live', group_by: 'country', to: today() });
    expect(body.totals).toMatchObject({ started: 3, approved: 2, messages: { created: 3, sent: 3, failed: 0 } });
    expect(body.totals.conversion_rate).toBeCloseTo(2 / 3);
    // Approvals after 15 s (bucket 10–20 s) and 45 s (bucket 30–45 s): the median lies between.
    expect(body.totals.median_seconds_to_approve).toBeGreaterThan(10);
    expect(body.totals.median_seconds_to_approve).toBeLessThanOrEqual(45);
    expect(body.totals.spend).toBeCloseTo(0.01 * 2 + 0.05);
    const us = body.groups.find((g: { key: string }) => g.key === 'US');
    expect(us).toMatchObject({ started: 2, approved: 1, conversion_rate: 0.5 });
    expect(body.groups.find((g: { key: string }) => g.key === 'GB')).toMatchObject({ started: 1, approved: 1 });

    const byProvider = (await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/stats?group_by=provider`, headers: admin() })).json();
    expect(byProvider.groups.find((g: { key: string }) => g.key === 'console').messages.sent).toBe(3);

    const byDay = (await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/stats?from=2026-12-04&to=2026-12-10`, headers: svc.auth })).json();
    expect(byDay.groups.map((g: { key: string }) => g.key)).toEqual(['2026-12-04', '2026-12-05', '2026-12-06', '2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10']);
    expect(byDay.groups.at(-1).started).toBe(3);
    expect(byDay.groups[0].started).toBe(0);

    const all = (await h.app.inject({ method: 'GET', url: '/v1/stats?group_by=channel', headers: admin() })).json();
    expect(all).toMatchObject({ service_id: null, totals: { started: 3 } });
    expect(all.groups).toEqual([expect.objectContaining({ key: 'sms', started: 3 })]);
  });

  it('counts refusals by rule', async () => {
    await h.app.inject({ method: 'PATCH', url: `/v1/services/${svc.id}`, headers: admin(), payload: { allowed_countries: ['US'] } });
    const refused = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+447400123456' } });
    expect(refused.statusCode).toBe(403);
    await new Promise((r) => setTimeout(r, 50));
    const body = (await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/stats`, headers: admin() })).json();
    expect(body.totals.refusals).toEqual({ country_not_allowed: 1 });
    expect(body.groups.at(-1).refusals).toEqual({ country_not_allowed: 1 });
  });

  it('keeps the worlds apart: a test key sees test figures only, and never live ones (T1)', async () => {
    await start(svc.auth, '+14155550101');
    const key = (await h.app.inject({ method: 'POST', url: `/v1/services/${svc.id}/keys`, headers: admin(), payload: { mode: 'test' } })).json().key;
    const testAuth = { authorization: `Bearer ${key}` };
    await start(testAuth, '+14155550199');
    await start(testAuth, '+14155550198');
    const asTest = (await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/stats`, headers: testAuth })).json();
    expect(asTest).toMatchObject({ mode: 'test', totals: { started: 2 } });
    const asLive = (await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/stats`, headers: svc.auth })).json();
    expect(asLive).toMatchObject({ mode: 'live', totals: { started: 1 } });
    const askLive = await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/stats?mode=live`, headers: testAuth });
    expect(askLive.statusCode).toBe(403);
    const adminTest = (await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/stats?mode=test`, headers: admin() })).json();
    expect(adminTest.totals.started).toBe(2);
  });

  it('hides other services (404), keeps the all-services form for admins, and refuses bad periods with 400', async () => {
    const other = await h.service();
    expect((await h.app.inject({ method: 'GET', url: `/v1/services/${other.id}/stats`, headers: svc.auth })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/v1/stats', headers: svc.auth })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: '/v1/stats' })).statusCode).toBe(401);
    for (const query of ['from=2026-13-01', 'to=yesterday', 'from=2026-12-10&to=2026-12-01', 'from=2020-01-01&to=2026-01-01', 'group_by=hour', 'from=2026-02-30']) {
      const res = await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/stats?${query}`, headers: admin() });
      expect(res.statusCode, query).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });
});
