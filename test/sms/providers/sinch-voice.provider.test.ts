import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageContent } from '../../../src/core/ports.js';
import { SendError } from '../../../src/core/ports.js';
import { validateDefinition } from '../../../src/sms/provider-registry.js';
import { sinchProvider } from '../../../src/sms/providers/sinch.provider.js';
import { sinchSignature } from '../../../src/sms/providers/sinch.voice.js';
import { receiptWith, sendWith, SMS } from '../../helpers/providers.js';
import { startStub } from '../../helpers/stub-server.js';
import type { StubServer } from '../../helpers/stub-server.js';

const CALL: MessageContent = { channel: 'call', speech: 'Your Acme verification code is 1, 2, 3, 4, 5, 6. Again, your code is 1, 2, 3, 4, 5, 6.', language: 'en-US', voice: null };
const KEY = '669E367E-6BBA-48AB-AF15-266871C28135';
const SECRET = 'BeIukql3pTKJ8RGL5zo0DA==';
const CALL_ID = '4398599d1ba84ef3bde0a82dfb61abed';
/** The FakeClock's time in sendWith. */
const NOW = '2026-11-25T12:00:00.000Z';

let stub: StubServer;
let settings: Record<string, string>;

async function sendError(s: Record<string, string>, content: MessageContent = CALL): Promise<SendError> {
  try {
    await sendWith(sinchProvider, s, { content });
  } catch (error) {
    if (error instanceof SendError) return error;
    throw error;
  }
  throw new Error('expected the send to fail');
}

beforeEach(async () => {
  stub = await startStub({ status: 200, body: { callId: CALL_ID } });
  settings = { service_plan_id: 'plan0123', api_token: 'token-0123', application_key: KEY, application_secret: SECRET, call_from: '+46700000001', voice_api_url: stub.url, api_url: 'http://127.0.0.1:9' };
});
afterEach(() => stub.close());

describe('Sinch application signed request', () => {
  it('matches Sinch\'s documented examples', () => {
    // Callback signing example (voice/api-reference/authentication/callback-signed-request).
    const body = '{"event":"ace","callid":"822aa4b7-05b4-4d83-87c7-1f835ee0b6f6_257","timestamp":"2014-09-24T10:59:41Z","version":1}';
    expect(sinchSignature(SECRET, 'POST', body, 'application/json', '2014-09-24T10:59:41Z', '/sinch/callback/ace')).toBe('Tg6fMyo8mj9pYfWQ9ssbx3Tc1BNC87IEygAfLbJqZb4=');
    // Request signing example (its signature is the one of the resource the page once showed, /v1/sms/+46700000000).
    expect(sinchSignature('JViE5vDor0Sw3WllZka15Q==', 'POST', '{"message":"Hello world"}', 'application/json', '2014-06-04T13:41:58Z', '/v1/sms/+46700000000')).toBe('qDXMwzfaxCRS849c/2R0hg0nphgdHciTo7OdM6MsdnM=');
  });
});

describe('Sinch voice: text-to-speech callout', () => {
  it('POSTs a signed ttsCallout to /calling/v1/callouts', async () => {
    expect((await sendWith(sinchProvider, settings, { content: CALL })).providerMessageId).toBe(CALL_ID);
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/calling/v1/callouts');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['x-timestamp']).toBe(NOW);
    expect(req!.headers.authorization).toBe(`Application ${KEY}:${sinchSignature(SECRET, 'POST', req!.body, 'application/json', NOW, '/calling/v1/callouts')}`);
    expect(JSON.parse(req!.body)).toEqual({
      method: 'ttsCallout',
      ttsCallout: {
        cli: '+46700000001',
        destination: { type: 'number', endpoint: SMS.to },
        locale: 'en-US',
        text: CALL.speech,
        custom: SMS.messageId,
        enableDice: true,
      },
    });
  });

  it('signs the path it really calls, leaves cli to Sinch without a number, and asks no DiCE without a callback URL', async () => {
    const { call_from: _unused, ...noCli }: Record<string, string> = { ...settings, voice_api_url: `${stub.url}/proxy/`, from: 'Acme' };
    await sendWith(sinchProvider, noCli, { content: CALL, callbackUrl: null });
    const [req] = stub.requests;
    expect(req!.url).toBe('/proxy/calling/v1/callouts');
    expect(req!.headers.authorization).toBe(`Application ${KEY}:${sinchSignature(SECRET, 'POST', req!.body, 'application/json', NOW, '/proxy/calling/v1/callouts')}`);
    const body = JSON.parse(req!.body) as { ttsCallout: Record<string, unknown> };
    expect(body.ttsCallout.cli).toBeUndefined();
    expect(body.ttsCallout.enableDice).toBe(false);
  });

  it.each([
    [400, '40001', 'Invalid parameter: destination', false],
    [401, '40100', 'Invalid authorization', false],
    [403, '40301', 'Not allowed for this application', false],
    [429, '42900', 'Too many requests', true],
    [500, '50000', 'Internal error', true],
    [503, '50300', 'Service unavailable', true],
  ])('maps HTTP %i (errorCode %s) to {code, retryable}', async (status, errorCode, message, retryable) => {
    stub.answer({ status, body: { status: `${status}`, errorCode, message, reference: 'a2028355-5164-41b6-aae9-2b8a546e0784' } });
    const error = await sendError(settings);
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: `sinch_${errorCode}`, retryable });
    expect(error.message).toContain(message);
  });

  it('refuses a call without a Voice application, and email, without calling Sinch', async () => {
    const { application_key: _a, application_secret: _b, ...smsOnly } = settings;
    expect(await sendError(smsOnly)).toMatchObject({ code: 'sinch_voice_not_configured', retryable: false });
    expect(await sendError(settings, { channel: 'email', subject: 's', text: 't', html: 'h', fromName: null })).toMatchObject({ code: 'channel_unsupported', retryable: false });
    expect(stub.requests).toHaveLength(0);
  });

  it('validates the voice settings', () => {
    const check = (s: Record<string, string>) => () => validateDefinition({ name: 's', type: 'sinch', settings: { service_plan_id: 'p', api_token: 't', ...s } }, (k) => k);
    expect(check({ application_secret: 'not base64!' })).toThrow(/application_secret/);
    expect(check({ call_from: 'Acme' })).toThrow(/call_from/);
    expect(check({ voice_api_url: 'calling.api.sinch.com' })).toThrow(/voice_api_url/);
    expect(check({ application_key: KEY, application_secret: SECRET, call_from: '+46700000001' })).not.toThrow();
  });

  it('keeps SMS going to the SMS API', async () => {
    stub.answer({ status: 201, body: { id: '01FC66621XXXXX119Z8PMV1QPQ' } });
    await sendWith(sinchProvider, { ...settings, api_url: stub.url });
    expect(stub.requests[0]!.url).toBe('/xms/v1/plan0123/batches');
    expect(stub.requests[0]!.headers.authorization).toBe('Bearer token-0123');
  });
});

describe('Sinch call events (DiCE) on the receipt route (H5)', () => {
  const URL_ = 'https://otp.example.com/v1/dlr/sinch';
  const dice = (result: string, reason = 'N/A') => JSON.stringify({
    event: 'dice', callid: CALL_ID, timestamp: '2026-11-25T12:00:40Z', reason, result, version: 1, custom: SMS.messageId,
    debit: { currencyId: 'USD', amount: 0.0108 }, userRate: { currencyId: 'USD', amount: 0.0108 }, to: { type: 'number', endpoint: '46700000000' },
    applicationKey: KEY, duration: 14, from: '',
  });
  const signedAt = Date.parse('2026-11-25T12:00:41Z');
  const event = (raw: string, options: { key?: string; secret?: string; timestamp?: string; contentType?: string; now?: number; url?: string } = {}) => {
    const timestamp = options.timestamp ?? '2026-11-25T12:00:41Z';
    const contentType = options.contentType ?? 'application/json; charset=utf-8';
    const signature = sinchSignature(options.secret ?? SECRET, 'POST', raw, contentType, timestamp, '/v1/dlr/sinch');
    return receiptWith(sinchProvider, settings, {
      url: options.url ?? URL_, rawBody: raw, fields: JSON.parse(raw) as Record<string, unknown>, now: options.now ?? signedAt,
      headers: { authorization: `application ${options.key ?? KEY}:${signature}`, 'x-timestamp': timestamp, 'content-type': contentType },
    });
  };

  it.each([
    ['ANSWERED', 'CALLEEHANGUP', 'delivered', null],
    ['BUSY', 'N/A', 'undelivered', 'sinch_busy'],
    ['NOANSWER', 'TIMEOUT', 'undelivered', 'sinch_timeout'],
    ['FAILED', 'BLOCKED', 'failed', 'sinch_blocked'],
    ['N/A', 'N/A', null, null],
  ])('maps result %s (reason %s) to %s', async (result, reason, status, errorCode) => {
    expect(await event(dice(result, reason))).toEqual({ accepted: true, status, errorCode, providerMessageId: CALL_ID });
  });

  it('acknowledges another signed event without recording it', async () => {
    expect(await event(JSON.stringify({ event: 'ace', callid: CALL_ID, timestamp: '2026-11-25T12:00:30Z', version: 1 }))).toEqual({ accepted: true, status: null, errorCode: null, providerMessageId: CALL_ID });
  });

  it('refuses a forged, tampered, re-pathed, foreign-key or stale event, and any without a Voice application', async () => {
    const raw = dice('ANSWERED');
    expect((await event(raw, { secret: 'AAAAAAAAAAAAAAAAAAAAAA==' })).accepted).toBe(false);
    expect((await event(raw, { key: 'another-key' })).accepted).toBe(false);
    expect((await event(raw, { url: 'https://otp.example.com/v1/dlr/other' })).accepted).toBe(false);
    expect((await event(raw, { now: signedAt + 6 * 60_000 })).accepted).toBe(false);
    expect((await event(raw, { timestamp: 'yesterday' })).accepted).toBe(false);
    const tampered = await receiptWith(sinchProvider, settings, {
      url: URL_, rawBody: dice('ANSWERED'), fields: JSON.parse(dice('ANSWERED')) as Record<string, unknown>, now: signedAt,
      headers: { authorization: `application ${KEY}:${sinchSignature(SECRET, 'POST', dice('BUSY'), 'application/json', '2026-11-25T12:00:41Z', '/v1/dlr/sinch')}`, 'x-timestamp': '2026-11-25T12:00:41Z', 'content-type': 'application/json' },
    });
    expect(tampered.accepted).toBe(false);
    const unsigned = await receiptWith(sinchProvider, settings, { url: URL_, rawBody: raw, fields: JSON.parse(raw) as Record<string, unknown>, now: signedAt });
    expect(unsigned.accepted).toBe(false);
    const { application_key: _a, application_secret: _b, ...smsOnly } = settings;
    expect((await receiptWith(sinchProvider, smsOnly, { url: URL_, rawBody: raw, fields: JSON.parse(raw) as Record<string, unknown>, now: signedAt })).accepted).toBe(false);
  });

  it('still reads SMS delivery reports by their URL secret', async () => {
    const s = { ...settings, dlr_secret: 'dlr-secret-0123456789' };
    const report = { type: 'recipient_delivery_report_sms', batch_id: '01FC66621XXXXX119Z8PMV1QPQ', recipient: '4915112345678', code: 0, status: 'Delivered', at: '2026-11-25T12:00:00.000Z' };
    expect(await receiptWith(sinchProvider, s, { query: { secret: 'dlr-secret-0123456789' }, fields: report })).toMatchObject({ accepted: true, status: 'delivered' });
    // A voice-looking body does not get past the SMS secret check or vice versa: it needs a Sinch signature.
    expect((await receiptWith(sinchProvider, s, { query: { secret: 'dlr-secret-0123456789' }, fields: { ...report, event: 'dice', result: 'ANSWERED' } })).accepted).toBe(false);
  });
});
