import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/** Issue 15: what an operator meets on the first day in production. */
const TO = '+14155550123';

describe('X-Forwarded-For is believed only from configured proxies (T5)', () => {
  const limited = { velocity_limits: { requests_per_source_ip: { limit: 2, window_seconds: 60 } } };

  it('with a hop count, a made-up leftmost address does not escape the per-address budget', async () => {
    const h = await createHarness({ env: { OTPGATE_TRUST_PROXY: '1' } });
    try {
      const svc = await h.service(limited);
      // nginx with $proxy_add_x_forwarded_for appends the real client to what the client sent.
      const start = (fake: string, n: number) => h.app.inject({
        method: 'POST', url: '/v1/verifications', headers: { ...svc.auth, 'x-forwarded-for': `${fake}, 203.0.113.9` }, remoteAddress: '10.0.0.5',
        payload: { to: `+1415555010${n}` },
      });
      expect((await start('198.51.100.1', 1)).statusCode).toBe(201);
      expect((await start('198.51.100.2', 2)).statusCode).toBe(201);
      expect((await start('198.51.100.3', 3)).json()).toMatchObject({ status: 429, limit: 'requests_per_source_ip' });
      // Another real client behind the same proxy has its own budget.
      const other = await h.app.inject({
        method: 'POST', url: '/v1/verifications', headers: { ...svc.auth, 'x-forwarded-for': '203.0.113.10' }, remoteAddress: '10.0.0.5', payload: { to: '+14155550104' },
      });
      expect(other.statusCode).toBe(201);
    } finally {
      await h.close();
    }
  });

  it('with a list of proxies, headers of anyone else are ignored', async () => {
    const h = await createHarness({ env: { OTPGATE_TRUST_PROXY: '10.0.0.0/8' } });
    try {
      const svc = await h.service(limited);
      const direct = (n: number) => h.app.inject({
        method: 'POST', url: '/v1/verifications', headers: { ...svc.auth, 'x-forwarded-for': `198.51.100.${n}` }, remoteAddress: '192.0.2.50',
        payload: { to: `+1415555020${n}` },
      });
      expect((await direct(1)).statusCode).toBe(201);
      expect((await direct(2)).statusCode).toBe(201);
      expect((await direct(3)).json()).toMatchObject({ status: 429, limit: 'requests_per_source_ip' });
      const viaProxy = await h.app.inject({
        method: 'POST', url: '/v1/verifications', headers: { ...svc.auth, 'x-forwarded-for': '198.51.100.7' }, remoteAddress: '10.1.2.3', payload: { to: '+14155550207' },
      });
      expect(viaProxy.statusCode).toBe(201);
    } finally {
      await h.close();
    }
  });
});

describe('the audit log names the address the limits count (T4, T7)', () => {
  it('never a forwarded entry that is no address, one spelling per address, the port of an entry left out', async () => {
    const h = await createHarness({ env: { OTPGATE_TRUST_PROXY: '1' } });
    try {
      const admin = { authorization: `Bearer ${h.adminKey}` };
      for (const [forwarded, seen] of [['garbage', '10.0.0.5'], ['1.1.1.1:443', '1.1.1.1'], ['[2001:db8::2]:8443', '2001:db8::2'], ['::ffff:203.0.113.4', '203.0.113.4'], ['2001:DB8::1', '2001:db8::1']]) {
        const made = await h.app.inject({ method: 'POST', url: '/v1/admin-keys', headers: { ...admin, 'x-forwarded-for': forwarded }, remoteAddress: '10.0.0.5', payload: {} });
        expect(made.statusCode).toBe(201);
        const [record] = (await h.app.inject({ url: '/v1/audit-log?limit=1', headers: admin })).json().data;
        expect([forwarded, record.source_ip]).toEqual([forwarded, seen]);
      }
    } finally {
      await h.close();
    }
  });
});

describe('logs', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h.close());

  it('name the problem of every refused request, and never hold a code', async () => {
    const svc = await h.service({ velocity_limits: { checks_per_service: { limit: 3, window_seconds: 60 } } });
    const started = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: TO } });
    const code = await h.lastCode(svc.key, TO);
    const refused = [
      await h.app.inject({ url: '/v1/verifications', headers: { authorization: 'Bearer og_live_not_a_key_at_all_0000' } }),
      await h.app.inject({ url: '/v1/verifications/ver_01kaz000000000000000000000', headers: svc.auth }),
      await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: TO } }),
    ];
    await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload: { id: started.json().id, code: '000000' } });
    await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload: { id: started.json().id, code } });
    refused.push(await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload: { id: started.json().id, code } }));
    refused.push(await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload: { id: started.json().id, code } }));
    const answered = refused.map((r) => [r.statusCode, r.json().code]);
    expect(answered).toEqual([[401, 'unauthorized'], [404, 'verification_not_found'], [429, 'resend_cooldown'], [409, 'verification_already_approved'], [429, 'rate_limited']]);
    const logged = h.logs.filter((l) => l.msg === 'request refused').map((l) => [l.status, l.problem]);
    expect(logged).toEqual(answered);
    for (const line of h.logs) expect(JSON.stringify(line)).not.toContain(code);
  });
});
