import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startStub } from '../helpers/stub-server.js';
import type { StubServer } from '../helpers/stub-server.js';

// The receipt route hands Vonage's signed webhooks (WhatsApp statuses, call events: a bearer JWT
// over the JSON body) to the provider with their header and raw body intact.
const PUBLIC = 'https://otp.example.com';
const SECRET = 'sig-secret-0123456789abcdef0123456789';
const VONAGE_ID = '0A0000000123ABCD1';
let h: Harness;
let vonage: StubServer;
let svc: Awaited<ReturnType<Harness['service']>>;

beforeEach(async () => {
  vonage = await startStub({ status: 200, body: { 'message-count': '1', messages: [{ to: '4915112345678', 'message-id': VONAGE_ID, status: '0' }] } });
  h = await createHarness({ env: { OTPGATE_PUBLIC_URL: PUBLIC } });
  svc = await h.service();
  const put = await h.app.inject({
    method: 'PUT', url: `/v1/services/${svc.id}/sms`, headers: { authorization: `Bearer ${h.adminKey}` },
    payload: { providers: [{ name: 'vg', type: 'vonage', settings: { api_key: 'abcd1234', api_secret: 'secret-0123', signature_secret: SECRET, from: 'Acme', api_url: vonage.url } }] },
  });
  expect(put.statusCode, put.body).toBe(200);
});
afterEach(async () => {
  await h.close();
  await vonage.close();
});

const sends = async (id: string) => (await h.app.inject({ method: 'GET', url: `/v1/verifications/${id}`, headers: svc.auth })).json<{ sends: Array<Record<string, unknown>> }>().sends;
const token = (body: string, secret = SECRET) =>
  new SignJWT({ api_key: 'abcd1234', payload_hash: createHash('sha256').update(body).digest('hex') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(Math.floor(h.c.clock.now() / 1000))
    .setJti('c5ba8f24-1a14-4c10-bfdf-3fbe8ce511b5')
    .sign(new TextEncoder().encode(secret));

describe('Vonage signed webhooks through /v1/dlr', () => {
  it('applies a signed event and refuses a forged one (H5)', async () => {
    const v = (await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+4915112345678' } })).json<{ id: string }>();
    await h.c.worker.drainOnce();
    const callback = new URLSearchParams(vonage.requests[0]!.body).get('callback')!;
    expect(callback).toMatch(new RegExp(`^${PUBLIC}/v1/dlr/vg/msg_[0-9a-z]{26}$`));
    const body = JSON.stringify({ uuid: VONAGE_ID, conversation_uuid: 'CON-1', status: 'answered', direction: 'outbound', timestamp: '2026-11-25T12:00:00.000Z' });
    const post = async (authorization: string) => h.app.inject({ method: 'POST', url: callback.slice(PUBLIC.length), payload: body, headers: { 'content-type': 'application/json', authorization } });

    const forged = await post(`Bearer ${await token(body, 'another-secret-0123456789abcdef')}`);
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toMatchObject({ code: 'receipt_refused' });
    expect((await sends(v.id))[0]).toMatchObject({ status: 'sent' });

    expect((await post(`Bearer ${await token(body)}`)).statusCode).toBe(204);
    expect((await sends(v.id))[0]).toMatchObject({ status: 'delivered', provider: 'vg' });
  });
});
