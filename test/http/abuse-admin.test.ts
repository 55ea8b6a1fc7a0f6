import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { RecordingSender } from '../helpers/core-fixture.js';

/** The operator's side of the abuse controls: settings, prefix blocks, sandbox keys, line types. */
let h: Harness;
let svc: Awaited<ReturnType<Harness['service']>>;
const admin = () => ({ authorization: `Bearer ${h.adminKey}` });

afterEach(async () => h.close());

describe('settings', () => {
  beforeEach(async () => {
    h = await createHarness();
    svc = await h.service();
  });

  it('shows every abuse default on the service and changes one budget at a time', async () => {
    const got = (await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}`, headers: admin() })).json();
    expect(got).toMatchObject({
      failed_checks_per_phone_per_day: 20,
      allowed_countries: null,
      safelist: [],
      refuse_voip: false,
      daily_message_cap: 10000,
      sms_prices: {},
      daily_spend_cap: null,
      pumping_guard: { mode: 'enforce', window_minutes: 60, baseline_hours: 24, min_sends: 20, spike_factor: 4, max_conversion: 0.1, block_hours: 12 },
    });
    expect(got.velocity_limits.sends_per_phone).toEqual({ limit: 10, window_seconds: 3600 });
    const patched = await h.app.inject({
      method: 'PATCH', url: `/v1/services/${svc.id}`, headers: admin(),
      payload: { velocity_limits: { sends_per_service: { limit: 100000, window_seconds: 60 } }, pumping_guard: { mode: 'monitor' } },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().velocity_limits.sends_per_service).toEqual({ limit: 100000, window_seconds: 60 });
    expect(patched.json().velocity_limits.sends_per_phone).toEqual({ limit: 10, window_seconds: 3600 });
    expect(patched.json().pumping_guard).toMatchObject({ mode: 'monitor', min_sends: 20 });
  });

  it('refuses settings that break a rule, with 400 and no 5xx', async () => {
    for (const payload of [
      { failed_checks_per_phone_per_day: 101 },
      { allowed_countries: ['USA'] },
      { safelist: ['4155550123'] },
      { pumping_guard: { window_minutes: 7 } },
      { pumping_guard: { baseline_hours: 1, window_minutes: 60 } },
      { velocity_limits: { sends_per_phone: { limit: 0, window_seconds: 60 } } },
      { velocity_limits: { nope: { limit: 1, window_seconds: 60 } } },
      { sms_prices: { XX1: 1 } },
      { daily_spend_cap: 0 },
      { daily_message_cap: 0 },
    ]) {
      const res = await h.app.inject({ method: 'PATCH', url: `/v1/services/${svc.id}`, headers: admin(), payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
  });

  it('refuses VoIP numbers when refuse_voip is on (landlines always), safelisted ones pass', async () => {
    const start = (to: string) => h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to } });
    expect((await start('+445612345678')).statusCode).toBe(201);
    await h.app.inject({ method: 'PATCH', url: `/v1/services/${svc.id}`, headers: admin(), payload: { refuse_voip: true, safelist: ['+445600123456'] } });
    const refused = await start('+445612345679');
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'unsupported_line_type', line_type: 'voip' });
    expect((await start('+445600123456')).statusCode).toBe(201);
  });
});

describe('SMS-pumping guard through the API', () => {
  beforeEach(async () => {
    h = await createHarness();
    svc = await h.service({
      pumping_guard: { min_sends: 5 },
      velocity_limits: { sends_per_prefix: { limit: 10000, window_seconds: 600 } },
      safelist: ['+447400999999'],
    });
  });
  const start = (to: string) => h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to } });

  async function pump(max: number): Promise<{ accepted: number; blocked: Awaited<ReturnType<typeof start>> | null }> {
    for (let i = 0; i < max; i++) {
      const res = await start(`+4474000${String(i).padStart(5, '0')}`);
      if (res.statusCode !== 201) return { accepted: i, blocked: res };
      h.clock.advanceSeconds(10);
    }
    return { accepted: max, blocked: null };
  }

  it('blocks a pumped prefix with 403 prefix_blocked, lists it, counts it, logs it, and lifts it', async () => {
    const { accepted, blocked } = await pump(100);
    // min_sends 5 mature sends + the 2–3 minute grace at 6 sends a minute.
    expect(accepted).toBeLessThanOrEqual(5 + 18);
    console.info(`pumping through the API (min_sends 5, one send / 10 s): blocked after ${accepted} sends`);
    expect(blocked!.statusCode).toBe(403);
    expect(blocked!.json()).toMatchObject({ code: 'prefix_blocked', prefix: '+447400' });
    expect(Number(blocked!.headers['retry-after'])).toBe(12 * 3600);
    // Refused before anything was queued, and so before the provider.
    expect((await start('+447400012345')).statusCode).toBe(403);
    const safe = await start('+447400999999');
    expect(safe.statusCode, safe.body).toBe(201); // safelisted
    const other = await start('+447401000001');
    expect(other.statusCode, other.body).toBe(201); // another prefix

    const list = await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/prefix-blocks`, headers: svc.auth });
    expect(list.json().data).toEqual([expect.objectContaining({ prefix: '+447400', mode: 'enforced', approvals: 0 })]);
    const metrics = await h.c.metrics.registry.metrics();
    expect(metrics).toMatch(/otpgate_prefix_blocks_total\{mode="enforced"\} 1/);
    expect(metrics).toMatch(/otpgate_abuse_refusals_total\{rule="prefix_blocked"\} 2/);
    expect(h.logs.some((l) => l.msg === 'sms pumping suspected: prefix blocked' && l.prefix === '+447400')).toBe(true);
    // One fraud.prefix_blocked event (and so one webhook per endpoint), carrying the block as the API lists it.
    const events = await h.app.inject({ method: 'GET', url: '/v1/events?type=fraud.prefix_blocked', headers: svc.auth });
    expect(events.json().data).toEqual([expect.objectContaining({ type: 'fraud.prefix_blocked', service_id: svc.id, data: list.json().data[0] })]);

    expect((await h.app.inject({ method: 'DELETE', url: `/v1/services/${svc.id}/prefix-blocks/${encodeURIComponent('+447400')}`, headers: svc.auth })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/services/${svc.id}/prefix-blocks/${encodeURIComponent('+447400')}`, headers: admin() })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/prefix-blocks`, headers: admin() })).json().data).toEqual([]);
    expect((await start('+447400012345')).statusCode).toBe(201);
  });

  it('in monitor mode records the would-be block and refuses nothing', async () => {
    await h.app.inject({ method: 'PATCH', url: `/v1/services/${svc.id}`, headers: admin(), payload: { pumping_guard: { mode: 'monitor' } } });
    const { accepted } = await pump(60);
    expect(accepted).toBe(60);
    const list = await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/prefix-blocks`, headers: admin() });
    expect(list.json().data).toEqual([expect.objectContaining({ prefix: '+447400', mode: 'monitor' })]);
    expect(h.logs.some((l) => l.msg === 'sms pumping suspected: prefix would be blocked (monitor mode)')).toBe(true);
    const events = await h.app.inject({ method: 'GET', url: '/v1/events?type=fraud.prefix_blocked', headers: svc.auth });
    expect(events.json().data.map((e: { data: unknown }) => e.data)).toEqual([list.json().data[0]]);
    expect(list.json().data[0].mode).toBe('monitor');
  });
});

describe('test-mode (sandbox) keys', () => {
  let real: RecordingSender;
  beforeEach(async () => {
    real = new RecordingSender('real');
    h = await createHarness({ overrides: { sender: () => real } });
    svc = await h.service({ daily_message_cap: 1 });
  });

  it('send only to the dev outbox, never the real provider, and use no quota', async () => {
    const created = await h.app.inject({ method: 'POST', url: `/v1/services/${svc.id}/keys`, headers: admin(), payload: { mode: 'test' } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ mode: 'test' });
    const testKey = created.json().key as string;
    expect(testKey).toMatch(/^og_test_/);
    const testAuth = { authorization: `Bearer ${testKey}` };
    for (const to of ['+14155550123', '+14155550124', '+14155550125']) {
      expect((await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: testAuth, payload: { to } })).statusCode).toBe(201);
    }
    await h.c.worker.drainOnce();
    expect(real.sent).toHaveLength(0);
    const outbox = await h.app.inject({ method: 'GET', url: '/v1/outbox?to=%2B14155550123', headers: testAuth });
    const code = /\d{6}/.exec(outbox.json().data[0].body)![0];
    const checked = await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: testAuth, payload: { to: '+14155550123', code } });
    expect(checked.json()).toMatchObject({ status: 'approved', valid: true });
    // A live key of the same service cannot read the outbox of a real provider.
    expect((await h.app.inject({ method: 'GET', url: '/v1/outbox', headers: svc.auth })).statusCode).toBe(409);

    // The daily cap (1) is untouched by the three sandbox sends; a live start while a sandbox
    // verification of the number is pending does not resend it, it goes out for real.
    expect((await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550124' } })).statusCode).toBe(201);
    await h.c.worker.drainOnce();
    expect(real.sent.map((s) => s.to)).toEqual(['+14155550124']);
    expect((await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550126' } })).statusCode).toBe(429);
  });
});
