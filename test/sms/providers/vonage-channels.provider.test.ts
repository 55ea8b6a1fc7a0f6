import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageContent } from '../../../src/core/ports.js';
import { validateDefinition } from '../../../src/sms/provider-registry.js';
import { vonageProvider } from '../../../src/sms/providers/vonage.provider.js';
import { receiptWith, sendWith, SMS } from '../../helpers/providers.js';
import { startStub } from '../../helpers/stub-server.js';
import type { StubServer } from '../../helpers/stub-server.js';
import { SendError } from '../../../src/core/ports.js';

const WHATSAPP: MessageContent = { channel: 'whatsapp', code: '123456', template: 'otpgate_verification', language: 'en' };
const SPEECH = 'Your Acme verification code is 1, 2, 3, 4, 5, 6. Again, your code is 1, 2, 3, 4, 5, 6.';
const CALL: MessageContent = { channel: 'call', speech: SPEECH, language: 'en-US', voice: null };
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0); // the FakeClock's start, used by sendWith
const APP_ID = 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab';
const SIG_SECRET = 'sig-secret-0123456789abcdef0123456789';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let stub: StubServer;
let settings: Record<string, string>;
afterEach(() => stub.close());

async function failure(content: MessageContent, overrides: Record<string, string> = {}): Promise<SendError> {
  try {
    await sendWith(vonageProvider, { ...settings, ...overrides }, { content });
  } catch (error) {
    if (error instanceof SendError) return error;
    throw error;
  }
  throw new Error('expected the send to fail');
}

/** Verifies the RS256 application JWT of a recorded request against the key pair's public half. */
async function applicationClaims(authorization: string | undefined) {
  expect(authorization).toMatch(/^Bearer /);
  const token = authorization!.slice('Bearer '.length);
  expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
  const { payload } = await jwtVerify(token, createPublicKey(publicKey.export({ type: 'spki', format: 'pem' })), { algorithms: ['RS256'], currentDate: new Date(NOW) });
  return payload;
}

describe('Vonage WhatsApp (Messages API v1)', () => {
  beforeEach(async () => {
    stub = await startStub({ status: 202, body: { message_uuid: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab' } });
    settings = {
      api_key: 'abcd1234', api_secret: 'secret-0123', signature_secret: SIG_SECRET, application_id: APP_ID, private_key: PEM,
      whatsapp_from: '+14155550100', messages_api_url: stub.url, api_url: 'http://127.0.0.1:9', voice_api_url: 'http://127.0.0.1:9',
    };
  });

  it('POSTs an authentication template as a custom message to /v1/messages with the application JWT', async () => {
    expect((await sendWith(vonageProvider, settings, { content: WHATSAPP })).providerMessageId).toBe('aaaaaaaa-bbbb-cccc-dddd-0123456789ab');
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/v1/messages');
    expect(req!.headers['content-type']).toBe('application/json');
    const claims = await applicationClaims(req!.headers.authorization);
    expect(claims).toMatchObject({ application_id: APP_ID, iat: NOW / 1000 });
    expect(typeof claims.jti).toBe('string');
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(900);
    expect(JSON.parse(req!.body)).toEqual({
      message_type: 'custom', channel: 'whatsapp', to: '4915112345678', from: '14155550100', client_ref: SMS.messageId,
      custom: {
        type: 'template',
        template: {
          name: 'otpgate_verification',
          language: { policy: 'deterministic', code: 'en' },
          components: [
            { type: 'body', parameters: [{ type: 'text', text: '123456' }] },
            { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '123456' }] },
          ],
        },
      },
      webhook_url: SMS.callbackUrl, webhook_version: 'v1',
    });
  });

  it('uses Basic auth without an application, and then asks no status webhook (Vonage sends them to applications only)', async () => {
    const { application_id: _a, private_key: _p, ...basic } = settings;
    await sendWith(vonageProvider, basic, { content: WHATSAPP });
    const [req] = stub.requests;
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from('abcd1234:secret-0123').toString('base64')}`);
    expect(JSON.parse(req!.body).webhook_url).toBeUndefined();
  });

  it('asks no status webhook it could not verify (no signature secret)', async () => {
    const { signature_secret: _s, ...rest } = settings;
    await sendWith(vonageProvider, rest, { content: WHATSAPP });
    expect(JSON.parse(stub.requests[0]!.body).webhook_url).toBeUndefined();
  });

  it.each([
    [401, 'https://developer.vonage.com/api-errors#unauthorized', 'vonage_whatsapp_unauthorized', false],
    [422, 'https://developer.vonage.com/api-errors/messages#1120', 'vonage_whatsapp_1120', false],
    [429, 'https://developer.vonage.com/api-errors#throttled', 'vonage_whatsapp_throttled', true],
    [500, 'https://developer.vonage.com/api-errors#internal-error', 'vonage_whatsapp_internal-error', true],
  ])('maps HTTP %i (%s) to {code, retryable}', async (status, type, code, retryable) => {
    stub.answer({ status, body: { type, title: 'Error', detail: 'something', instance: 'bf0ca0bf927b3b52e3cb03217e1a1ddf' } });
    expect(await failure(WHATSAPP)).toMatchObject({ code, retryable });
  });

  it('fails at once, calling nothing, without a WhatsApp sender', async () => {
    const { whatsapp_from: _w, ...rest } = settings;
    await expect(sendWith(vonageProvider, rest, { content: WHATSAPP })).rejects.toMatchObject({ code: 'provider_not_configured', retryable: false });
    expect(stub.requests).toHaveLength(0);
  });
});

describe('Vonage voice call (Voice API)', () => {
  beforeEach(async () => {
    stub = await startStub({ status: 201, body: { uuid: '63f61863-4a51-4f6b-86e1-46edebcf9356', status: 'started', direction: 'outbound', conversation_uuid: 'CON-f972836a-550f-45fa-956c-12a2ab5b7d22' } });
    settings = {
      api_key: 'abcd1234', api_secret: 'secret-0123', signature_secret: SIG_SECRET, application_id: APP_ID, private_key: PEM,
      voice_from: '+14155550101', voice_api_url: stub.url, api_url: 'http://127.0.0.1:9', messages_api_url: 'http://127.0.0.1:9',
    };
  });

  it('POSTs an inline talk NCCO to /v1/calls with the application JWT and the event URL', async () => {
    expect((await sendWith(vonageProvider, settings, { content: CALL })).providerMessageId).toBe('63f61863-4a51-4f6b-86e1-46edebcf9356');
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/v1/calls');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(await applicationClaims(req!.headers.authorization)).toMatchObject({ application_id: APP_ID });
    expect(JSON.parse(req!.body)).toEqual({
      to: [{ type: 'phone', number: '4915112345678' }],
      from: { type: 'phone', number: '14155550101' },
      ncco: [{ action: 'talk', text: SPEECH, language: 'en-US' }],
      event_url: [SMS.callbackUrl],
      event_method: 'POST',
    });
  });

  it('calls from a random number without voice_from, passes a numeric style, and asks no unverifiable events', async () => {
    const { voice_from: _v, signature_secret: _s, ...rest } = settings;
    await sendWith(vonageProvider, rest, { content: { ...CALL, language: 'de-DE', voice: '2' } });
    const body = JSON.parse(stub.requests[0]!.body);
    expect(body).toMatchObject({ random_from_number: true, ncco: [{ action: 'talk', text: SPEECH, language: 'de-DE', style: 2 }] });
    expect(body.from).toBeUndefined();
    expect(body.event_url).toBeUndefined();
  });

  it('accepts a private key pasted with \\n escapes (one env line)', async () => {
    await sendWith(vonageProvider, { ...settings, private_key: PEM.trim().replace(/\n/g, '\\n') }, { content: CALL });
    expect(await applicationClaims(stub.requests[0]!.headers.authorization)).toMatchObject({ application_id: APP_ID });
  });

  it('refuses a setting that is not a private key', () => {
    expect(() => validateDefinition({ name: 'p', type: 'vonage', settings: { ...settings, private_key: 'not a key' } }, (k) => k)).toThrow(/private_key/);
  });

  it('needs the application to call', async () => {
    const { application_id: _a, ...rest } = settings;
    await expect(sendWith(vonageProvider, rest, { content: CALL })).rejects.toMatchObject({ code: 'provider_not_configured', retryable: false });
    expect(stub.requests).toHaveLength(0);
  });

  it.each([
    [400, 'https://developer.nexmo.com/api-errors/voice#bad-request', 'vonage_call_bad-request', false],
    [401, 'https://developer.nexmo.com/api-errors#unauthorized', 'vonage_call_unauthorized', false],
    [429, 'https://developer.nexmo.com/api-errors#throttled', 'vonage_call_throttled', true],
    [503, undefined, 'vonage_call_http_503', true],
  ])('maps HTTP %i to {code, retryable}', async (status, type, code, retryable) => {
    stub.answer({ status, body: type ? { type, title: 'Error', detail: 'something' } : 'unavailable' });
    expect(await failure(CALL)).toMatchObject({ code, retryable });
  });
});

describe('Vonage signed webhooks: WhatsApp statuses and call events (H5)', () => {
  const now = NOW;
  beforeEach(async () => {
    stub = await startStub();
    settings = { api_key: 'abcd1234', api_secret: 'secret-0123', signature_secret: SIG_SECRET, signature_method: 'sha256', application_id: APP_ID, private_key: PEM };
  });

  const sign = (body: string, claims: Record<string, unknown> = {}, secret = SIG_SECRET) =>
    new SignJWT({ api_key: 'abcd1234', application_id: APP_ID, payload_hash: createHash('sha256').update(body).digest('hex'), ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(Math.floor(now / 1000) - 2)
      .setJti('c5ba8f24-1a14-4c10-bfdf-3fbe8ce511b5')
      .sign(new TextEncoder().encode(secret));
  const request = async (payload: Record<string, unknown>, claims: Record<string, unknown> = {}, secret?: string) => {
    const rawBody = JSON.stringify(payload);
    return { rawBody, fields: payload, headers: { authorization: `Bearer ${await sign(rawBody, claims, secret)}`, 'content-type': 'application/json' }, now };
  };
  const status = (value: string, extra: Record<string, unknown> = {}) => ({
    message_uuid: 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab', to: '4915112345678', from: '14155550100', timestamp: '2026-11-25T12:00:00Z',
    status: value, channel: 'whatsapp', client_ref: SMS.messageId, ...extra,
  });
  const event = (value: string, extra: Record<string, unknown> = {}) => ({
    uuid: '63f61863-4a51-4f6b-86e1-46edebcf9356', conversation_uuid: 'CON-f972836a-550f-45fa-956c-12a2ab5b7d22', status: value,
    direction: 'outbound', timestamp: '2026-11-25T12:00:00.000Z', from: '14155550101', to: '4915112345678', ...extra,
  });

  it('reads WhatsApp statuses: delivered/read → delivered, rejected → failed, undeliverable → undelivered', async () => {
    const id = 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab';
    expect(await receiptWith(vonageProvider, settings, await request(status('delivered')))).toEqual({ accepted: true, status: 'delivered', errorCode: null, providerMessageId: id });
    expect(await receiptWith(vonageProvider, settings, await request(status('read')))).toMatchObject({ status: 'delivered' });
    expect(await receiptWith(vonageProvider, settings, await request(status('submitted')))).toMatchObject({ accepted: true, status: null });
    expect(await receiptWith(vonageProvider, settings, await request(status('rejected', { error: { type: 'https://developer.vonage.com/api-errors/messages#1300', title: '1300', detail: 'Not a WhatsApp user' } }))))
      .toEqual({ accepted: true, status: 'failed', errorCode: 'vonage_whatsapp_1300', providerMessageId: id });
    expect(await receiptWith(vonageProvider, settings, await request(status('undeliverable')))).toMatchObject({ status: 'undelivered', errorCode: 'vonage_whatsapp_undeliverable' });
  });

  it.each([
    ['answered', {}, 'delivered', null],
    ['completed', { duration: '17' }, 'delivered', null],
    ['completed', { duration: '0' }, null, null],
    ['busy', {}, 'undelivered', 'vonage_call_busy'],
    ['timeout', {}, 'undelivered', 'vonage_call_timeout'],
    ['unanswered', { detail: 'unavailable' }, 'undelivered', 'vonage_call_unavailable'],
    ['rejected', {}, 'undelivered', 'vonage_call_rejected'],
    ['cancelled', {}, 'undelivered', 'vonage_call_cancelled'],
    ['failed', { detail: 'invalid_number' }, 'failed', 'vonage_call_invalid_number'],
    ['ringing', {}, null, null],
  ])('reads call event %s %j', async (value, extra, expected, errorCode) => {
    expect(await receiptWith(vonageProvider, settings, await request(event(value, extra))))
      .toEqual({ accepted: true, status: expected, errorCode, providerMessageId: '63f61863-4a51-4f6b-86e1-46edebcf9356' });
  });

  it('accepts a payload_hash of the body re-serialised without spaces (the Voice API way)', async () => {
    const payload = event('answered');
    const pretty = JSON.stringify(payload, null, 2);
    const token = await sign(JSON.stringify(payload));
    expect((await receiptWith(vonageProvider, settings, { rawBody: pretty, fields: payload, headers: { authorization: `Bearer ${token}` }, now })).accepted).toBe(true);
  });

  it('refuses a forged, tampered, stale, foreign or unsigned webhook', async () => {
    const good = await request(event('answered'));
    expect((await receiptWith(vonageProvider, settings, good)).accepted).toBe(true);
    // Signed with another secret.
    expect((await receiptWith(vonageProvider, settings, await request(event('answered'), {}, 'another-secret-0123456789abcdef'))).accepted).toBe(false);
    // A genuine token over another body (a "failed" turned into "answered").
    const tampered = await request(event('failed'));
    expect((await receiptWith(vonageProvider, settings, { ...tampered, rawBody: good.rawBody, fields: good.fields })).accepted).toBe(false);
    // No payload_hash, another account's key, another application.
    expect((await receiptWith(vonageProvider, settings, await request(event('answered'), { payload_hash: undefined }))).accepted).toBe(false);
    expect((await receiptWith(vonageProvider, settings, await request(event('answered'), { api_key: 'other999' }))).accepted).toBe(false);
    expect((await receiptWith(vonageProvider, settings, await request(event('answered'), { application_id: 'bbbbbbbb-bbbb-cccc-dddd-0123456789ab' }))).accepted).toBe(false);
    // Replayed an hour later.
    expect((await receiptWith(vonageProvider, settings, { ...good, now: now + 3600_000 })).accepted).toBe(false);
    // Another algorithm than HS256 (none).
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${good.headers.authorization.split('.')[1]}.`;
    expect((await receiptWith(vonageProvider, settings, { ...good, headers: { authorization: `Bearer ${unsigned}` } })).accepted).toBe(false);
    // No signature secret configured: nothing can be verified.
    const { signature_secret: _s, ...noSecret } = settings;
    expect((await receiptWith(vonageProvider, noSecret, good)).accepted).toBe(false);
  });

  it('still reads SMS receipts (signed with sig) on the same route', async () => {
    // Without a bearer token the SMS API rules apply: an unsigned SMS receipt is refused.
    expect((await receiptWith(vonageProvider, settings, { query: { messageId: 'X', status: 'delivered', timestamp: String(now / 1000) }, now })).accepted).toBe(false);
  });
});
