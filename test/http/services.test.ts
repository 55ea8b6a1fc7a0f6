import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

let h: Harness;
let admin: { authorization: string };
beforeEach(async () => {
  h = await createHarness();
  admin = { authorization: `Bearer ${h.adminKey}` };
});
afterEach(async () => h.close());

const create = (payload: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url: '/v1/services', headers: { ...admin, ...headers }, payload: payload as object });

describe('services — happy', () => {
  it('creates a service with the documented defaults', async () => {
    const res = await create({ name: 'Acme' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      name: 'Acme',
      code_length: 6,
      ttl_seconds: 300,
      allow_long_ttl: false,
      max_check_attempts: 5,
      max_sends: 5,
      resend_cooldown_seconds: 30,
      default_locale: null,
      webotp_domain: null,
      android_app_hash: null,
      test_numbers: {},
    });
    expect(res.json().id).toMatch(/^svc_/);
  });

  it('updates only the fields given, lists, fetches and deletes', async () => {
    const { id } = (await create({ name: 'Acme', code_length: 8 })).json();
    const patched = await h.app.inject({ method: 'PATCH', url: `/v1/services/${id}`, headers: admin, payload: { ttl_seconds: 120, default_locale: 'de' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ code_length: 8, ttl_seconds: 120, default_locale: 'de', name: 'Acme' });
    const list = await h.app.inject({ method: 'GET', url: '/v1/services', headers: admin });
    expect(list.json().data.map((s: { id: string }) => s.id)).toContain(id);
    expect((await h.app.inject({ method: 'GET', url: `/v1/services/${id}`, headers: admin })).json().ttl_seconds).toBe(120);
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/services/${id}`, headers: admin })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: `/v1/services/${id}`, headers: admin })).statusCode).toBe(404);
  });

  it('issues a key once, which then works; a service key reads its own service', async () => {
    const { id } = (await create({ name: 'Acme' })).json();
    const issued = await h.app.inject({ method: 'POST', url: `/v1/services/${id}/keys`, headers: admin, payload: { name: 'backend' } });
    expect(issued.statusCode).toBe(201);
    const { key } = issued.json();
    expect(key).toMatch(/^og_live_[A-Za-z0-9_-]{32}$/);
    const own = await h.app.inject({ method: 'GET', url: `/v1/services/${id}`, headers: { authorization: `Bearer ${key}` } });
    expect(own.statusCode).toBe(200);
    const keys = await h.app.inject({ method: 'GET', url: `/v1/services/${id}/keys`, headers: admin });
    expect(keys.json().data[0]).toMatchObject({ name: 'backend', kind: 'service', revoked_at: null, prefix: key.slice(0, 12) });
  });

  it('uses the code length, TTL and test numbers of the service', async () => {
    const s = await h.service({ code_length: 8, ttl_seconds: 120, test_numbers: { '+15005550006': '12345678' } });
    const res = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: s.auth, payload: { to: '+14155550123' } });
    expect(Date.parse(res.json().expires_at) - h.clock.now()).toBe(120_000);
    expect(await h.lastCode(s.key, '+14155550123')).toMatch(/^\d{8}$/);
    const test = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: s.auth, payload: { to: '+15005550006' } });
    expect(test.json().sends[0].status).toBe('suppressed');
    const checked = await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: s.auth, payload: { to: '+15005550006', code: '12345678' } });
    expect(checked.json().status).toBe('approved');
  });

  it('replays a create with the same Idempotency-Key', async () => {
    const a = await create({ name: 'Once' }, { 'idempotency-key': 'svc-1' });
    const b = await create({ name: 'Once' }, { 'idempotency-key': 'svc-1' });
    expect(b.json().id).toBe(a.json().id);
    const list = await h.app.inject({ method: 'GET', url: '/v1/services', headers: admin });
    expect(list.json().data.filter((s: { name: string }) => s.name === 'Once')).toHaveLength(1);
  });
});

describe('services — errors', () => {
  it.each([
    [{}, 'name'],
    [{ name: '' }, 'name'],
    [{ name: 'A', code_length: 3 }, 'code_length'],
    [{ name: 'A', code_length: 11 }, 'code_length'],
    [{ name: 'A', ttl_seconds: 601 }, 'allow_long_ttl'],
    [{ name: 'A', max_check_attempts: 0 }, 'max_check_attempts'],
    [{ name: 'A', default_locale: 'tlh' }, 'default_locale'],
    [{ name: 'A', webotp_domain: 'https://acme.com/path' }, ''],
    [{ name: 'A', android_app_hash: 'short' }, 'android_app_hash'],
    [{ name: 'A', test_numbers: { '4155550123': '123456' } }, 'test_numbers'],
    [{ name: 'A', test_numbers: { '+14155550123': '12' } }, 'test_numbers'],
    [{ name: 'A', nope: 1 }, ''],
  ])('refuses %j naming %s', async (payload, field) => {
    const res = await create(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('invalid_request');
    expect(JSON.stringify(res.json())).toContain(field);
  });

  it('allows a TTL above 600 s only with allow_long_ttl', async () => {
    const res = await create({ name: 'A', ttl_seconds: 900, allow_long_ttl: true });
    expect(res.statusCode).toBe(201);
    const { id } = res.json();
    const off = await h.app.inject({ method: 'PATCH', url: `/v1/services/${id}`, headers: admin, payload: { allow_long_ttl: false } });
    expect(off.statusCode).toBe(400);
  });

  it('answers 404 for unknown services and keys', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/v1/services/svc_nope', headers: admin })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'PATCH', url: '/v1/services/svc_nope', headers: admin, payload: { name: 'x' } })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'POST', url: '/v1/services/svc_nope/keys', headers: admin })).statusCode).toBe(404);
    const { id } = (await create({ name: 'A' })).json();
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/services/${id}/keys/key_nope`, headers: admin })).statusCode).toBe(404);
  });
});
