import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

let h: Harness;
let svc: Awaited<ReturnType<Harness['service']>>;
const TO = '+14155550123';

beforeEach(async () => {
  h = await createHarness();
  svc = await h.service();
});
afterEach(async () => {
  await h.close();
});

const start = (payload: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url: '/v1/verifications', headers: { ...svc.auth, ...headers }, payload: payload as object });
const check = (payload: unknown) => h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload: payload as object });

describe('POST /v1/verifications — happy', () => {
  it('starts a verification and sends the code by SMS', async () => {
    const res = await start({ to: '+1 (415) 555-0123' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ to: TO, channel: 'sms', status: 'pending', attempts_remaining: 5, country: 'US', locale: 'en' });
    expect(body.id).toMatch(/^ver_[0-9a-z]{26}$/);
    expect(body.sends).toHaveLength(1);
    expect(body.sends[0]).toMatchObject({ status: 'queued' });
    expect(body.sends[0].message_id).toMatch(/^msg_/);
    expect(Date.parse(body.expires_at) - h.clock.now()).toBe(300_000);
    expect(Date.parse(body.resend_available_at) - h.clock.now()).toBe(30_000);
    const sms = await h.lastSms(svc.key, TO);
    expect(sms).toMatch(/^\d{6} is your Acme verification code\. Do not share it\.$/);
  });

  it('writes the message in the number\'s language, or the one asked for', async () => {
    await start({ to: '+34612345678' });
    expect((await h.lastSms(svc.key, '+34612345678')).length).toBeGreaterThan(10);
    const fr = await start({ to: '+33612345678' });
    expect(fr.json().locale).toBe('fr');
    const es = await start({ to: '+14155550124', locale: 'es' });
    expect(es.json().locale).toBe('es');
  });

  it('picks each language from the number\'s country (and a Quebec area code), in its own script', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['+819012345678', 'ja', /^Acmeの認証コードは\d{6}です。他人に教えないでください。$/],
      ['+821012345678', 'ko', /^Acme 인증번호는 \d{6}입니다\./],
      ['+79123456789', 'ru', /^Ваш код Acme: \d{6}\./],
      ['+8613812345678', 'zh-CN', /^您的 Acme 验证码是 \d{6}。/],
      ['+85251234567', 'zh-HK', /^你的 Acme 驗證碼是 \d{6}。/],
      ['+886912345678', 'zh-TW', /^您的 Acme 驗證碼為 \d{6}。/],
      ['+5511912345678', 'pt-BR', /^\d{6} é seu codigo de verificacao Acme\. Nao compartilhe com ninguem\.$/],
      ['+351912345678', 'pt', /^\d{6} é o seu codigo de verificacao Acme\. Nao o partilhe com ninguem\.$/],
      ['+525512345678', 'es-419', /^\d{6} es su codigo de verificacion de Acme\./],
      ['+966501234567', 'ar', /^رمز التحقق لـ\u2068Acme\u2069 هو \d{6}\./],
      ['+972502345678', 'he', /^קוד האימות ל-\u2068Acme\u2069 הוא \d{6}\./],
      ['+15146901234', 'fr-CA', /^\d{6} est votre code de vérification Acme\. Ne le transmettez à personne\.$/],
      ['+447400123456', 'en-GB', /^\d{6} is your Acme verification code\. Do not share it\.$/],
    ];
    for (const [to, locale, text] of cases) {
      const res = await start({ to });
      expect(res.statusCode, `${to} ${res.body}`).toBe(201);
      expect(res.json().locale, to).toBe(locale);
      expect(await h.lastSms(svc.key, to), to).toMatch(text);
    }
    // A tag the caller gives is read as the regional text it names.
    const tagged = await start({ to: '+14155550125', locale: 'zh-Hant-HK' });
    expect(tagged.json().locale).toBe('zh-HK');
    expect((await start({ to: '+14155550126', locale: 'es_MX' })).json().locale).toBe('es-419');
  });

  it('adds the WebOTP line last and the Android app hash', async () => {
    const s = await h.service({ webotp_domain: 'acme.com', android_app_hash: 'FA+9qCX9VSu' });
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: s.auth, payload: { to: TO } });
    const sms = await h.lastSms(s.key, TO);
    const code = /^(\d{6})/.exec(sms)?.[1];
    const lines = sms.split('\n');
    expect(lines.at(-1)).toBe(`@acme.com #${code}`);
    expect(sms).toContain('FA+9qCX9VSu');
  });

  it('re-sends the same verification and code for a second start after the cooldown', async () => {
    const first = (await start({ to: TO })).json();
    const code = await h.lastCode(svc.key, TO);
    h.clock.advanceSeconds(30);
    const second = await start({ to: TO });
    expect(second.statusCode).toBe(201);
    expect(second.json().id).toBe(first.id);
    expect(second.json().sends).toHaveLength(2);
    expect(await h.lastCode(svc.key, TO)).toBe(code);
  });
});

describe('POST /v1/verifications — errors', () => {
  it.each([
    [{}, 'invalid_request'],
    [{ to: '' }, 'invalid_request'],
    [{ to: 'not a number' }, 'invalid_phone_number'],
    [{ to: '+1415' }, 'invalid_phone_number'],
    [{ to: '+0123456789' }, 'invalid_phone_number'],
    [{ to: TO, channel: 'carrier-pigeon' }, 'invalid_request'],
    [{ to: TO, locale: 'xx' }, 'invalid_request'],
    [{ to: TO, context: { nested: { a: 1 } } }, 'invalid_request'],
    [{ to: TO, surprise: true }, 'invalid_request'],
  ])('refuses %j with %s', async (payload, code) => {
    const res = await start(payload);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code, status: 400, type: `urn:otpgate:error:${code}` });
    expect(res.json().request_id).toBe(res.headers['x-request-id']);
  });

  it('refuses a known landline with unsupported_line_type', async () => {
    const res = await start({ to: '+442079460018' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('unsupported_line_type');
  });

  it('answers 429 resend_cooldown with Retry-After inside the cooldown', async () => {
    await start({ to: TO });
    h.clock.advanceSeconds(10);
    const res = await start({ to: TO });
    expect(res.statusCode).toBe(429);
    expect(res.json().code).toBe('resend_cooldown');
    expect(res.headers['retry-after']).toBe('20');
  });

  it('answers 429 max_sends_reached on the 6th send and queues no SMS (S1)', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await start({ to: TO })).statusCode).toBe(201);
      h.clock.advanceSeconds(30);
    }
    const res = await start({ to: TO });
    expect(res.statusCode).toBe(429);
    expect(res.json().code).toBe('max_sends_reached');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    await h.c.worker.drainOnce();
    const outbox = await h.app.inject({ method: 'GET', url: `/v1/outbox?to=${encodeURIComponent(TO)}&limit=100`, headers: svc.auth });
    expect(outbox.json().data).toHaveLength(5);
  });
});

describe('POST /v1/verifications/check', () => {
  it('approves the right code once (happy)', async () => {
    const { id } = (await start({ to: TO })).json();
    const code = await h.lastCode(svc.key, TO);
    const res = await check({ to: TO, code });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, status: 'approved', valid: true, attempts_remaining: 4 });
    const again = await check({ id, code });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'verification_already_approved', verification_id: id, verification_status: 'approved' });
  });

  it('counts wrong codes down, then refuses with 429 max_attempts_reached (B1)', async () => {
    const { id } = (await start({ to: TO })).json();
    const code = await h.lastCode(svc.key, TO);
    const wrong = code === '000000' ? '111111' : '000000';
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await check({ id, code: wrong });
      expect(res.statusCode).toBe(200);
      expect(res.json().valid).toBe(false);
      seen.push(res.json().attempts_remaining);
    }
    expect(seen).toEqual([4, 3, 2, 1, 0]);
    const refused = await check({ id, code });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'max_attempts_reached', verification_status: 'max_attempts_reached' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('answers an expired verification with 410 and its state, not a bare not-found', async () => {
    const { id } = (await start({ to: TO })).json();
    const code = await h.lastCode(svc.key, TO);
    h.clock.advanceSeconds(300);
    const res = await check({ id, code });
    expect(res.statusCode).toBe(410);
    expect(res.json()).toMatchObject({ code: 'verification_expired', verification_id: id, verification_status: 'expired' });
    const fetched = await h.app.inject({ method: 'GET', url: `/v1/verifications/${id}`, headers: svc.auth });
    expect(fetched.json().status).toBe('expired');
  });

  it('answers a canceled verification with 409 verification_canceled', async () => {
    const { id } = (await start({ to: TO })).json();
    const code = await h.lastCode(svc.key, TO);
    const canceled = await h.app.inject({ method: 'POST', url: `/v1/verifications/${id}/cancel`, headers: svc.auth });
    expect(canceled.statusCode).toBe(200);
    expect(canceled.json().status).toBe('canceled');
    const res = await check({ id, code });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('verification_canceled');
  });

  it('needs the context of the start again (transaction binding)', async () => {
    const context = { action: 'payment', amount: '49.90 EUR', payee: 'ACME Ltd' };
    const { id } = (await start({ to: TO, context })).json();
    const code = await h.lastCode(svc.key, TO);
    expect((await check({ id, code, context: { ...context, payee: 'Mallory' } })).json().valid).toBe(false);
    expect((await check({ id, code, context })).json().valid).toBe(true);
  });

  it.each([
    [{ code: '123456' }, 400, 'invalid_request'],
    [{ id: 'ver_nope', code: '123456' }, 404, 'verification_not_found'],
    [{ to: '+14155550199', code: '123456' }, 404, 'verification_not_found'],
    [{ to: TO }, 400, 'invalid_request'],
    [{ to: TO, code: 'x'.repeat(50) }, 400, 'invalid_request'],
  ])('refuses %j with %i %s', async (payload, status, code) => {
    const res = await check(payload);
    expect(res.statusCode).toBe(status);
    expect(res.json().code).toBe(code);
  });
});

describe('GET /v1/verifications', () => {
  it('fetches one with its sends, and pages through a list newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await start({ to: `+1415555012${i}` })).json().id);
      h.clock.advance(1); // ids order by millisecond
    }
    const one = await h.app.inject({ method: 'GET', url: `/v1/verifications/${ids[0]}`, headers: svc.auth });
    expect(one.json().sends).toHaveLength(1);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/verifications?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page: Awaited<ReturnType<Harness['app']['inject']>> = await h.app.inject({ method: 'GET', url, headers: svc.auth });
      expect(page.statusCode).toBe(200);
      seen.push(...page.json().data.map((v: { id: string }) => v.id));
      cursor = page.json().next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const filtered = await h.app.inject({ method: 'GET', url: `/v1/verifications?to=${encodeURIComponent('+14155550121')}&status=pending`, headers: svc.auth });
    expect(filtered.json().data.map((v: { id: string }) => v.id)).toEqual([ids[1]]);
    const bad = await h.app.inject({ method: 'GET', url: '/v1/verifications?cursor=garbage', headers: svc.auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('invalid_cursor');
  });
});

describe('Idempotency-Key (H1)', () => {
  it('replays the same response and sends one SMS', async () => {
    const first = await start({ to: TO }, { 'idempotency-key': 'k-1' });
    const second = await start({ to: TO }, { 'idempotency-key': 'k-1' });
    expect(second.statusCode).toBe(201);
    expect(second.body).toBe(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    await h.c.worker.drainOnce();
    const outbox = await h.app.inject({ method: 'GET', url: '/v1/outbox?limit=100', headers: svc.auth });
    expect(outbox.json().data).toHaveLength(1);
  });

  it('answers 422 for the same key with another body', async () => {
    await start({ to: TO }, { 'idempotency-key': 'k-2' });
    const res = await start({ to: '+14155550124' }, { 'idempotency-key': 'k-2' });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('idempotency_key_reused');
  });

  it('answers 409 while the first request is in flight', async () => {
    // Hold the first request inside the store, after it claimed the key.
    const store = h.c.store;
    const original = store.createVerification.bind(store);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    store.createVerification = async (...args) => {
      await gate;
      return original(...args);
    };
    const first = start({ to: TO }, { 'idempotency-key': 'k-3' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await start({ to: TO }, { 'idempotency-key': 'k-3' });
    expect(second.statusCode).toBe(409);
    expect(second.json().code).toBe('idempotency_key_in_use');
    expect(second.headers['retry-after']).toBe('1');
    release();
    expect((await first).statusCode).toBe(201);
    const third = await start({ to: TO }, { 'idempotency-key': 'k-3' });
    expect(third.statusCode).toBe(201);
    expect(third.body).toBe((await first).body);
  });

  it('keys are per service', async () => {
    const other = await h.service();
    await start({ to: TO }, { 'idempotency-key': 'shared' });
    const res = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: { ...other.auth, 'idempotency-key': 'shared' }, payload: { to: TO } });
    expect(res.statusCode).toBe(201);
  });
});
