import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { abuseHarness } from '../helpers/abuse.js';
import type { Backend, CountingConsole } from '../helpers/abuse.js';
import type { Harness } from '../helpers/harness.js';
import { createTestDatabase } from '../helpers/postgres.js';
import type { TestDatabase } from '../helpers/postgres.js';
import { REDIS_URL, skipUnless, tcpReachable } from '../helpers/services.js';
import type { PostgresStore } from '../../src/store/postgres/postgres.store.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { CounterLimiter } from '../../src/limits/counters.limiter.js';

/**
 * Rules B2 and S1–S5 of the security requirements, through the HTTP API, with limits kept in
 * the SQLite store, in Redis, and in the PostgreSQL store (abuseHarness("sqlite") means "no Redis"). Each test fails if its rule breaks.
 */
const redisUp = await tcpReachable(6379);
const postgresUp = await tcpReachable(5432);
const backends: Array<[Backend | 'postgres', boolean]> = [['sqlite', false], ['redis', skipUnless(redisUp)], ['postgres', skipUnless(postgresUp)]];

for (const [backend, skip] of backends) {
  describe.skipIf(skip)(`abuse controls with limits in ${backend}`, () => {
    let h: Harness;
    let provider: () => CountingConsole;
    let svc: Awaited<ReturnType<Harness['service']>>;

    let db: TestDatabase | null = null;
    beforeAll(async () => {
      if (backend === 'postgres') db = await createTestDatabase();
    });
    afterAll(async () => db?.drop());

    beforeEach(async () => {
      ({ h, provider } =
        backend === 'postgres'
          ? await abuseHarness('sqlite', { databaseUrl: await db!.schemaUrl(`a_${randomBytes(5).toString('hex')}`) })
          : await abuseHarness(backend));
      svc = await h.service();
    });
    afterEach(async () => h.close());

    const start = (payload: object, auth = svc.auth) => h.app.inject({ method: 'POST', url: '/v1/verifications', headers: auth, payload });
    const check = (payload: object) => h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload });
    const patch = (payload: object) =>
      h.app.inject({ method: 'PATCH', url: `/v1/services/${svc.id}`, headers: { authorization: `Bearer ${h.adminKey}` }, payload });
    const sent = async () => {
      await h.c.worker.drainOnce();
      return provider().sent.length;
    };
    const expectRefusal = (res: Awaited<ReturnType<typeof start>>, status: number, code: string) => {
      expect(res.statusCode, res.body).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().code).toBe(code);
      if (status === 429) {
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(res.headers['ratelimit-policy']).toMatch(/^"[a-z_]+";q=\d+;w=\d+$/);
        expect(res.headers.ratelimit).toMatch(/^"[a-z_]+";r=0;t=\d+$/);
        expect(res.headers.ratelimit).toContain(`t=${res.headers['retry-after']}`);
      }
    };

    it('S1: the 6th send of one verification is 429 with Retry-After and RateLimit headers; the provider is not called', async () => {
      await patch({ resend_cooldown_seconds: 0 });
      for (let i = 0; i < 5; i++) expect((await start({ to: '+14155550123' })).statusCode).toBe(201);
      expect(await sent()).toBe(5);
      const sixth = await start({ to: '+14155550123' });
      expectRefusal(sixth, 429, 'max_sends_reached');
      expect(sixth.headers['ratelimit-policy']).toBe('"sends_per_verification";q=5;w=300');
      expect(await sent()).toBe(5);
    });

    it('S2: 50 sequential numbers of one prefix from one client are stopped (client_ip limit)', async () => {
      const results = [];
      for (let i = 0; i < 50; i++) results.push(await start({ to: `+4474000000${String(i).padStart(2, '0')}`, client_ip: '198.51.100.7' }));
      const accepted = results.filter((r) => r.statusCode === 201).length;
      expect(accepted).toBe(20);
      for (const r of results.slice(20)) expectRefusal(r, 429, 'rate_limited');
      expect(results[20]!.headers['ratelimit-policy']).toBe('"sends_per_client_ip";q=20;w=3600');
      expect(await sent()).toBe(20);
      // Another end user of the same integrator is not affected.
      expect((await start({ to: '+14155550123', client_ip: '198.51.100.8' })).statusCode).toBe(201);
    });

    it('S2: without client_ip, the prefix limit stops them; per-phone and per-service limits hold too', async () => {
      const results = [];
      for (let i = 0; i < 50; i++) results.push(await start({ to: `+4474000000${String(i).padStart(2, '0')}` }));
      expect(results.filter((r) => r.statusCode === 201)).toHaveLength(40);
      expectRefusal(results[40]!, 429, 'rate_limited');
      expect(results[40]!.headers['ratelimit-policy']).toBe('"sends_per_prefix";q=40;w=600');
      expect(await sent()).toBe(40);

      // Per phone, across verifications (new contexts make new verifications): the 11th in an hour.
      const phone = [];
      for (let i = 0; i < 11; i++) phone.push(await start({ to: '+4915112345678', context: { n: i } }));
      expect(phone.slice(0, 10).every((r) => r.statusCode === 201)).toBe(true);
      expectRefusal(phone[10]!, 429, 'rate_limited');
      expect(phone[10]!.json().limit).toBe('sends_per_phone');
      h.clock.advanceSeconds(3600);
      expect((await start({ to: '+4915112345678', context: { n: 99 } })).statusCode).toBe(201);

      // Per service, configurable through the API (a load test raises it the same way).
      expect((await patch({ velocity_limits: { sends_per_service: { limit: 2, window_seconds: 60 } } })).statusCode).toBe(200);
      h.clock.advanceSeconds(60);
      expect((await start({ to: '+33612345601' })).statusCode).toBe(201);
      expect((await start({ to: '+33612345602' })).statusCode).toBe(201);
      expectRefusal(await start({ to: '+33612345603' }), 429, 'rate_limited');
    });

    it('S3: a country outside the allow-list is 403 country_not_allowed and not sent; safelisted numbers pass', async () => {
      expect((await patch({ allowed_countries: ['us'], safelist: ['+447400123456'] })).json().allowed_countries).toEqual(['US']);
      const refused = await start({ to: '+4915112345678' });
      expectRefusal(refused, 403, 'country_not_allowed');
      expect(refused.json().country).toBe('DE');
      expect(await sent()).toBe(0);
      expect((await start({ to: '+14155550123' })).statusCode).toBe(201);
      expect((await start({ to: '+447400123456' })).statusCode).toBe(201);
      expect(await sent()).toBe(2);
    });

    it('S4: the daily message cap fails closed with 429 quota_exceeded, warns at 50 % and 80 %, and resets the next UTC day', async () => {
      await patch({ daily_message_cap: 5 });
      for (let i = 0; i < 5; i++) expect((await start({ to: `+3361234560${i}` })).statusCode).toBe(201);
      const refused = await start({ to: '+33612345699' });
      expectRefusal(refused, 429, 'quota_exceeded');
      // Retry-After points at the next 00:00 UTC (the harness clock is at 12:00).
      expect(Number(refused.headers['retry-after'])).toBe(12 * 3600);
      expect(await sent()).toBe(5);
      expect(h.logs.filter((l) => l.msg === 'daily cap is 80 % used' && l.quota === 'messages')).toHaveLength(1);
      // The third of five sends crossed 50 %, the fourth 80 %: one quota.warning event each, naming when the cap resets.
      const warnings = await h.app.inject({ method: 'GET', url: '/v1/events?type=quota.warning', headers: svc.auth });
      const resetsAt = new Date((Math.floor(h.clock.now() / 86_400_000) + 1) * 86_400_000).toISOString();
      const byPercent = warnings.json().data.map((e: { data: { percent: number } }) => e.data).sort((a: { percent: number }, b: { percent: number }) => a.percent - b.percent);
      expect(byPercent).toEqual([
        { quota: 'messages', percent: 50, used: 3, cap: 5, resets_at: resetsAt },
        { quota: 'messages', percent: 80, used: 4, cap: 5, resets_at: resetsAt },
      ]);
      h.clock.advanceSeconds(12 * 3600);
      expect((await start({ to: '+33612345699' })).statusCode).toBe(201);
    });

    it('S4: the daily spend cap counts prices per country and fails closed', async () => {
      await patch({ sms_prices: { GB: 0.05, '*': 0 }, daily_spend_cap: 0.12 });
      expect((await start({ to: '+447400000001' })).statusCode).toBe(201);
      expect((await start({ to: '+447400000002' })).statusCode).toBe(201);
      expectRefusal(await start({ to: '+447400000003' }), 429, 'quota_exceeded');
      // 0.10 of 0.12 crossed 80 %.
      const warnings = await h.app.inject({ method: 'GET', url: '/v1/events?type=quota.warning', headers: svc.auth });
      expect(warnings.json().data.map((e: { data: { quota: string; used: number; cap: number } }) => [e.data.quota, e.data.used, e.data.cap])).toEqual([['spend', 0.1, 0.12], ['spend', 0.1, 0.12]]);
      // Free destinations do not spend.
      expect((await start({ to: '+14155550123' })).statusCode).toBe(201);
      expect(await sent()).toBe(3);
    });

    it('B2: failed checks are counted per number across verifications, and new verifications do not reset them', async () => {
      await patch({ failed_checks_per_phone_per_day: 12 });
      const to = '+4915112345678';
      for (let v = 0; v < 3; v++) {
        expect((await start({ to, context: { v } })).statusCode).toBe(201);
        const wrongs = v < 2 ? 5 : 2;
        for (let i = 0; i < wrongs; i++) expect((await check({ to, context: { v }, code: '000000' })).json().valid).toBe(false);
      }
      // 12 wrong codes in three verifications: a fourth verification's right code is refused.
      expect((await start({ to, context: { v: 3 } })).statusCode).toBe(201);
      const code = await h.lastCode(svc.key, to);
      const refused = await check({ to, context: { v: 3 }, code });
      expectRefusal(refused, 429, 'rate_limited');
      expect(refused.headers['ratelimit-policy']).toBe('"failed_checks_per_phone_per_day";q=12;w=86400');
      // The refusal did not spend an attempt of the verification; after 28 h the budget is back.
      h.clock.advanceSeconds(240);
      expect((await start({ to, context: { v: 4 } })).statusCode).toBe(201);
      h.clock.advanceSeconds(28 * 3600);
      expect((await start({ to, context: { v: 5 } })).statusCode).toBe(201);
      const later = await check({ to, context: { v: 5 }, code: await h.lastCode(svc.key, to) });
      expect(later.json()).toMatchObject({ status: 'approved', valid: true });
    });

    it('B2: never more than 100 failed checks of a number in any 24 hours, across a day boundary too', async () => {
      expect((await patch({ failed_checks_per_phone_per_day: 101 })).statusCode).toBe(400);
      await patch({
        failed_checks_per_phone_per_day: 100,
        max_check_attempts: 20,
        velocity_limits: { checks_per_phone: { limit: 1000, window_seconds: 3600 }, sends_per_phone: { limit: 1000, window_seconds: 3600 } },
      });
      const to = '+4915112345678';
      const wrongChecks = async (count: number, tag: string) => {
        let counted = 0;
        for (let v = 0; counted < count; v++) {
          if ((await start({ to, context: { tag, v } })).statusCode !== 201) break;
          let refused = false;
          for (let i = 0; i < 20 && counted < count; i++) {
            const res = await check({ to, context: { tag, v }, code: '000000' });
            if (res.statusCode === 429 && res.json().code === 'rate_limited') {
              refused = true;
              break;
            }
            counted++;
          }
          if (refused) break;
        }
        return counted;
      };
      h.clock.advanceSeconds(11 * 3600); // 23:00 UTC
      expect(await wrongChecks(60, 'a')).toBe(60);
      h.clock.advanceSeconds(2 * 3600); // 01:00 UTC the next day: a calendar-day counter would allow 100 more
      expect(await wrongChecks(100, 'b')).toBe(40);
      h.clock.advanceSeconds(29 * 3600);
      expect(await wrongChecks(100, 'c')).toBe(100);
    });

    it('S5: start answers the same status and shape whatever the number and its history, and sends after answering', async () => {
      await patch({ resend_cooldown_seconds: 0, failed_checks_per_phone_per_day: 1 });
      const fresh = '+4915112345678';
      const used = '+4915112345679';
      const exhausted = '+4915112345670';
      const approved = '+4915112345671';
      await start({ to: used });
      await start({ to: exhausted });
      await check({ to: exhausted, code: '000000' });
      await start({ to: approved });
      await check({ to: approved, code: await h.lastCode(svc.key, approved) });
      await h.c.worker.drainOnce();
      const before = provider().sent.length;
      const answers = [];
      for (const to of [fresh, used, exhausted, approved]) answers.push(await start({ to }));
      for (const res of answers) {
        expect(res.statusCode).toBe(201);
        expect(Object.keys(res.json()).sort()).toEqual(Object.keys(answers[0]!.json()).sort());
        expect(res.json().status).toBe('pending');
        // Durably queued, not yet sent: the provider is called after the response.
        expect(res.json().sends.filter((send: { status: string }) => send.status === 'queued')).toHaveLength(1);
      }
      expect(provider().sent.length - before).toBeLessThanOrEqual(answers.length);
      expect(await sent()).toBe(before + 4);
    });

    it('S5: with the delivery worker running, each start hands its SMS over with the same status, whatever the number', async () => {
      await patch({ resend_cooldown_seconds: 0, failed_checks_per_phone_per_day: 1 });
      const numbers = ['+4915112345678', '+4915112345679', '+4915112345670', '+4915112345671'];
      await start({ to: numbers[1] });
      await start({ to: numbers[2] });
      await check({ to: numbers[2], code: '000000' });
      await start({ to: numbers[3] });
      await check({ to: numbers[3], code: await h.lastCode(svc.key, numbers[3]!) });
      h.c.worker.start();
      const statuses: string[] = [];
      for (const to of numbers) {
        h.clock.advanceSeconds(1); // so that this start's message id sorts after the earlier ones
        const res = await start({ to });
        expect(res.statusCode).toBe(201);
        // A start for a number with a pending verification re-sends it: its earlier sends are listed too, oldest first.
        statuses.push(res.json().sends.at(-1).status as string);
      }
      // This start's send, already leased to this instance's worker (the start-to-worker handoff).
      expect(statuses).toEqual(['sending', 'sending', 'sending', 'sending']);
    });

    it('counter keys hold no phone number or IP in clear', async () => {
      expect((await start({ to: '+4915112345678', client_ip: '198.51.100.77' })).statusCode).toBe(201);
      await check({ to: '+4915112345678', code: '000000' });
      let keys: string[];
      if (backend === 'redis') {
        const { Redis } = await import('ioredis');
        const client = new Redis(REDIS_URL);
        keys = await client.keys(`${h.c.config.redisKeyPrefix}:*`);
        client.disconnect();
      } else if (backend === 'postgres') {
        keys = ((await (h.c.store as PostgresStore).pool.query('SELECT key FROM limit_counters')).rows as Array<{ key: string }>).map((r) => r.key);
      } else {
        // Counters are written from memory at most a second apart; write them now.
        await (h.c.limiter as CounterLimiter).flush();
        keys = ((h.c.store as SqliteStore).database.prepare('SELECT key FROM limit_counters').all() as Array<{ key: string }>).map((r) => r.key);
      }
      expect(keys.length).toBeGreaterThan(5);
      expect(keys.some((k) => k.includes(':+491511:'))).toBe(true); // the prefix, which names a range
      for (const k of keys) {
        expect(k).not.toMatch(/4915112345678|198\.51\.100\.77/);
      }
    });

    it('test numbers use no cap and do not feed the pumping guard (their per-person budgets: test-mode-and-oracles.test.ts)', async () => {
      await patch({ test_numbers: { '+15005550006': '123456' }, daily_message_cap: 1 });
      for (let i = 0; i < 5; i++) {
        expect((await start({ to: '+15005550006', context: { i } })).statusCode).toBe(201);
        expect((await check({ to: '+15005550006', context: { i }, code: '123456' })).json().valid).toBe(true);
      }
      expect((await start({ to: '+14155550123' })).statusCode).toBe(201);
      expectRefusal(await start({ to: '+14155550124' }), 429, 'quota_exceeded');
      expect(await sent()).toBe(1);
    });
  });
}
