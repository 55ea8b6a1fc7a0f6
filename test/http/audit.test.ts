import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/container.js';
import { settleAdminKeys } from '../../src/main.js';
import { sidOf } from '../../src/http/routes/twilio/sids.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/** Rule T7: every admin key can be listed and revoked; every change of configuration or access leaves an audit record. */
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** Routes that change data, not configuration or access: their record is the events and the attempts log. */
const TRAFFIC = new Set([
  'POST /v1/verifications',
  'POST /v1/verifications/check',
  'POST /v1/verifications/:id/cancel',
  'POST /v1/verifications/:id/approve',
  'POST /v1/webhooks/:id/redeliver',
  // Changes nothing: renders a text that is not saved.
  'POST /v1/services/:id/templates/:locale/preview',
  'POST /v1/dlr/:provider/:messageId',
  'POST /v1/dlr/:provider',
  'POST /v2/Services/:ServiceSid/Verifications',
  'POST /v2/Services/:ServiceSid/Verifications/:Sid',
  'POST /v2/Services/:ServiceSid/VerificationCheck',
]);

let h: Harness;
let admin: Record<string, string>;
let adminKeyId: string;

beforeAll(async () => {
  h = await createHarness();
  admin = { authorization: `Bearer ${h.adminKey}` };
  adminKeyId = (await h.app.inject({ url: '/v1/admin-keys', headers: admin })).json().data[0].id;
});
afterAll(async () => h.close());

const call = async (options: InjectOptions, status: number) => {
  const res = await h.app.inject(options);
  expect(res.statusCode, `${options.method} ${options.url}: ${res.body}`).toBe(status);
  return res;
};

async function newestRecords(count: number) {
  const res = await call({ url: `/v1/audit-log?limit=${count}`, headers: admin }, 200);
  return res.json<{ data: Array<Record<string, any>> }>().data;
}

describe('the audit log (T7)', () => {
  it('every route that changes something is audited or is traffic', () => {
    const mutating = h.app.routeTable.filter((r) => r.method !== 'GET');
    const unaudited = mutating.filter((r) => r.audit === undefined).map((r) => `${r.method} ${r.url}`).sort();
    expect(unaudited).toEqual([...TRAFFIC].sort());
    for (const r of h.app.routeTable.filter((x) => x.method === 'GET')) expect(r.audit, `${r.method} ${r.url}`).toBeUndefined();
  });

  it('records each change once, with who made it, from where, and the settings before and after', async () => {
    // Every audited route, called once successfully; each must add exactly one record of its action.
    const svc = await h.service();
    const serviceSid = sidOf('VA', svc.id);
    const keyId = (await h.app.inject({ url: `/v1/services/${svc.id}/keys`, headers: admin })).json().data[0].id as string;
    const basic = (await call({ method: 'POST', url: '/v1/basic-credentials', headers: admin, payload: { type: 'api_key' } }, 201)).json();
    const adminBasic = { authorization: `Basic ${Buffer.from(`${basic.sid}:${basic.secret}`).toString('base64')}` };
    const steps: Array<{ action: string; run: () => Promise<unknown>; actorKey?: string | null; target?: () => string }> = [];
    let created: Record<string, string> = {};
    const step = (action: string, options: () => InjectOptions, status: number, keep?: (body: any) => void) =>
      steps.push({
        action,
        run: async () => {
          const res = await call(options(), status);
          keep?.(res.json());
        },
      });

    step('service.created', () => ({ method: 'POST', url: '/v1/services', headers: admin, payload: { name: 'Audited' } }), 201, (b) => (created.service = b.id));
    step('service.updated', () => ({ method: 'PATCH', url: `/v1/services/${created.service}`, headers: admin, payload: { ttl_seconds: 600 } }), 200);
    step('service_key.created', () => ({ method: 'POST', url: `/v1/services/${created.service}/keys`, headers: admin, payload: {} }), 201, (b) => (created.key = b.id));
    step('service_key.revoked', () => ({ method: 'DELETE', url: `/v1/services/${created.service}/keys/${created.key}`, headers: admin }), 204);
    step('basic_credential.created', () => ({ method: 'POST', url: `/v1/services/${created.service}/basic-credentials`, headers: admin, payload: { type: 'api_key' } }), 201);
    step('sms_settings.updated', () => ({
      method: 'PUT', url: `/v1/services/${created.service}/sms`, headers: admin,
      payload: { providers: [{ name: 'tw', type: 'twilio', settings: { account_sid: `AC${'0'.repeat(32)}`, auth_token: 'secret-token-value-1234', from: '+14155550100' } }], route: ['tw'] },
    }), 200);
    step('sms_settings.deleted', () => ({ method: 'DELETE', url: `/v1/services/${created.service}/sms`, headers: admin }), 204);
    step('template.updated', () => ({ method: 'PUT', url: `/v1/services/${created.service}/templates/fr`, headers: admin, payload: { text: '{code} est votre code {service}.' } }), 200);
    step('template.deleted', () => ({ method: 'DELETE', url: `/v1/services/${created.service}/templates/fr`, headers: admin }), 204);
    step('webhook_endpoint.created', () => ({ method: 'POST', url: '/v1/webhooks', headers: svc.auth, payload: { url: 'https://hooks.example.com/a' } }), 201, (b) => (created.endpoint = b.id));
    step('webhook_endpoint.updated', () => ({ method: 'PATCH', url: `/v1/webhooks/${created.endpoint}`, headers: svc.auth, payload: { enabled: false } }), 200);
    step('webhook_endpoint.secret_rotated', () => ({ method: 'POST', url: `/v1/webhooks/${created.endpoint}/rotate-secret`, headers: svc.auth, payload: {} }), 200);
    step('webhook_endpoint.deleted', () => ({ method: 'DELETE', url: `/v1/webhooks/${created.endpoint}`, headers: svc.auth }), 204);
    step('rate_limit.created', () => ({ method: 'POST', url: `/v2/Services/${serviceSid}/RateLimits`, headers: { ...adminBasic, ...FORM }, payload: form({ UniqueName: 'ip' }) }), 201, (b) => (created.rateLimit = b.sid));
    step('rate_limit.updated', () => ({ method: 'POST', url: `/v2/Services/${serviceSid}/RateLimits/${created.rateLimit}`, headers: { ...adminBasic, ...FORM }, payload: form({ Description: 'd' }) }), 200);
    step('rate_limit_bucket.created', () => ({ method: 'POST', url: `/v2/Services/${serviceSid}/RateLimits/${created.rateLimit}/Buckets`, headers: { ...adminBasic, ...FORM }, payload: form({ Max: '5', Interval: '60' }) }), 201, (b) => (created.bucket = b.sid));
    step('rate_limit_bucket.updated', () => ({ method: 'POST', url: `/v2/Services/${serviceSid}/RateLimits/${created.rateLimit}/Buckets/${created.bucket}`, headers: { ...adminBasic, ...FORM }, payload: form({ Max: '6' }) }), 200);
    step('rate_limit_bucket.deleted', () => ({ method: 'DELETE', url: `/v2/Services/${serviceSid}/RateLimits/${created.rateLimit}/Buckets/${created.bucket}`, headers: adminBasic }), 204);
    step('rate_limit.deleted', () => ({ method: 'DELETE', url: `/v2/Services/${serviceSid}/RateLimits/${created.rateLimit}`, headers: adminBasic }), 204);
    step('prefix_block.lifted', () => ({ method: 'DELETE', url: `/v1/services/${svc.id}/prefix-blocks/%2B447400`, headers: admin }), 204);
    step('service.created', () => ({ method: 'POST', url: '/v2/Services', headers: { ...adminBasic, ...FORM }, payload: form({ FriendlyName: 'Twilio' }) }), 201, (b) => (created.twilio = b.sid));
    step('service.updated', () => ({ method: 'POST', url: `/v2/Services/${created.twilio}`, headers: { ...adminBasic, ...FORM }, payload: form({ CodeLength: '8' }) }), 200);
    step('service.deleted', () => ({ method: 'DELETE', url: `/v2/Services/${created.twilio}`, headers: adminBasic }), 204);
    step('admin_key.created', () => ({ method: 'POST', url: '/v1/admin-keys', headers: admin, payload: { name: 'ops' } }), 201, (b) => (created.adminKey = b.id));
    step('admin_key.revoked', () => ({ method: 'DELETE', url: `/v1/admin-keys/${created.adminKey}`, headers: admin }), 204);
    step('basic_credential.created', () => ({ method: 'POST', url: '/v1/basic-credentials', headers: admin, payload: { type: 'account' } }), 201);
    step('service.deleted', () => ({ method: 'DELETE', url: `/v1/services/${created.service}`, headers: admin }), 204);

    // The prefix block to lift.
    const now = h.clock.now();
    await h.c.store.savePrefixBlock({ serviceId: svc.id, prefix: '+447400', mode: 'enforced', reason: 'r', sends: 1, approvals: 0, baselinePerWindow: 0, createdAt: now, expiresAt: now + 60_000 });
    const audited = new Set<string>();
    for (const s of steps) {
      h.clock.advance(1); // ids sort by time; one step per millisecond keeps "newest" exact
      const before = (await newestRecords(1))[0]?.id;
      await s.run();
      const [record, previous] = await newestRecords(2);
      expect(previous?.id, s.action).toBe(before);
      expect(record!.action).toBe(s.action);
      expect(record!.request_id).toMatch(/^req_/);
      expect(record!.source_ip).toBe('127.0.0.1');
      // What a deletion took away is in its record.
      if (s.action.endsWith('.deleted')) expect(record!.before, s.action).not.toBeNull();
      // A revocation says which key it was (mode, scheme, prefix), also once its creation's record is purged.
      if (s.action.endsWith('_key.revoked')) {
        expect(record!.before, s.action).toMatchObject({ mode: expect.any(String), scheme: 'bearer', prefix: expect.any(String), revoked_at: null });
        expect(record!.after.revoked_at, s.action).not.toBeNull();
      }
      audited.add(s.action);
    }
    // Every action the API can record was seen here.
    const routes = new Set(h.app.routeTable.map((r) => r.audit).filter(Boolean));
    expect([...audited].sort()).toEqual([...routes].sort());

    const log = (await call({ url: `/v1/audit-log?service_id=${created.service}&limit=100`, headers: admin }, 200)).json().data as Array<Record<string, any>>;
    const updated = log.find((r) => r.action === 'service.updated')!;
    expect(updated).toMatchObject({ actor: { kind: 'admin_key', key_id: adminKeyId, mode: 'live' }, service_id: created.service, target_id: created.service });
    expect(updated.before.ttl_seconds).toBe(300);
    expect(updated.after.ttl_seconds).toBe(600);
    const sms = log.find((r) => r.action === 'sms_settings.updated')!;
    expect(JSON.stringify(sms)).not.toContain('secret-token-value-1234');
    const template = log.find((r) => r.action === 'template.updated')!;
    expect(template).toMatchObject({ target_id: 'fr', before: null, after: { text: '{code} est votre code {service}.' } });
    const keyRecord = log.find((r) => r.action === 'service_key.created')!;
    expect(JSON.stringify(keyRecord)).not.toMatch(/og_(live|test)_[A-Za-z0-9_-]{20}/);
    // Service keys are named as actors, with their mode.
    const webhook = (await call({ url: '/v1/audit-log?action=webhook_endpoint.updated', headers: admin }, 200)).json().data[0];
    expect(webhook).toMatchObject({ actor: { kind: 'service_key', key_id: keyId, mode: 'live' }, service_id: svc.id, before: { enabled: true }, after: { enabled: false } });
    // Secrets never reach the log.
    const everything = JSON.stringify((await call({ url: '/v1/audit-log?limit=100', headers: admin }, 200)).json());
    expect(everything).not.toMatch(/whsec_|og_admin_[A-Za-z0-9_-]{20}/);
    expect(everything).not.toContain(basic.secret);
  });

  it('keeps no test-number code: the numbers are there, their codes masked', async () => {
    const svc = (await call({ method: 'POST', url: '/v1/services', headers: admin, payload: { name: 'Reviewed', test_numbers: { '+14155550199': '424242' } } }, 201)).json();
    expect(svc.test_numbers).toEqual({ '+14155550199': '424242' });
    await call({ method: 'PATCH', url: `/v1/services/${svc.id}`, headers: admin, payload: { test_numbers: { '+14155550199': '111111' } } }, 200);
    const records = (await call({ url: `/v1/audit-log?service_id=${svc.id}`, headers: admin }, 200)).json().data as Array<Record<string, any>>;
    expect(records.map((r) => r.action)).toEqual(['service.updated', 'service.created']);
    expect(records[0]!.before.test_numbers).toEqual({ '+14155550199': '******' });
    expect(records[0]!.after.test_numbers).toEqual({ '+14155550199': '******' });
    expect(JSON.stringify(records)).not.toMatch(/424242|111111/);
  });

  it('is for admin keys only', async () => {
    const svc = await h.service();
    await call({ url: '/v1/audit-log', headers: svc.auth }, 403);
    await call({ url: '/v1/admin-keys', headers: svc.auth }, 403);
    await call({ method: 'POST', url: '/v1/admin-keys', headers: svc.auth, payload: {} }, 403);
  });

  it('does not record a replayed create (Idempotency-Key) or a refused change', async () => {
    const headers = { ...admin, 'idempotency-key': 'svc-once' };
    h.clock.advance(1);
    await call({ method: 'POST', url: '/v1/services', headers, payload: { name: 'Once' } }, 201);
    const first = (await newestRecords(1))[0]!.id;
    h.clock.advance(1);
    await call({ method: 'POST', url: '/v1/services', headers, payload: { name: 'Once' } }, 201);
    await call({ method: 'PATCH', url: '/v1/services/svc_01kaz000000000000000000000', headers: admin, payload: { ttl_seconds: 60 } }, 404);
    expect((await newestRecords(1))[0]!.id).toBe(first);
  });
});

describe('admin keys (T7)', () => {
  it('are issued once, listed, and revoked at once; the last one is kept', async () => {
    const issued = (await call({ method: 'POST', url: '/v1/admin-keys', headers: admin, payload: { name: 'ops-alice' } }, 201)).json();
    expect(issued.key).toMatch(/^og_admin_/);
    const alice = { authorization: `Bearer ${issued.key}` };
    await call({ url: '/v1/services', headers: alice }, 200);
    const listed = (await call({ url: '/v1/admin-keys', headers: admin }, 200)).json().data as Array<Record<string, unknown>>;
    expect(listed.find((k) => k.id === issued.id)).toMatchObject({ name: 'ops-alice', kind: 'admin', source: 'issued', revoked_at: null });
    expect(JSON.stringify(listed)).not.toContain(issued.key);
    expect(listed.find((k) => k.id === adminKeyId)).toMatchObject({ source: 'env' });
    await call({ method: 'DELETE', url: `/v1/admin-keys/${issued.id}`, headers: alice }, 204);
    await call({ url: '/v1/services', headers: alice }, 401);
    await call({ method: 'DELETE', url: `/v1/admin-keys/${issued.id}`, headers: admin }, 404);
    // Revoking every other key leaves this one: the last can't go.
    for (const key of (await call({ url: '/v1/admin-keys', headers: admin }, 200)).json().data as Array<{ id: string; revoked_at: string | null }>) {
      if (key.revoked_at === null && key.id !== adminKeyId) await call({ method: 'DELETE', url: `/v1/admin-keys/${key.id}`, headers: admin }, 204);
    }
    // Admin-level Basic credentials cannot reach /v1, so they keep nobody in: the bearer key stays.
    const basic = (await call({ method: 'POST', url: '/v1/basic-credentials', headers: admin, payload: { type: 'api_key' } }, 201)).json();
    const last = await call({ method: 'DELETE', url: `/v1/admin-keys/${adminKeyId}`, headers: admin }, 409);
    expect(last.json().code).toBe('last_admin_key');
    // Neither scheme passes as the other: `sid:secret` is no bearer key.
    await call({ url: '/v1/services', headers: { authorization: `Bearer ${basic.sid}:${basic.secret}` } }, 401);
    const after = (await call({ url: '/v1/admin-keys', headers: admin }, 200)).json().data as Array<Record<string, unknown>>;
    expect(after.find((k) => k.prefix === basic.sid)).toMatchObject({ scheme: 'basic', revoked_at: null });
    expect(after.find((k) => k.id === adminKeyId)).toMatchObject({ scheme: 'bearer' });
  });

  it('names hold no control or format characters', async () => {
    for (const name of ['x\u202eevil', 'nul\u0000', 'bell\u0007', 'zero\u200bwidth', 'line\u2028sep', '', '   ', 'x'.repeat(65)]) {
      const res = await call({ method: 'POST', url: '/v1/admin-keys', headers: admin, payload: { name } }, 400);
      expect(res.json().code).toBe('invalid_request');
    }
  });

  it('the key OTPGATE_ADMIN_KEY holds works while it holds it, and stops when it changes or goes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-adminkey-'));
    const secret = randomBytes(32).toString('hex');
    /** A start: the admin keys are settled only once it listens. */
    const boot = async (adminKey: string | undefined, listens = true) => {
      const env: Record<string, string> = { OTPGATE_DATABASE_URL: `sqlite:${join(dir, 'otpgate.db')}`, OTPGATE_SECRET: secret };
      if (adminKey) env.OTPGATE_ADMIN_KEY = adminKey;
      const c = await createContainer(loadConfig(env), { logger: pino({ level: 'silent' }), defaultMetrics: false });
      if (listens) {
        try {
          await settleAdminKeys(c);
        } catch (error) {
          await c.close();
          throw error;
        }
      }
      return c;
    };
    const works = async (c: Awaited<ReturnType<typeof boot>>, key: string) => c.tenancy.authenticate(key).then(() => true, () => false);
    const [first, second] = [`og_admin_${randomBytes(24).toString('base64url')}`, `og_admin_${randomBytes(24).toString('base64url')}`];
    try {
      let c = await boot(first);
      expect(await works(c, first)).toBe(true);
      // Its own value: 4 characters are shown, not a third of the key.
      expect((await c.tenancy.listAdminKeys())[0]!.prefix).toBe(first.slice(0, 4));
      const spare = await c.tenancy.createKey('admin', null, { name: 'spare' });
      await c.close();

      // A start that fails before listening (a port in use) changes nothing: it neither revokes
      // the key the variable held nor registers the one it holds now.
      c = await boot(undefined, false);
      expect(await works(c, first)).toBe(true);
      await c.close();
      c = await boot(second, false);
      expect(await works(c, second)).toBe(false);
      expect(await works(c, first)).toBe(true);
      await c.close();

      c = await boot(second);
      expect(await works(c, first)).toBe(false);
      expect(await works(c, second)).toBe(true);
      expect(await works(c, spare.secret)).toBe(true);
      const actions = (await c.audit.list({}, undefined, 10)).data.map((r) => [r.action, r.actor.kind]);
      expect(actions.slice(0, 2)).toEqual([['admin_key.revoked', 'system'], ['admin_key.created', 'system']]);
      const serviceKey = await c.tenancy.createKey('service', (await c.tenancy.createService({ name: 'shop' })).id);
      await c.close();

      c = await boot(undefined);
      expect(await works(c, second)).toBe(false);
      expect(await works(c, spare.secret)).toBe(true);
      await c.close();

      // A value revoked through the API stays revoked; a stale instance still holding it changes nothing else.
      c = await boot(second);
      expect(await works(c, second)).toBe(false);
      expect(await works(c, spare.secret)).toBe(true);
      await c.close();

      // A service key's value is no admin key, nor is one made through the API: the start stops and says so.
      await expect(boot(serviceKey.secret)).rejects.toThrow(/OTPGATE_ADMIN_KEY.*service key/);
      await expect(boot(spare.secret)).rejects.toThrow(/OTPGATE_ADMIN_KEY holds the value of an existing admin key made through the API/);
      // Enough different characters for the configuration's first check, and still guessable.
      for (const guessable of ['og_admin_000000000000000000000000000000000', `${'a'.repeat(199)}b`, 'abcdefghijklmnopqrstuvwx', 'qwertyuiopasdfghjklzxcvb', 'CorrectHorseBatteryStaple1']) {
        await expect(boot(guessable), guessable).rejects.toThrow(/OTPGATE_ADMIN_KEY is too easy to guess/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

});
