import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * Rule M5 (docs/security.md): names that go into an SMS next to a code carry no link and no phone
 * number, on every surface, so a service or integrator cannot turn an OTP into a phishing lure.
 */
let h: Harness;
let admin: { authorization: string };
beforeAll(async () => {
  h = await createHarness();
  admin = { authorization: `Bearer ${h.adminKey}` };
});
afterAll(async () => h.close());

const LURES = ['Acme acme-login.com', 'https://x.example', 'Call +1 415 555 0100', 'bit.ly/acme', 'Acme support@acme.io', 'www.acme', 'Pay ١٢٣٤٥'];

describe('names in an SMS (M5)', () => {
  it.each(LURES)('/v1 refuses the service name %j, on create and on change', async (name) => {
    const created = await h.app.inject({ method: 'POST', url: '/v1/services', headers: admin, payload: { name } });
    expect(created.statusCode, created.body).toBe(400);
    expect(created.json().code).toBe('invalid_request');
    const svc = await h.service();
    const patched = await h.app.inject({ method: 'PATCH', url: `/v1/services/${svc.id}`, headers: admin, payload: { name } });
    expect(patched.statusCode, patched.body).toBe(400);
  });

  it.each(LURES)('/v1 refuses the friendly name %j of a verification', async (name) => {
    const svc = await h.service();
    const res = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550190', friendly_name: name.slice(0, 30) } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().code).toBe('invalid_request');
  });

  it('takes ordinary names, a year included', async () => {
    for (const name of ['Acme', 'Acme Inc.', 'Café 2026', 'Mr. Smith & Co']) {
      const res = await h.app.inject({ method: 'POST', url: '/v1/services', headers: admin, payload: { name } });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(201);
    }
  });
});
