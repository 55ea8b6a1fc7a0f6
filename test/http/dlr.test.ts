import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { twilioSignature } from '../../src/sms/providers/twilio.provider.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startStub } from '../helpers/stub-server.js';
import type { StubServer } from '../helpers/stub-server.js';

const PUBLIC = 'https://otp.example.com';
const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'dlr-test-auth-token-0123';
let h: Harness;
let twilio: StubServer;
let svc: Awaited<ReturnType<Harness['service']>>;

beforeEach(async () => {
  twilio = await startStub({ status: 201, body: { sid: 'SMdlr0000000000000000000000000001', status: 'queued' } });
  h = await createHarness({ env: { OTPGATE_PUBLIC_URL: PUBLIC } });
  svc = await h.service();
  const put = await h.app.inject({
    method: 'PUT', url: `/v1/services/${svc.id}/sms`, headers: { authorization: `Bearer ${h.adminKey}` },
    payload: { providers: [{ name: 'tw', type: 'twilio', settings: { account_sid: SID, auth_token: TOKEN, from: '+14155550100', api_url: twilio.url } }] },
  });
  expect(put.statusCode, put.body).toBe(200);
});
afterEach(async () => {
  await h.close();
  await twilio.close();
});

async function sendOne() {
  const v = (await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+4915112345678' } })).json<{ id: string }>();
  await h.c.worker.drainOnce();
  const callback = new URLSearchParams(twilio.requests[0]!.body).get('StatusCallback')!;
  return { id: v.id, callback };
}
const sends = async (id: string) => (await h.app.inject({ method: 'GET', url: `/v1/verifications/${id}`, headers: svc.auth })).json<{ sends: Array<Record<string, unknown>> }>().sends;

describe('delivery receipt endpoint', () => {
  it('asks Twilio to call back under the public URL and applies a signed callback (queued → sent → delivered)', async () => {
    const { id, callback } = await sendOne();
    expect(callback).toMatch(new RegExp(`^${PUBLIC}/v1/dlr/tw/msg_[0-9a-z]{26}$`));
    expect((await sends(id))[0]).toMatchObject({ status: 'sent', provider: 'tw' });
    const fields = { MessageSid: 'SMdlr0000000000000000000000000001', MessageStatus: 'delivered', AccountSid: SID };
    const res = await h.app.inject({
      method: 'POST', url: callback.slice(PUBLIC.length), payload: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TOKEN, callback, fields) },
    });
    expect(res.statusCode).toBe(204);
    expect((await sends(id))[0]).toMatchObject({ status: 'delivered', provider: 'tw', error_code: null });
    // The change is an event too (written with it), for webhooks.
    const events = (await h.app.inject({ method: 'GET', url: '/v1/events', headers: svc.auth })).json<{ data: Array<{ type: string; data: Record<string, unknown> }> }>().data;
    expect(events.filter((e) => e.type === 'message.delivered')).toHaveLength(1);
    expect(events.find((e) => e.type === 'message.delivered')?.data).toMatchObject({ status: 'delivered', provider: 'tw', provider_message_id: 'SMdlr0000000000000000000000000001' });
    // A replayed receipt changes nothing and emits nothing.
    await h.app.inject({
      method: 'POST', url: callback.slice(PUBLIC.length), payload: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TOKEN, callback, fields) },
    });
    const again = (await h.app.inject({ method: 'GET', url: '/v1/events', headers: svc.auth })).json<{ data: Array<{ type: string }> }>().data;
    expect(again.filter((e) => e.type === 'message.delivered')).toHaveLength(1);
  });

  it('keeps the provider error code of an undelivered message, and a late "sent" does not undo it', async () => {
    const { id, callback } = await sendOne();
    const post = (fields: Record<string, string>) => h.app.inject({
      method: 'POST', url: callback.slice(PUBLIC.length), payload: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TOKEN, callback, fields) },
    });
    const sid = 'SMdlr0000000000000000000000000001';
    expect((await post({ MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '30005' })).statusCode).toBe(204);
    expect((await post({ MessageSid: sid, MessageStatus: 'sent' })).statusCode).toBe(204);
    expect((await sends(id))[0]).toMatchObject({ status: 'undelivered', error_code: 'twilio_30005' });
  });

  it('ignores an authentic receipt that names another of the vendor\'s messages (replayed to this message\'s URL)', async () => {
    const { id, callback } = await sendOne();
    const fields = { MessageSid: 'SMother00000000000000000000000002', MessageStatus: 'undelivered', ErrorCode: '30005' };
    const res = await h.app.inject({
      method: 'POST', url: callback.slice(PUBLIC.length), payload: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(TOKEN, callback, fields) },
    });
    expect(res.statusCode).toBe(204);
    expect((await sends(id))[0]).toMatchObject({ status: 'sent', error_code: null });
  });

  it('refuses an unsigned or forged callback with 403 problem+json and changes nothing (H5)', async () => {
    const { id, callback } = await sendOne();
    const fields = { MessageSid: 'SMx', MessageStatus: 'delivered' };
    const unsigned = await h.app.inject({ method: 'POST', url: callback.slice(PUBLIC.length), payload: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(unsigned.statusCode).toBe(403);
    expect(unsigned.headers['content-type']).toContain('application/problem+json');
    expect(unsigned.json()).toMatchObject({ code: 'receipt_refused' });
    const forged = await h.app.inject({
      method: 'POST', url: callback.slice(PUBLIC.length), payload: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature('wrong-token', callback, fields) },
    });
    expect(forged.statusCode).toBe(403);
    expect((await sends(id))[0]).toMatchObject({ status: 'sent' });
  });

  it('answers an unknown message or provider exactly like a bad signature', async () => {
    const { callback } = await sendOne();
    const path = callback.slice(PUBLIC.length);
    for (const url of [path.replace(/msg_\w+$/, 'msg_00000000000000000000000000'), path.replace('/tw/', '/other/'), '/v1/dlr/nobody']) {
      const res = await h.app.inject({ method: 'POST', url, payload: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('receipt_refused');
    }
  });
});
