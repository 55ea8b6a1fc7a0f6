import { generateKeyPairSync, sign } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { plivoProvider, plivoSignatureV2 } from '../../../src/sms/providers/plivo.provider.js';
import { telnyxProvider } from '../../../src/sms/providers/telnyx.provider.js';
import { receiptWith, sendError, sendWith, SMS } from '../../helpers/providers.js';
import { startStub } from '../../helpers/stub-server.js';
import type { StubServer } from '../../helpers/stub-server.js';

let stub: StubServer;
afterEach(() => stub.close());

describe('Plivo', () => {
  const TOKEN = 'plivo-auth-token-0123456789';
  let settings: Record<string, string>;
  beforeEach(async () => {
    stub = await startStub({ status: 202, body: { message: 'message(s) queued', message_uuid: ['db3ce55a-7f1d-11e1-8ea7-1231380bc196'], api_id: 'db342550-7f1d-11e1-8ea7-1231380bc196' } });
    settings = { auth_id: 'MAXXXXXXXXXXXXXXXXXX', auth_token: TOKEN, api_url: stub.url };
  });

  it('POSTs JSON to /v1/Account/{auth_id}/Message/ with Basic auth', async () => {
    expect((await sendWith(plivoProvider, settings)).providerMessageId).toBe('db3ce55a-7f1d-11e1-8ea7-1231380bc196');
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/v1/Account/MAXXXXXXXXXXXXXXXXXX/Message/');
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from(`MAXXXXXXXXXXXXXXXXXX:${TOKEN}`).toString('base64')}`);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body)).toEqual({ src: 'Acme', dst: SMS.to, text: SMS.body, url: SMS.callbackUrl, method: 'POST' });
  });

  it.each([
    [400, { api_id: 'x', error: 'invalid dst' }, false],
    [401, { api_id: 'x', error: 'authentication failed' }, false],
    [429, { api_id: 'x', error: 'too many requests' }, true],
    [500, { api_id: 'x', error: 'internal error' }, true],
  ])('maps HTTP %i', async (status, body, retryable) => {
    stub.answer({ status, body });
    expect(await sendError(plivoProvider, settings)).toMatchObject({ code: `plivo_http_${status}`, retryable });
  });

  it('accepts a V2-signed status callback and refuses others (H5)', async () => {
    const fields = { MessageUUID: 'db3ce55a', Status: 'undelivered', ErrorCode: '30', To: SMS.to };
    const headers = (token = TOKEN, nonce = '05429567804466091622') => ({ 'x-plivo-signature-v2': plivoSignatureV2(token, SMS.callbackUrl!, nonce), 'x-plivo-signature-v2-nonce': nonce });
    expect(await receiptWith(plivoProvider, settings, { fields, headers: headers() })).toEqual({ accepted: true, status: 'undelivered', errorCode: 'plivo_30', providerMessageId: 'db3ce55a' });
    expect(await receiptWith(plivoProvider, settings, { fields: { ...fields, Status: 'delivered', ErrorCode: '000' }, headers: headers() })).toMatchObject({ status: 'delivered', errorCode: null });
    expect((await receiptWith(plivoProvider, settings, { fields })).accepted).toBe(false);
    expect((await receiptWith(plivoProvider, settings, { fields, headers: headers('other-token') })).accepted).toBe(false);
    expect((await receiptWith(plivoProvider, settings, { fields, headers: { ...headers(), 'x-plivo-signature-v2-nonce': '1' } })).accepted).toBe(false);
    expect((await receiptWith(plivoProvider, settings, { fields, headers: headers(), url: 'https://evil.example.com/v1/dlr/p/x' })).accepted).toBe(false);
  });
});

describe('Telnyx', () => {
  const keys = generateKeyPairSync('ed25519');
  const publicKey = (keys.publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(12).toString('base64');
  let settings: Record<string, string>;
  beforeEach(async () => {
    stub = await startStub({ status: 200, body: { data: { record_type: 'message', id: '40385f64-5717-4562-b3fc-2c963f66afa6', to: [{ phone_number: SMS.to, status: 'queued' }], type: 'SMS' } } });
    settings = { api_key: 'KEY0123456789', public_key: publicKey, messaging_profile_id: 'mp-1', api_url: stub.url };
  });

  it('POSTs JSON to /v2/messages with a Bearer key', async () => {
    expect((await sendWith(telnyxProvider, settings)).providerMessageId).toBe('40385f64-5717-4562-b3fc-2c963f66afa6');
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/v2/messages');
    expect(req!.headers.authorization).toBe('Bearer KEY0123456789');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body)).toEqual({ to: SMS.to, text: SMS.body, from: 'Acme', messaging_profile_id: 'mp-1', webhook_url: SMS.callbackUrl });
  });

  it.each([
    [400, '40310', false],
    [401, '10009', false],
    [429, '10011', true],
    [503, '10007', true],
  ])('maps HTTP %i with error %s', async (status, code, retryable) => {
    stub.answer({ status, body: { errors: [{ code, title: 'x', detail: 'y' }] } });
    expect(await sendError(telnyxProvider, settings)).toMatchObject({ code: `telnyx_${code}`, retryable });
  });

  it('verifies the Ed25519 webhook signature over timestamp|body (H5)', async () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0);
    const body = JSON.stringify({ data: { event_type: 'message.finalized', payload: { id: '40385f64', to: [{ phone_number: SMS.to, status: 'delivery_failed' }], errors: [{ code: '40002', title: 'Blocked as spam' }] } } });
    const ts = String(now / 1000);
    const sig = (text: string, t = ts) => sign(null, Buffer.from(`${t}|${text}`), keys.privateKey).toString('base64');
    const request = (raw: string, headers: Record<string, string>) => ({ rawBody: raw, fields: JSON.parse(raw) as Record<string, unknown>, headers, now });
    expect(await receiptWith(telnyxProvider, settings, request(body, { 'telnyx-signature-ed25519': sig(body), 'telnyx-timestamp': ts }))).toEqual({ accepted: true, status: 'undelivered', errorCode: 'telnyx_40002', providerMessageId: '40385f64' });
    const tampered = body.replace('delivery_failed', 'delivered');
    expect((await receiptWith(telnyxProvider, settings, request(tampered, { 'telnyx-signature-ed25519': sig(body), 'telnyx-timestamp': ts }))).accepted).toBe(false);
    expect((await receiptWith(telnyxProvider, settings, request(body, { 'telnyx-timestamp': ts }))).accepted).toBe(false);
    const old = String(now / 1000 - 3600);
    expect((await receiptWith(telnyxProvider, settings, request(body, { 'telnyx-signature-ed25519': sig(body, old), 'telnyx-timestamp': old }))).accepted).toBe(false);
    const other = generateKeyPairSync('ed25519');
    const forged = sign(null, Buffer.from(`${ts}|${body}`), other.privateKey).toString('base64');
    expect((await receiptWith(telnyxProvider, settings, request(body, { 'telnyx-signature-ed25519': forged, 'telnyx-timestamp': ts }))).accepted).toBe(false);
  });

  it('asks for no webhook it could not verify', async () => {
    await sendWith(telnyxProvider, { ...settings, public_key: '' });
    expect(JSON.parse(stub.requests[0]!.body).webhook_url).toBeUndefined();
  });
});
