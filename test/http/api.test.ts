import type { InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

let h: Harness;
let svc: Awaited<ReturnType<Harness['service']>>;
beforeEach(async () => {
  h = await createHarness();
  svc = await h.service();
});
afterEach(async () => h.close());

describe('operations', () => {
  it('answers /healthz, /readyz and /metrics', async () => {
    expect((await h.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await h.app.inject('/readyz')).json()).toEqual({ status: 'ready', store: 'sqlite' });
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550123' } });
    const code = await h.lastCode(svc.key, '+14155550123');
    await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload: { to: '+14155550123', code } });
    const metrics = (await h.app.inject('/metrics')).body;
    expect(metrics).toContain('otpgate_verifications_started_total{channel="sms",country="US",kind="new"} 1');
    expect(metrics).toContain('otpgate_verifications_finished_total{channel="sms",country="US",status="approved"} 1');
    expect(metrics).toContain('otpgate_checks_total{outcome="approved"} 1');
    expect(metrics).toContain('otpgate_sms_sends_total{provider="console",channel="sms",outcome="sent"} 1');
    expect(metrics).toMatch(/otpgate_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/verifications"/);
  });

  it('fails /readyz with 503 problem+json when the store is gone', async () => {
    await h.c.store.close();
    const res = await h.app.inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('service_unavailable');
  });

  it('echoes a safe X-Request-Id and makes one otherwise', async () => {
    const given = await h.app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const unsafe = await h.app.inject({ url: '/healthz', headers: { 'x-request-id': 'a b\u0000c' } });
    expect(unsafe.headers['x-request-id']).toMatch(/^req_/);
  });
});

describe('OpenAPI contract', () => {
  it('serves an OpenAPI 3.1 document describing every route and field', async () => {
    const res = await h.app.inject('/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/v1/services', '/v1/services/{id}', '/v1/services/{id}/keys', '/v1/verifications', '/v1/verifications/check', '/v1/verifications/{id}', '/v1/verifications/{id}/cancel', '/v1/outbox', '/v1/events', '/v1/events/{id}', '/v1/webhooks', '/v1/webhooks/{id}', '/v1/webhooks/{id}/rotate-secret', '/v1/webhooks/{id}/attempts', '/v1/webhooks/{id}/redeliver']) {
      expect(doc.paths).toHaveProperty([path]);
    }
    // Every request-body property has a description or is self-evident through a $ref.
    const start = doc.paths['/v1/verifications'].post.requestBody.content['application/json'].schema;
    for (const [name, prop] of Object.entries(start.properties as Record<string, { description?: string }>)) {
      expect(prop.description, `${name} needs a description`).toBeTruthy();
    }
    expect(doc.components.schemas).toHaveProperty('Problem');
    expect(doc.components.schemas).toHaveProperty('Verification');
    expect(doc.components.schemas).toHaveProperty('Event');
    const webhook = doc.paths['/v1/webhooks'].post.requestBody.content['application/json'].schema;
    for (const [name, prop] of Object.entries(webhook.properties as Record<string, { description?: string; examples?: unknown[] }>)) {
      expect(prop.description ?? prop.examples, `${name} needs a description or an example`).toBeTruthy();
    }
  });
});

describe('malformed input is a clear 4xx problem, never a 5xx (H2)', () => {
  const cases: Array<[string, InjectOptions, number, string]> = [
    ['invalid JSON', { method: 'POST', url: '/v1/verifications', payload: '{"to": ', headers: { 'content-type': 'application/json' } }, 400, 'invalid_request'],
    ['empty JSON body', { method: 'POST', url: '/v1/verifications', payload: '', headers: { 'content-type': 'application/json' } }, 400, 'invalid_request'],
    ['a JSON array', { method: 'POST', url: '/v1/verifications', payload: '[1,2]', headers: { 'content-type': 'application/json' } }, 400, 'invalid_request'],
    ['a text body', { method: 'POST', url: '/v1/verifications', payload: 'to=+1415', headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
    ['a huge body', { method: 'POST', url: '/v1/verifications', payload: JSON.stringify({ to: 'x'.repeat(100_000) }), headers: { 'content-type': 'application/json' } }, 413, 'payload_too_large'],
    ['__proto__ pollution', { method: 'POST', url: '/v1/verifications', payload: '{"to":"+14155550123","__proto__":{"admin":true}}', headers: { 'content-type': 'application/json' } }, 400, 'invalid_request'],
    ['an unknown route', { method: 'GET', url: '/v1/nothing-here' }, 404, 'not_found'],
    ['a bad method', { method: 'DELETE', url: '/v1/verifications' }, 404, 'not_found'],
    ['a very long id', { method: 'GET', url: `/v1/verifications/${'v'.repeat(5000)}` }, 414, 'uri_too_long'],
    ['a bad limit', { method: 'GET', url: '/v1/verifications?limit=-5' }, 400, 'invalid_request'],
    // Coerced from text, these were Infinity, which Ajv's integer check let through to the database (a 500).
    ...['1e309', 'Infinity', '-Infinity', '1E400'].flatMap((limit) => ['/v1/verifications', '/v1/outbox', '/v1/events'].map((path) =>
      [`limit=${limit} on ${path}`, { method: 'GET', url: `${path}?limit=${limit}` }, 400, 'invalid_request'] as [string, InjectOptions, number, string])),
    ['a webhook URL that is a number', { method: 'POST', url: '/v1/webhooks', payload: { url: 5 } }, 400, 'invalid_request'],
    ['a code as a JSON number (its leading zeros would be lost)', { method: 'POST', url: '/v1/verifications/check', payload: { to: '+14155550123', code: 12345 } }, 400, 'invalid_request'],
    ['an empty webhook patch', { method: 'PATCH', url: '/v1/webhooks/whe_00000000000000000000000000', payload: {} }, 400, 'invalid_request'],
    ['a garbage event cursor', { method: 'GET', url: '/v1/events?after=%00%ff' }, 400, 'invalid_cursor'],
    ['a negative rotation overlap', { method: 'POST', url: '/v1/webhooks/whe_00000000000000000000000000/rotate-secret', payload: { overlap_seconds: -1 } }, 400, 'invalid_request'],
    ['a NUL in a text field (PostgreSQL cannot store it)', { method: 'POST', url: '/v1/verifications', payload: { to: '+14155550123', friendly_name: 'ab\u0000' } }, 400, 'invalid_request'],
    ['an unpaired surrogate in a text field', { method: 'POST', url: '/v1/webhooks', payload: '{"url":"https://example.com/h","description":"d\\ud800"}', headers: { 'content-type': 'application/json' } }, 400, 'invalid_request'],
    ['a NUL in a path parameter', { method: 'GET', url: '/v1/verifications/ver_%00' }, 400, 'invalid_request'],
    ['a number as code', { method: 'POST', url: '/v1/verifications/check', payload: { to: '+14155550123', code: { $gt: '' } } }, 400, 'invalid_request'],
  ];

  it.each([null, 'false', 0, 1])('a JSON body is not coerced: adaptive_limits %j is refused, not read as a boolean', async (value) => {
    const res = await h.app.inject({ method: 'PATCH', url: `/v1/services/${svc.id}`, headers: { authorization: `Bearer ${h.adminKey}` }, payload: { adaptive_limits: value } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'invalid_request' });
  });

  it('a NUL in a /v2 form body is a 400 in Twilio\'s shape, not a 500', async () => {
    const basic = (await h.app.inject({ method: 'POST', url: '/v1/basic-credentials', headers: { authorization: `Bearer ${h.adminKey}` }, payload: { type: 'api_key' } })).json();
    const res = await h.app.inject({
      method: 'POST', url: '/v2/Services', payload: 'FriendlyName=a%00b',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${basic.sid}:${basic.secret}`).toString('base64')}` },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ status: 400 });
  });

  it.each(['PageSize=1e309', 'Page=Infinity', 'PageSize=-Infinity'])('/v2 lists refuse %s with a 400 in Twilio\'s shape, not a 500', async (query) => {
    const basic = (await h.app.inject({ method: 'POST', url: '/v1/basic-credentials', headers: { authorization: `Bearer ${h.adminKey}` }, payload: { type: 'api_key' } })).json();
    const res = await h.app.inject({ method: 'GET', url: `/v2/Services?${query}`, headers: { authorization: `Basic ${Buffer.from(`${basic.sid}:${basic.secret}`).toString('base64')}` } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ status: 400 });
  });

  it.each(cases)('%s', async (_name, request, status, code) => {
    const res = await h.app.inject({ ...request, headers: { ...svc.auth, ...(request.headers ?? {}) } });
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code, status });
    expect(res.body).not.toMatch(/at .+\.(ts|js):\d+|SQLITE|sqlite3|stack/i);
  });
});
