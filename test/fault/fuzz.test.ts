import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * H2: whatever arrives — any body, query, header or path — the answer is never a 5xx and
 * always a well-formed response (problem+json for every refusal). Runs through app.inject, so
 * thousands of cases take seconds; the real-process variant (the server stays up) is in
 * limits.test.ts.
 */

interface Endpoint {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body: boolean;
}

const ENDPOINTS: Endpoint[] = [
  { method: 'POST', path: '/v1/verifications', body: true },
  { method: 'POST', path: '/v1/verifications/check', body: true },
  { method: 'GET', path: '/v1/verifications/:id', body: false },
  { method: 'POST', path: '/v1/verifications/:id/cancel', body: true },
  { method: 'GET', path: '/v1/verifications', body: false },
  { method: 'POST', path: '/v1/services', body: true },
  { method: 'GET', path: '/v1/services', body: false },
  { method: 'GET', path: '/v1/services/:id', body: false },
  { method: 'PATCH', path: '/v1/services/:id', body: true },
  { method: 'DELETE', path: '/v1/services/:id', body: false },
  { method: 'POST', path: '/v1/services/:id/keys', body: true },
  { method: 'GET', path: '/v1/services/:id/keys', body: false },
  { method: 'DELETE', path: '/v1/services/:id/keys/:keyId', body: false },
  { method: 'GET', path: '/v1/outbox', body: false },
  { method: 'GET', path: '/healthz', body: false },
  { method: 'GET', path: '/readyz', body: false },
  { method: 'GET', path: '/openapi.json', body: false },
];

const RUNS_PER_ENDPOINT = 250;

const ascii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 });
const anyText = fc.string({ unit: 'binary', maxLength: 80 });

/** Values a field might plausibly or implausibly hold. */
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('+14155550123', '+14152000001', '4155550123', '+447700900123', '000000', '123456', '', ' ', '+', '0'.repeat(70), 'en', 'xx', 'ver_', 'svc_'),
  anyText,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxKeys: 4 }),
);

const FIELDS = ['to', 'code', 'id', 'country', 'locale', 'channel', 'context', 'client_ip', 'name', 'code_length', 'ttl_seconds',
  'max_check_attempts', 'max_sends', 'resend_cooldown_seconds', 'default_locale', 'webotp_domain', 'android_app_hash',
  'test_numbers', 'allow_long_ttl', '__proto__', 'constructor'];

const body: fc.Arbitrary<string | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 12 })), weirdValue, { maxKeys: 6 }).map((o) => JSON.stringify(o)),
  fc.json({ maxDepth: 3 }),
  anyText,
  fc.constantFrom('{', '{"to":', '[]', 'null', '"x"', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"x":1}}}', '\u0000', '1e999999'),
);

const pathParam: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('ver_01m8a9n4vh8bhmptq08ddwtjvy', 'svc_01m8a9n4np0t3nqtw461wq2rfa', 'key_x', '..', '%zz', '%00', '%', 'a'.repeat(300), '%2F', '{id}', ' '),
  anyText.map((s) => encodeURIComponent(s)),
  ascii.map((s) => s.replace(/[/?#]/g, '')),
);

const query: fc.Arbitrary<string> = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom('to', 'status', 'cursor', 'limit', 'service_id', 'x'), fc.string({ maxLength: 8 })), fc.oneof(anyText, fc.constantFrom('0', '-1', '101', '1e3', 'pending', '%', '+1415'))), { maxLength: 4 })
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : ''));

describe('fuzzing every endpoint (H2)', () => {
  let h: Harness;
  let serviceKey: string;
  let serviceId: string;
  let victimId: string;
  let cases = 0;
  let accepted = 0;

  beforeAll(async () => {
    h = await createHarness();
    const service = await h.service();
    serviceKey = service.key;
    serviceId = service.id;
    victimId = (await h.service()).id; // what DELETE with a known id removes, so the main key keeps working
  });
  afterAll(async () => {
    await h.close();
    expect(cases).toBeGreaterThanOrEqual(ENDPOINTS.length * RUNS_PER_ENDPOINT);
    // Not only refusals: a fair share of cases got through validation and auth to real work.
    expect(accepted).toBeGreaterThan(cases / 20);
  });

  for (const endpoint of ENDPOINTS) {
    it(`${endpoint.method} ${endpoint.path}: never a 5xx, every refusal is problem+json`, async () => {
      const auth = fc.oneof(
        fc.constant(() => `Bearer ${serviceKey}`),
        fc.constant(() => `Bearer ${h.adminKey}`),
        fc.constant(() => undefined),
        ascii.map((s) => () => s),
        ascii.map((s) => () => `Bearer ${s}`),
      );
      const params = fc.oneof(fc.constant(null), fc.tuple(pathParam, pathParam));
      const headers = fc.record(
        {
          'content-type': fc.oneof(fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'), ascii),
          'idempotency-key': ascii,
          'x-request-id': ascii,
          accept: ascii,
        },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(auth, params, query, headers, endpoint.body ? body : fc.constant(undefined), async (authOf, p, q, extra, payload) => {
          cases++;
          // Known-good ids half the time, so deeper code runs too, not only the 404 path.
          const [a, b] = p ?? [endpoint.method === 'DELETE' ? victimId : serviceId, 'key_01m8a9n4np0t3nqtw461wq2rfa'];
          const url = endpoint.path.replace(':id', a).replace(':keyId', b) + q;
          const authorization = authOf();
          const response = await h.app.inject({
            method: endpoint.method,
            url,
            headers: { ...(authorization === undefined ? {} : { authorization }), ...extra },
            ...(payload === undefined ? {} : { payload }),
          });
          expect(response.statusCode, `${endpoint.method} ${url} → ${response.body}`).toBeLessThan(500);
          if (response.statusCode < 300) accepted++;
          if (response.statusCode >= 400) {
            expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
            const problem = response.json<{ code: string; status: number }>();
            expect(problem.status).toBe(response.statusCode);
            expect(problem.code).toMatch(/^[a-z_]+$/);
          }
        }),
        { numRuns: RUNS_PER_ENDPOINT, seed: 8, endOnFailure: true },
      );
    });
  }
});
