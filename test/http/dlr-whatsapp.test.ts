import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metaSignature } from '../../src/sms/providers/whatsapp-cloud.provider.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

const PUBLIC = 'https://otp.example.com';
const APP_SECRET = 'dlr-test-app-secret-0123';
let h: Harness;

beforeEach(async () => {
  h = await createHarness({
    env: {
      OTPGATE_PUBLIC_URL: PUBLIC,
      OTPGATE_SMS_PROVIDER: 'console',
      OTPGATE_WHATSAPP_PROVIDER: 'whatsapp',
      OTPGATE_WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
      OTPGATE_WHATSAPP_ACCESS_TOKEN: 'EAAJB-token',
      OTPGATE_WHATSAPP_APP_SECRET: APP_SECRET,
      OTPGATE_WHATSAPP_VERIFY_TOKEN: 'verify-token-0123',
    },
  });
});
afterEach(() => h.close());

describe('Meta webhooks on the account-wide receipt route', () => {
  it('answers the subscription handshake with the challenge as text/plain, and refuses a wrong verify token', async () => {
    const ok = await h.app.inject({ method: 'GET', url: '/v1/dlr/whatsapp?hub.mode=subscribe&hub.verify_token=verify-token-0123&hub.challenge=1158201444' });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    expect(ok.body).toBe('1158201444');
    const wrong = await h.app.inject({ method: 'GET', url: '/v1/dlr/whatsapp?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.headers['content-type']).toContain('application/problem+json');
    expect(wrong.body).not.toContain('1158201444');
  });

  it('answers a signed status webhook 200 (Meta retries anything else) and refuses a forged one (H5)', async () => {
    const raw = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: { metadata: { phone_number_id: '106540352242922' }, statuses: [{ id: 'wamid.unknown', status: 'delivered', timestamp: '1750263773', recipient_id: '4915112345678' }] } }] }] });
    const signed = await h.app.inject({ method: 'POST', url: '/v1/dlr/whatsapp', payload: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(APP_SECRET, raw) } });
    expect(signed.statusCode).toBe(200);
    expect(signed.body).toBe('');
    const forged = await h.app.inject({ method: 'POST', url: '/v1/dlr/whatsapp', payload: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature('guess', raw) } });
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toMatchObject({ code: 'receipt_refused' });
  });
});
