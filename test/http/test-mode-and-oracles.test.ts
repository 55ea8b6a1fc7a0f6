import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import type { WebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * The findings of the December 2026 review (issue 14), each reproduced as its attacker did it:
 * a test key reaching live data (T1), a start that answers whether a guessed code is right (T2),
 * test numbers outside the budgets (T3) and /v2 forgetting where a request comes from (T4).
 */
const TO = '+14155550123';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

let h: Harness;
let receivers: Record<'live' | 'test', WebhookReceiver>;
let admin: Record<string, string>;

beforeAll(async () => {
  // Receivers on loopback; the fake clock at the real time so they accept the signatures' timestamps.
  h = await createHarness({ now: Date.now(), env: { OTPGATE_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1' } });
  admin = { authorization: `Bearer ${h.adminKey}` };
  receivers = { live: await startWebhookReceiver(), test: await startWebhookReceiver() };
});
afterAll(async () => {
  await h.close();
  await Promise.all([receivers.live.close(), receivers.test.close()]);
});

interface Tenant {
  id: string;
  sid: string;
  live: Record<string, string>;
  test: Record<string, string>;
  liveKey: string;
  testKey: string;
  liveBasic: Record<string, string>;
  testBasic: Record<string, string>;
}

/** A service with a live and a test key, and live and test Basic credentials for /v2. */
async function tenant(settings: Record<string, unknown> = {}): Promise<Tenant> {
  const svc = await h.service(settings);
  const testKey = (await h.app.inject({ method: 'POST', url: `/v1/services/${svc.id}/keys`, headers: admin, payload: { mode: 'test' } })).json().key as string;
  const basic = async (mode: string) => {
    const c = (await h.app.inject({ method: 'POST', url: `/v1/services/${svc.id}/basic-credentials`, headers: admin, payload: { type: 'api_key', mode } })).json();
    return { sid: c.service_sid as string, auth: { authorization: `Basic ${Buffer.from(`${c.sid}:${c.secret}`).toString('base64')}` } };
  };
  const [liveBasic, testBasic] = [await basic('live'), await basic('test')];
  return {
    id: svc.id, sid: liveBasic.sid, live: svc.auth, test: { authorization: `Bearer ${testKey}` }, liveKey: svc.key, testKey,
    liveBasic: liveBasic.auth, testBasic: testBasic.auth,
  };
}

const inject = (options: InjectOptions) => h.app.inject(options);

describe('a test key never reaches live data (T1)', () => {
  it('a code read from the sandbox outbox never approves a live check by number, on /v1 or /v2', async () => {
    const t = await tenant();
    // The attack: a sandbox start, its code read from the dev outbox, then a live check by number.
    const sandbox = await inject({ method: 'POST', url: '/v1/verifications', headers: t.test, payload: { to: TO } });
    expect(sandbox.json()).toMatchObject({ mode: 'test', status: 'pending' });
    const code = await h.lastCode(t.testKey, TO);
    // No live verification for the number: there is nothing to check.
    expect((await inject({ method: 'POST', url: '/v1/verifications/check', headers: t.live, payload: { to: TO, code } })).json()).toMatchObject({ status: 404, code: 'verification_not_found' });
    const v2 = await inject({ method: 'POST', url: `/v2/Services/${t.sid}/VerificationCheck`, headers: { ...t.liveBasic, ...FORM }, payload: form({ To: TO, Code: code }) });
    expect(v2.json()).toMatchObject({ status: 404, code: 20404 });
    // With a live verification pending (older than the sandbox one), the sandbox code is just wrong.
    const liveStart = await inject({ method: 'POST', url: '/v1/verifications', headers: t.live, payload: { to: '+14155550124' } });
    await inject({ method: 'POST', url: '/v1/verifications', headers: t.test, payload: { to: '+14155550124' } });
    const sandboxCode = await h.lastCode(t.testKey, '+14155550124');
    const liveCode = await h.lastCode(t.liveKey, '+14155550124');
    if (sandboxCode !== liveCode) {
      const wrong = await inject({ method: 'POST', url: '/v1/verifications/check', headers: t.live, payload: { to: '+14155550124', code: sandboxCode } });
      expect(wrong.json()).toMatchObject({ id: liveStart.json().id, valid: false, status: 'pending', attempts_remaining: 4 });
    }
    // The sandbox verification itself still works for the test key, and only for it.
    expect((await inject({ method: 'POST', url: '/v1/verifications/check', headers: t.test, payload: { to: TO, code } })).json()).toMatchObject({ valid: true, status: 'approved' });
  });

  it('an Idempotency-Key first used by a test key does not replay its sandbox answer to a live key', async () => {
    const t = await tenant();
    const headers = { 'idempotency-key': 'order-4711' };
    const sandbox = await inject({ method: 'POST', url: '/v1/verifications', headers: { ...t.test, ...headers }, payload: { to: TO } });
    expect(sandbox.json().mode).toBe('test');
    const live = await inject({ method: 'POST', url: '/v1/verifications', headers: { ...t.live, ...headers }, payload: { to: TO } });
    expect(live.statusCode).toBe(201);
    expect(live.headers['idempotent-replayed']).toBeUndefined();
    expect(live.json()).toMatchObject({ mode: 'live' });
    expect(live.json().id).not.toBe(sandbox.json().id);
    // A live SMS went out (the console provider stands for the real one here).
    expect(await h.lastCode(t.liveKey, TO)).toMatch(/^\d{6}$/);
    // Each world replays its own answer.
    const again = await inject({ method: 'POST', url: '/v1/verifications', headers: { ...t.test, ...headers }, payload: { to: TO } });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(sandbox.json().id);
  });

  it('sends events of sandbox verifications only to endpoints a test key registered, and live ones only to live endpoints', async () => {
    const t = await tenant();
    for (const mode of ['live', 'test'] as const) {
      const res = await inject({ method: 'POST', url: '/v1/webhooks', headers: t[mode], payload: { url: receivers[mode].url } });
      expect(res.json().mode).toBe(mode);
      receivers[mode].secrets = [res.json().secret];
    }
    const sandbox = await inject({ method: 'POST', url: '/v1/verifications', headers: t.test, payload: { to: TO } });
    const live = await inject({ method: 'POST', url: '/v1/verifications', headers: t.live, payload: { to: TO } });
    await h.c.worker.drainOnce();
    await h.c.webhookWorker.drainOnce();
    expect(receivers.test.rejected).toEqual([]);
    expect(receivers.live.rejected).toEqual([]);
    const about = (r: WebhookReceiver) => r.received.map((x) => [x.payload.type, (x.payload as { mode?: string }).mode, x.payload.data.verification_id ?? x.payload.data.id]);
    expect(about(receivers.test).sort()).toEqual([
      ['message.sent', 'test', sandbox.json().id],
      ['verification.created', 'test', sandbox.json().id],
    ]);
    expect(about(receivers.live).sort()).toEqual([
      ['message.sent', 'live', live.json().id],
      ['verification.created', 'live', live.json().id],
    ]);
  });

  it('/v2 takes test-mode Basic credentials, which act in the test world like a test key', async () => {
    const t = await tenant();
    const started = await inject({ method: 'POST', url: `/v2/Services/${t.sid}/Verifications`, headers: { ...t.testBasic, ...FORM }, payload: form({ To: TO, Channel: 'sms' }) });
    expect(started.statusCode).toBe(201);
    const code = await h.lastCode(t.testKey, TO);
    // The live world has no such verification, by SID or by number.
    expect((await inject({ url: `/v2/Services/${t.sid}/Verifications/${started.json().sid}`, headers: t.liveBasic })).statusCode).toBe(404);
    const outboxOfLive = await inject({ url: `/v1/outbox?to=${encodeURIComponent(TO)}`, headers: t.live });
    expect(outboxOfLive.json().data).toEqual([]);
    // The test credentials check it; the account SID is the test account's, not the live one's.
    const check = await inject({ method: 'POST', url: `/v2/Services/${t.sid}/VerificationCheck`, headers: { ...t.testBasic, ...FORM }, payload: form({ To: TO, Code: code }) });
    expect(check.json()).toMatchObject({ status: 'approved', valid: true });
    const liveStart = await inject({ method: 'POST', url: `/v2/Services/${t.sid}/Verifications`, headers: { ...t.liveBasic, ...FORM }, payload: form({ To: TO, Channel: 'sms' }) });
    expect(liveStart.json().account_sid).not.toBe(check.json().account_sid);
    // The service as the test credentials see it names the test account too.
    expect((await inject({ url: `/v2/Services/${t.sid}`, headers: t.testBasic })).json().account_sid).toBe(check.json().account_sid);
    // Admin-level credentials have no test mode.
    const refused = await inject({ method: 'POST', url: '/v1/basic-credentials', headers: admin, payload: { type: 'api_key', mode: 'test' } });
    expect(refused.json()).toMatchObject({ status: 400, code: 'invalid_request' });
  });

  it('test keys may read the rate-limit configuration but not change what live traffic gets', async () => {
    const t = await tenant();
    const created = await inject({ method: 'POST', url: `/v2/Services/${t.sid}/RateLimits`, headers: { ...t.liveBasic, ...FORM }, payload: form({ UniqueName: 'user_id' }) });
    expect(created.statusCode).toBe(201);
    const url = `/v2/Services/${t.sid}/RateLimits/${created.json().sid}`;
    expect((await inject({ url, headers: t.testBasic })).statusCode).toBe(200);
    const deleted = await inject({ method: 'DELETE', url, headers: t.testBasic });
    expect(deleted.json()).toMatchObject({ status: 403, code: 20403 });
    expect((await inject({ url, headers: t.liveBasic })).statusCode).toBe(200);
  });
});

describe('fixed codes of test numbers are credentials (T1)', () => {
  it('are shown to admin keys only: a service key of either mode sees asterisks', async () => {
    const t = await tenant({ test_numbers: { '+15005550009': '471100' } });
    for (const auth of [t.live, t.test]) {
      const seen = await inject({ url: `/v1/services/${t.id}`, headers: auth });
      expect(seen.json().test_numbers).toEqual({ '+15005550009': '******' });
      expect(seen.body).not.toContain('471100');
    }
    expect((await inject({ url: `/v1/services/${t.id}`, headers: admin })).json().test_numbers).toEqual({ '+15005550009': '471100' });
  });
});

describe('counters of one world never answer for the other (T1, T2)', () => {
  it('test traffic does not fill a live budget, and a live 429 does not show through a test key', async () => {
    const t = await tenant({ velocity_limits: { checks_per_service: { limit: 3, window_seconds: 60 } } });
    const check = (auth: Record<string, string>) => inject({ method: 'POST', url: '/v1/verifications/check', headers: auth, payload: { to: TO, code: '000000' } });
    for (let i = 0; i < 3; i++) expect((await check(t.test)).statusCode).toBe(404);
    expect((await check(t.test)).json()).toMatchObject({ status: 429, code: 'rate_limited' });
    // The live world has its own count: three more checks pass the limit there.
    for (let i = 0; i < 3; i++) expect((await check(t.live)).statusCode).toBe(404);
    expect((await check(t.live)).statusCode).toBe(429);
  });
});

/** Everything a client can see of an answer but the parts that differ per request. */
function observable(res: LightMyRequestResponse) {
  const { date: _date, 'x-request-id': _id, ...headers } = res.headers;
  const body = res.json();
  delete body.request_id;
  return { status: res.statusCode, headers, body };
}

describe('a start answers nothing about a pending code (T2)', () => {
  it('refuses a custom code while one is pending with one answer, whatever the guess, on /v1', async () => {
    const t = await tenant({ custom_code_enabled: true, resend_cooldown_seconds: 0 });
    const pending = await inject({ method: 'POST', url: '/v1/verifications', headers: t.live, payload: { to: TO, custom_code: '482913' } });
    // The right code, near misses and wrong lengths: the reviewer's 44,366 guesses told right from wrong.
    const answers = [];
    for (const guess of ['482913', '482914', '000000', '4829', '4829130000']) {
      answers.push(observable(await inject({ method: 'POST', url: '/v1/verifications', headers: t.live, payload: { to: TO, custom_code: guess } })));
    }
    expect(answers[0]).toMatchObject({ status: 409, body: { code: 'verification_pending', verification_id: pending.json().id } });
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    // No attempt was used and nothing was sent again.
    const now = (await inject({ url: `/v1/verifications/${pending.json().id}`, headers: t.live })).json();
    expect(now).toMatchObject({ status: 'pending', attempts_remaining: 5 });
    expect(now.sends).toHaveLength(1);
  });

  it('and on /v2 (CustomCode)', async () => {
    const t = await tenant({ custom_code_enabled: true, resend_cooldown_seconds: 0 });
    const start = (code: string) => inject({ method: 'POST', url: `/v2/Services/${t.sid}/Verifications`, headers: { ...t.liveBasic, ...FORM }, payload: form({ To: TO, Channel: 'sms', CustomCode: code }) });
    expect((await start('482913')).statusCode).toBe(201);
    const right = observable(await start('482913'));
    const wrong = observable(await start('111111'));
    expect(right).toMatchObject({ status: 400, body: { code: 60200, message: expect.stringContaining('pending') } });
    expect(wrong).toEqual(right);
  });
});

describe('a custom code proves no person (issue 15 review)', () => {
  it('its approvals earn a prefix no sends, where approvals of codes otpgate made do', async () => {
    // A small prefix budget that may still adapt (left off fixed_limits).
    const budget = { velocity_limits: { sends_per_prefix: { limit: 2, window_seconds: 600 } }, fixed_limits: [], custom_code_enabled: true };
    const sendsBeforeRefusal = async (custom: boolean) => {
      const t = await tenant(budget);
      for (let i = 0; ; i++) {
        const to = `+1310555${String(1000 + i)}`;
        const started = await inject({ method: 'POST', url: '/v1/verifications', headers: t.live, payload: custom ? { to, custom_code: '246810' } : { to } });
        if (started.statusCode !== 201 || i >= 6) return i;
        const code = custom ? '246810' : await h.lastCode(t.liveKey, to);
        expect((await inject({ method: 'POST', url: '/v1/verifications/check', headers: t.live, payload: { id: started.json().id, code } })).json().valid).toBe(true);
      }
    };
    expect(await sendsBeforeRefusal(true)).toBe(2);
    expect(await sendsBeforeRefusal(false)).toBeGreaterThan(2);
  });

  it('a budget the operator set stays as set however many codes are approved (fixed_limits)', async () => {
    for (const settings of [{ velocity_limits: { sends_per_prefix: { limit: 2, window_seconds: 600 } } }, { adaptive_limits: false, velocity_limits: { sends_per_prefix: { limit: 2, window_seconds: 600 } }, fixed_limits: [] }]) {
      const t = await tenant(settings);
      let sent = 0;
      for (let i = 0; i < 6; i++) {
        const to = `+1310556${String(1000 + i)}`;
        const started = await inject({ method: 'POST', url: '/v1/verifications', headers: t.live, payload: { to } });
        if (started.statusCode !== 201) break;
        sent++;
        await inject({ method: 'POST', url: '/v1/verifications/check', headers: t.live, payload: { id: started.json().id, code: await h.lastCode(t.liveKey, to) } });
      }
      expect([settings, sent]).toEqual([settings, 2]);
    }
  });
});

describe('budgets hold for every number (T3)', () => {
  it('counts wrong checks of a test number against its daily budget across verifications', async () => {
    const fixed = '+15005550006';
    const t = await tenant({ test_numbers: { [fixed]: '123456' }, failed_checks_per_phone_per_day: 20, resend_cooldown_seconds: 0 });
    // The review's run: 8 verifications, 5 wrong checks each, against a budget of 20.
    let evaluated = 0;
    let refused = 0;
    for (let v = 0; v < 8; v++) {
      const started = await inject({ method: 'POST', url: '/v1/verifications', headers: t.live, payload: { to: fixed } });
      if (started.statusCode !== 201) break;
      for (let i = 0; i < 5; i++) {
        const res = await inject({ method: 'POST', url: '/v1/verifications/check', headers: t.live, payload: { id: started.json().id, code: '000000' } });
        if (res.statusCode === 200) evaluated++;
        else if (res.json().code === 'rate_limited') refused++;
      }
      await inject({ method: 'POST', url: `/v1/verifications/${started.json().id}/cancel`, headers: t.live });
    }
    expect(evaluated).toBe(20);
    expect(refused).toBeGreaterThan(0);
    // The fixed code itself is refused too once the budget is spent (the budget is checked first).
    const last = await inject({ method: 'POST', url: '/v1/verifications', headers: t.live, payload: { to: fixed } });
    const right = await inject({ method: 'POST', url: '/v1/verifications/check', headers: t.live, payload: { id: last.json().id, code: '123456' } });
    expect(right.json()).toMatchObject({ status: 429, code: 'rate_limited' });
  });

  it('a test key cannot guess a test number\'s fixed code either: its budget holds in the test world, and the live one is untouched', async () => {
    const fixed = '+15005550008';
    const t = await tenant({ test_numbers: { [fixed]: '654321' }, failed_checks_per_phone_per_day: 20, resend_cooldown_seconds: 0 });
    let evaluated = 0;
    for (let v = 0; v < 8; v++) {
      const started = await inject({ method: 'POST', url: '/v1/verifications', headers: t.test, payload: { to: fixed } });
      if (started.statusCode !== 201) break;
      for (let i = 0; i < 5; i++) {
        const res = await inject({ method: 'POST', url: '/v1/verifications/check', headers: t.test, payload: { id: started.json().id, code: '000000' } });
        if (res.statusCode === 200) evaluated++;
      }
      await inject({ method: 'POST', url: `/v1/verifications/${started.json().id}/cancel`, headers: t.test });
    }
    expect(evaluated).toBe(20);
    // /v2 with test credentials: the same budget, already spent, even for the right code.
    const again = await inject({ method: 'POST', url: `/v2/Services/${t.sid}/Verifications`, headers: { ...t.testBasic, ...FORM }, payload: form({ To: fixed, Channel: 'sms' }) });
    const v2 = await inject({
      method: 'POST', url: `/v2/Services/${t.sid}/VerificationCheck`, headers: { ...t.testBasic, ...FORM }, payload: form({ VerificationSid: again.json().sid, Code: '654321' }),
    });
    expect(v2.json()).toMatchObject({ status: 429 });
    // The reviewer signing in to production is not locked out by it.
    const live = await inject({ method: 'POST', url: '/v1/verifications', headers: t.live, payload: { to: fixed } });
    const right = await inject({ method: 'POST', url: '/v1/verifications/check', headers: t.live, payload: { id: live.json().id, code: '654321' } });
    expect(right.json()).toMatchObject({ status: 'approved', valid: true });
  });

  it('counts starts to a test number against the per-number send budget, though nothing is sent', async () => {
    const fixed = '+15005550007';
    const t = await tenant({ test_numbers: { [fixed]: '123456' }, velocity_limits: { sends_per_phone: { limit: 2, window_seconds: 3600 } } });
    for (let i = 0; i < 2; i++) {
      const started = await inject({ method: 'POST', url: '/v1/verifications', headers: t.live, payload: { to: fixed } });
      expect(started.statusCode).toBe(201);
      await inject({ method: 'POST', url: `/v1/verifications/${started.json().id}/cancel`, headers: t.live });
    }
    expect((await inject({ method: 'POST', url: '/v1/verifications', headers: t.live, payload: { to: fixed } })).json()).toMatchObject({ status: 429, limit: 'sends_per_phone' });
  });
});

describe('/v2 counts where a request comes from (T4)', () => {
  it('counts the connecting address against requests_per_source_ip', async () => {
    const t = await tenant({ velocity_limits: { requests_per_source_ip: { limit: 3, window_seconds: 60 } } });
    const start = (n: number) => inject({
      method: 'POST', url: `/v2/Services/${t.sid}/Verifications`, headers: { ...t.liveBasic, ...FORM }, payload: form({ To: `+1415555020${n}`, Channel: 'sms' }), remoteAddress: '198.51.100.20',
    });
    for (let n = 0; n < 3; n++) expect((await start(n)).statusCode).toBe(201);
    const refused = await start(3);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    // The same address on /v1 shares the budget: one origin, counted the same on every surface.
    const native = await inject({ method: 'POST', url: '/v1/verifications', headers: t.live, payload: { to: '+14155550209' }, remoteAddress: '198.51.100.20' });
    expect(native.json()).toMatchObject({ status: 429, limit: 'requests_per_source_ip' });
  });

  it('counts DeviceIp as the end user\'s address, however it is spelled, and refuses one that is not an address', async () => {
    const t = await tenant({ velocity_limits: { sends_per_client_ip: { limit: 2, window_seconds: 3600 } } });
    const start = (n: number, ip: string) => inject({
      method: 'POST', url: `/v2/Services/${t.sid}/Verifications`, headers: { ...t.liveBasic, ...FORM }, payload: form({ To: `+1415555030${n}`, Channel: 'sms', DeviceIp: ip }),
    });
    expect((await start(0, '203.0.113.7')).statusCode).toBe(201);
    expect((await start(1, '::ffff:203.0.113.7')).statusCode).toBe(201);
    const refused = await start(2, ' 203.0.113.7');
    expect(refused.statusCode).toBe(429);
    // /v1's client_ip is the same budget, and an IPv6 address counts with its /64.
    const native = await inject({ method: 'POST', url: '/v1/verifications', headers: t.live, payload: { to: '+14155550303', client_ip: '203.0.113.7' } });
    expect(native.json()).toMatchObject({ status: 429, limit: 'sends_per_client_ip' });
    for (const [n, ip] of [[4, '2001:db8:1:2::1'], [5, '2001:db8:1:2:ffff::9']] as const) expect((await start(n, ip)).statusCode).toBe(201);
    expect((await start(6, '2001:0db8:0001:0002::abcd')).statusCode).toBe(429);
    const bad = await start(7, 'not-an-ip');
    expect(bad.json()).toMatchObject({ status: 400, code: 60200 });
    const badNative = await inject({ method: 'POST', url: '/v1/verifications', headers: t.live, payload: { to: '+14155550308', client_ip: '1.2.3' } });
    expect(badNative.json()).toMatchObject({ status: 400, code: 'invalid_request' });
  });

  it('counts DeviceIp on a /v2 check too (an otpgate extension), against the same budget as /v1\'s client_ip', async () => {
    const t = await tenant({ velocity_limits: { checks_per_client_ip: { limit: 2, window_seconds: 3600 } } });
    const check = (ip: string) => inject({
      method: 'POST', url: `/v2/Services/${t.sid}/VerificationCheck`, headers: { ...t.liveBasic, ...FORM }, payload: form({ To: TO, Code: '000000', DeviceIp: ip }),
    });
    expect((await check('192.0.2.50')).statusCode).toBe(404);
    expect((await inject({ method: 'POST', url: '/v1/verifications/check', headers: t.live, payload: { to: TO, code: '000000', client_ip: '192.0.2.50' } })).statusCode).toBe(404);
    expect((await check('192.0.2.50')).json()).toMatchObject({ status: 429 });
    expect((await check('garbage')).json()).toMatchObject({ status: 400, code: 60200 });
  });

  it('a forwarded entry that is not an address counts as the connecting peer, never as a new address', async () => {
    const h2 = await createHarness({ env: { OTPGATE_TRUST_PROXY: '1' } });
    try {
      const svc = await h2.service({ velocity_limits: { requests_per_source_ip: { limit: 2, window_seconds: 60 } } });
      const start = (forwarded: string, n: number) => h2.app.inject({
        method: 'POST', url: '/v1/verifications', headers: { ...svc.auth, 'x-forwarded-for': forwarded }, remoteAddress: '10.0.0.5', payload: { to: `+1415555040${n}` },
      });
      expect((await start('garbage', 1)).statusCode).toBe(201);
      expect((await start('other-garbage', 2)).statusCode).toBe(201);
      expect((await start('more-garbage', 3)).json()).toMatchObject({ status: 429, limit: 'requests_per_source_ip' });
    } finally {
      await h2.close();
    }
  });

  it('a forwarded entry with the client\'s port (as some load balancers write it) is that client, not the proxy', async () => {
    const h2 = await createHarness({ env: { OTPGATE_TRUST_PROXY: '1' } });
    try {
      const svc = await h2.service({ velocity_limits: { requests_per_source_ip: { limit: 2, window_seconds: 60 } } });
      const start = (forwarded: string, n: number) => h2.app.inject({
        method: 'POST', url: '/v1/verifications', headers: { ...svc.auth, 'x-forwarded-for': forwarded }, remoteAddress: '10.0.0.5', payload: { to: `+1415555041${n}` },
      });
      // Two clients behind one proxy: each has its own budget, whatever port it came from.
      expect((await start('203.0.113.5:1234', 1)).statusCode).toBe(201);
      expect((await start('203.0.113.5:999', 2)).statusCode).toBe(201);
      expect((await start('[2001:db8::7]:443', 3)).statusCode).toBe(201);
      expect((await start('203.0.113.5', 4)).json()).toMatchObject({ status: 429, limit: 'requests_per_source_ip' });
      expect((await start('[2001:db8::8]:80', 5)).statusCode).toBe(201);
      expect((await start('2001:db8::9', 6)).json()).toMatchObject({ status: 429, limit: 'requests_per_source_ip' });
    } finally {
      await h2.close();
    }
  });
});
