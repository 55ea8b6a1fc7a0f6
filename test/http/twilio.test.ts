import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/** The /v2 surface through app.inject: wire details the SDK test does not look at. */
let h: Harness;
let svc: Awaited<ReturnType<Harness['service']>>;
let basic: string;
let serviceSid: string;

beforeAll(async () => {
  h = await createHarness();
  svc = await h.service();
  const issued = await h.app.inject({
    method: 'POST', url: `/v1/services/${svc.id}/basic-credentials`,
    headers: { authorization: `Bearer ${h.adminKey}` }, payload: { type: 'api_key' },
  });
  expect(issued.statusCode).toBe(201);
  const credential = issued.json<{ sid: string; secret: string; service_sid: string }>();
  basic = `Basic ${Buffer.from(`${credential.sid}:${credential.secret}`).toString('base64')}`;
  serviceSid = credential.service_sid;
});
afterAll(async () => h.close());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('/v2 wire format', () => {
  it('takes form-encoded PascalCase parameters and answers snake_case JSON with absolute URLs', async () => {
    const res = await h.app.inject({
      method: 'POST', url: `/v2/Services/${serviceSid}/Verifications`,
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded', host: 'otp.example:8080' },
      payload: form({ To: '+14155550123', Channel: 'sms', Locale: 'fr' }),
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ status: 'pending', valid: false, to: '+14155550123', service_sid: serviceSid, lookup: {}, amount: null });
    expect(body.url).toBe(`http://otp.example:8080/v2/Services/${serviceSid}/Verifications/${body.sid}`);
    expect(body.date_created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(await h.lastSms(svc.key, '+14155550123')).toMatch(/^\d{6} est votre code/);
    // The service's native answer names the same service for Twilio.
    const native = await h.app.inject({ url: `/v1/services/${svc.id}`, headers: svc.auth });
    expect(native.json()).toMatchObject({ twilio_service_sid: serviceSid, twilio_account_sid: expect.stringMatching(/^AC[0-9a-f]{32}$/) });
  });

  it('pages with Twilio\'s meta and an absolute next_page_url', async () => {
    const res = await h.app.inject({ url: '/v2/Attempts?PageSize=1', headers: { authorization: basic, host: 'otp.example' } });
    expect(res.statusCode).toBe(200);
    const { meta, attempts } = res.json();
    expect(attempts).toHaveLength(1);
    expect(meta).toMatchObject({ key: 'attempts', page: 0, page_size: 1, previous_page_url: null, next_page_url: null });
    expect(meta.first_page_url).toBe('http://otp.example/v2/Attempts?PageSize=1&Page=0');
  });

  it('keeps form bodies to /v2: the native API still refuses them', async () => {
    const res = await h.app.inject({
      method: 'POST', url: '/v1/verifications', headers: { ...svc.auth, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ to: '+14155550123' }),
    });
    expect(res.statusCode).toBe(415);
  });

  it('lists the /v2 routes in the OpenAPI document under Basic auth', async () => {
    const doc = (await h.app.inject('/openapi.json')).json();
    for (const path of ['/v2/Services', '/v2/Services/{ServiceSid}', '/v2/Services/{ServiceSid}/Verifications', '/v2/Services/{ServiceSid}/Verifications/{Sid}',
      '/v2/Services/{ServiceSid}/VerificationCheck', '/v2/Attempts', '/v2/Attempts/{Sid}', '/v2/Attempts/Summary']) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    expect(doc.paths['/v2/Services'].post.security).toEqual([{ basic: [] }]);
    expect(doc.components.securitySchemes.basic.scheme).toBe('basic');
  });
});

describe('/v2 errors are Twilio error bodies, never a 5xx (H2)', () => {
  const cases: Array<[string, InjectOptions, number, number]> = [
    ['no credentials', { method: 'GET', url: '/v2/Services' }, 401, 20003],
    ['a bearer key instead of Basic', { method: 'GET', url: '/v2/Services', headers: { authorization: 'Bearer og_live_xxxxxxxxxxxxxxxxxxxxxxxx' } }, 401, 20003],
    ['Basic garbage', { method: 'GET', url: '/v2/Services', headers: { authorization: 'Basic !!!!' } }, 401, 20003],
    ['Basic without a colon', { method: 'GET', url: '/v2/Services', headers: { authorization: `Basic ${Buffer.from('ACxx').toString('base64')}` } }, 401, 20003],
  ];
  it.each(cases)('%s', async (_name, request, status, code) => {
    const res = await h.app.inject(request);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ code, status, more_info: `https://www.twilio.com/docs/errors/${code}` });
    expect(res.headers['www-authenticate']).toMatch(/^Basic /);
  });

  const authed: Array<[string, () => InjectOptions, number, number]> = [
    ['an unknown route', () => ({ method: 'GET', url: '/v2/Nothing' }), 404, 20404],
    ['a malformed service SID', () => ({ method: 'GET', url: '/v2/Services/VAnope' }), 404, 20404],
    ['a malformed verification SID', () => ({ method: 'GET', url: `/v2/Services/${serviceSid}/Verifications/VE123` }), 404, 20404],
    ['a missing To', () => ({ method: 'POST', url: `/v2/Services/${serviceSid}/Verifications`, payload: form({ Channel: 'sms' }) }), 400, 60200],
    ['a check without To or VerificationSid', () => ({ method: 'POST', url: `/v2/Services/${serviceSid}/VerificationCheck`, payload: form({ Code: '123456' }) }), 400, 60200],
    ['a bad Status', () => ({ method: 'POST', url: `/v2/Services/${serviceSid}/Verifications/VE00000000000000000000000000000000`, payload: form({ Status: 'pending' }) }), 400, 60200],
    ['a bad PageSize', () => ({ method: 'GET', url: '/v2/Attempts?PageSize=0' }), 400, 60200],
    ['a bad PageToken', () => ({ method: 'GET', url: '/v2/Attempts?PageToken=%00%01' }), 400, 60200],
    ['a bad VerificationSid filter', () => ({ method: 'GET', url: '/v2/Attempts?VerificationSid=nope' }), 400, 60200],
    ['a JSON body', () => ({ method: 'POST', url: `/v2/Services/${serviceSid}/Verifications`, payload: '{"To":', headers: { 'content-type': 'application/json' } }), 400, 60200],
    ['a landline', () => ({ method: 'POST', url: `/v2/Services/${serviceSid}/Verifications`, payload: form({ To: '+442071838750', Channel: 'sms' }) }), 400, 60205],
    ['a huge body', () => ({ method: 'POST', url: `/v2/Services/${serviceSid}/Verifications`, payload: form({ To: 'x'.repeat(100_000), Channel: 'sms' }) }), 413, 20413],
  ];
  it.each(authed)('%s', async (_name, make, status, code) => {
    const request = make();
    const res = await h.app.inject({
      ...request,
      headers: { authorization: basic, ...(request.payload !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...(request.headers ?? {}) },
    });
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toMatchObject({ code, status });
    expect(res.body).not.toMatch(/at .+\.(ts|js):\d+|SQLITE|stack/i);
  });
});

describe('/v2 abuse refusals', () => {
  it('answers geo permissions and prefix blocks with Twilio\'s 60605 and 60410, never a 500', async () => {
    const admin = { authorization: `Bearer ${h.adminKey}` };
    const start = (to: string) =>
      h.app.inject({
        method: 'POST', url: `/v2/Services/${serviceSid}/Verifications`,
        headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ To: to, Channel: 'sms' }),
      });
    await h.app.inject({ method: 'PATCH', url: `/v1/services/${svc.id}`, headers: admin, payload: { allowed_countries: ['US'] } });
    try {
      const geo = await start('+4915112345678');
      expect(geo.statusCode).toBe(403);
      expect(geo.json()).toMatchObject({ code: 60605, status: 403 });
      await h.c.store.savePrefixBlock({
        serviceId: svc.id, prefix: '+141555', mode: 'enforced', reason: 'test', sends: 40, approvals: 0, baselinePerWindow: 0,
        createdAt: h.clock.now(), expiresAt: h.clock.now() + 3_600_000,
      });
      const pumped = await start('+14155550188');
      expect(pumped.statusCode).toBe(403);
      expect(pumped.json()).toMatchObject({ code: 60410, status: 403 });
    } finally {
      await h.app.inject({ method: 'PATCH', url: `/v1/services/${svc.id}`, headers: admin, payload: { allowed_countries: null } });
      await h.c.store.deletePrefixBlock(svc.id, '+141555');
    }
  });
});
