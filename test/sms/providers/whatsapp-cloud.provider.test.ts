import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageContent } from '../../../src/core/ports.js';
import { SendError } from '../../../src/core/ports.js';
import { PROVIDER_MODULES, validateDefinition } from '../../../src/sms/provider-registry.js';
import { DEFAULT_GRAPH_VERSION, metaSignature, whatsAppCloudProvider } from '../../../src/sms/providers/whatsapp-cloud.provider.js';
import { receiptWith, sendWith, SMS } from '../../helpers/providers.js';
import { startStub } from '../../helpers/stub-server.js';
import type { StubServer } from '../../helpers/stub-server.js';

const WHATSAPP: MessageContent = { channel: 'whatsapp', code: '123456', template: 'otpgate_verification', language: 'en' };
const WAMID = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA';
const TOKEN = 'EAAJB-access-token-0123';
const APP_SECRET = 'app-secret-0123456789abcdef';
const VERIFY = 'verify-token-0123';
const PHONE_NUMBER_ID = '106540352242922';

let stub: StubServer;
let settings: Record<string, string>;

async function sendError(content: MessageContent = WHATSAPP): Promise<SendError> {
  try {
    await sendWith(whatsAppCloudProvider, settings, { content });
  } catch (error) {
    if (error instanceof SendError) return error;
    throw error;
  }
  throw new Error('expected the send to fail');
}

beforeEach(async () => {
  // Meta's documented success answer.
  stub = await startStub({ status: 200, body: { messaging_product: 'whatsapp', contacts: [{ input: SMS.to, wa_id: '4915112345678' }], messages: [{ id: WAMID }] } });
  settings = { phone_number_id: PHONE_NUMBER_ID, access_token: TOKEN, app_secret: APP_SECRET, verify_token: VERIFY, api_url: stub.url };
});
afterEach(() => stub.close());

describe('WhatsApp Business Cloud API', () => {
  it('is registered, for the whatsapp channel only', () => {
    expect(PROVIDER_MODULES.whatsapp).toBe(whatsAppCloudProvider);
    expect(whatsAppCloudProvider.channels).toEqual(['whatsapp']);
  });

  it('POSTs the authentication template with the code as body and button parameter, Bearer auth, current Graph version', async () => {
    expect((await sendWith(whatsAppCloudProvider, settings, { content: WHATSAPP })).providerMessageId).toBe(WAMID);
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe(`/${DEFAULT_GRAPH_VERSION}/${PHONE_NUMBER_ID}/messages`);
    expect(DEFAULT_GRAPH_VERSION).toBe('v27.0');
    expect(req!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body)).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: SMS.to,
      type: 'template',
      template: {
        name: 'otpgate_verification',
        language: { code: 'en' },
        components: [
          { type: 'body', parameters: [{ type: 'text', text: '123456' }] },
          { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '123456' }] },
        ],
      },
      biz_opaque_callback_data: SMS.messageId,
    });
  });

  it('uses api_version and an api_url with a path', async () => {
    await sendWith(whatsAppCloudProvider, { ...settings, api_version: 'v25.0', api_url: `${stub.url}/graph/` }, { content: WHATSAPP });
    expect(stub.requests[0]!.url).toBe(`/graph/v25.0/${PHONE_NUMBER_ID}/messages`);
  });

  it('validates its settings', () => {
    const check = (s: Record<string, string>) => () => validateDefinition({ name: 'w', type: 'whatsapp', settings: s }, (k) => k);
    expect(check({ access_token: TOKEN })).toThrow(/phone_number_id/);
    expect(check({ phone_number_id: '+14155550100', access_token: TOKEN })).toThrow(/phone_number_id/);
    expect(check({ phone_number_id: PHONE_NUMBER_ID })).toThrow(/access_token/);
    expect(check({ phone_number_id: PHONE_NUMBER_ID, access_token: TOKEN, api_version: '27' })).toThrow(/api_version/);
    expect(check({ phone_number_id: PHONE_NUMBER_ID, access_token: TOKEN, api_url: 'ftp://x' })).toThrow(/api_url/);
  });

  it.each([
    [400, 100, 'Invalid parameter', false],
    [401, 190, 'Error validating access token: Session has expired', false],
    [400, 132001, 'Template name does not exist in the translation', false],
    [400, 131026, 'Message undeliverable', false],
    [400, 130429, 'Rate limit hit', true],
    [400, 131056, '(Business Account, Consumer Account) pair rate limit hit', true],
    [400, 80007, 'Rate limit issues', true],
    [500, 131000, 'Something went wrong', true],
    [503, 133004, 'Server temporarily unavailable', true],
  ])('maps HTTP %i, Graph code %i to {code, retryable}', async (status, code, message, retryable) => {
    stub.answer({ status, body: { error: { message: `(#${code}) ${message}`, type: 'OAuthException', code, error_data: { messaging_product: 'whatsapp', details: message }, fbtrace_id: 'AbCdEf' } } });
    const error = await sendError();
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: `whatsapp_${code}`, retryable });
    expect(error.message).toContain(message);
  });

  it('refuses another channel without calling Meta', async () => {
    expect(await sendError({ channel: 'sms' })).toMatchObject({ code: 'channel_unsupported', retryable: false });
    expect(stub.requests).toHaveLength(0);
  });
});

describe('WhatsApp status webhooks (H5)', () => {
  const webhook = (statuses: unknown[], phoneNumberId = PHONE_NUMBER_ID) => JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId }, statuses } }] }],
  });
  const status = (state: string, extra: Record<string, unknown> = {}) => ({ id: WAMID, status: state, timestamp: '1750263773', recipient_id: '4915112345678', ...extra });
  const post = (raw: string, signature: string | null = metaSignature(APP_SECRET, raw), s = settings) =>
    receiptWith(whatsAppCloudProvider, s, { url: 'https://otp.example.com/v1/dlr/whatsapp', rawBody: raw, fields: JSON.parse(raw) as Record<string, unknown>, headers: signature ? { 'x-hub-signature-256': signature } : {} });

  it('computes X-Hub-Signature-256 as sha256= hex HMAC of the raw body', () => {
    // Known answer: HMAC-SHA256("It's a Secret to Everybody", "Hello, World!"), the example GitHub documents for the same scheme.
    expect(metaSignature("It's a Secret to Everybody", 'Hello, World!')).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  });

  it.each([
    ['sent', 'sent', null],
    ['delivered', 'delivered', null],
    ['read', 'delivered', null],
  ])('maps %s to %s, answering 200', async (state, mapped, errorCode) => {
    expect(await post(webhook([status(state)]))).toEqual({ accepted: true, status: mapped, errorCode, providerMessageId: WAMID, reply: '' });
  });

  it('maps failed to undelivered when the recipient is unreachable, else failed, with the Graph code', async () => {
    const failed = (code: number) => status('failed', { errors: [{ code, title: 'x', message: 'x', error_data: { details: 'x' } }] });
    expect(await post(webhook([failed(131026)]))).toMatchObject({ status: 'undelivered', errorCode: 'whatsapp_131026' });
    expect(await post(webhook([failed(131049)]))).toMatchObject({ status: 'undelivered', errorCode: 'whatsapp_131049' });
    expect(await post(webhook([failed(132012)]))).toMatchObject({ status: 'failed', errorCode: 'whatsapp_132012' });
  });

  it('reads every status of a batched webhook, and only this phone number\'s', async () => {
    const raw = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        { id: '1', changes: [{ field: 'messages', value: { metadata: { phone_number_id: PHONE_NUMBER_ID }, statuses: [status('delivered'), { ...status('read'), id: 'wamid.2' }] } }] },
        { id: '2', changes: [{ field: 'messages', value: { metadata: { phone_number_id: '999' }, statuses: [{ ...status('delivered'), id: 'wamid.other' }] } }] },
        { id: '3', changes: [{ field: 'messages', value: { metadata: { phone_number_id: PHONE_NUMBER_ID }, statuses: [{ ...status('failed', { errors: [{ code: 131026 }] }), id: 'wamid.3' }] } }] },
      ],
    });
    expect(await post(raw)).toEqual({
      accepted: true, status: 'delivered', errorCode: null, providerMessageId: WAMID, reply: '',
      more: [
        { status: 'delivered', errorCode: null, providerMessageId: 'wamid.2' },
        { status: 'undelivered', errorCode: 'whatsapp_131026', providerMessageId: 'wamid.3' },
      ],
    });
  });

  it('acknowledges an inbound message (no statuses) without recording anything', async () => {
    const raw = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: { metadata: { phone_number_id: PHONE_NUMBER_ID }, messages: [{ from: '4915112345678', id: 'wamid.in', type: 'text', text: { body: 'hi' } }] } }] }] });
    expect(await post(raw)).toEqual({ accepted: true, status: null, errorCode: null, providerMessageId: null, reply: '' });
  });

  it('refuses a missing, forged or stale-body signature, and everything without app_secret', async () => {
    const raw = webhook([status('delivered')]);
    expect((await post(raw, null)).accepted).toBe(false);
    expect((await post(raw, metaSignature('another-secret', raw))).accepted).toBe(false);
    expect((await post(raw, metaSignature(APP_SECRET, raw).replace('sha256=', 'sha1='))).accepted).toBe(false);
    expect((await post(webhook([status('read')]), metaSignature(APP_SECRET, raw))).accepted).toBe(false);
    const { app_secret: _unused, ...noSecret } = settings;
    expect((await post(raw, metaSignature(APP_SECRET, raw), noSecret)).accepted).toBe(false);
  });

  describe('subscription handshake (GET)', () => {
    const get = (query: Record<string, string>, s = settings) => receiptWith(whatsAppCloudProvider, s, { method: 'GET', url: 'https://otp.example.com/v1/dlr/whatsapp', query });

    it('answers the challenge for the configured verify token', async () => {
      expect(await get({ 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY, 'hub.challenge': '1158201444' })).toEqual({ accepted: true, status: null, errorCode: null, providerMessageId: null, reply: '1158201444' });
    });

    it('refuses a wrong or missing token, another mode, no verify_token setting, and a challenge that is not plain', async () => {
      const ok = { 'hub.mode': 'subscribe', 'hub.verify_token': VERIFY, 'hub.challenge': '1158201444' };
      expect((await get({ ...ok, 'hub.verify_token': 'guess' })).accepted).toBe(false);
      expect((await get({ 'hub.mode': 'subscribe', 'hub.challenge': '1' })).accepted).toBe(false);
      expect((await get({ ...ok, 'hub.mode': 'unsubscribe' })).accepted).toBe(false);
      expect((await get({ ...ok, 'hub.challenge': '<script>alert(1)</script>' })).accepted).toBe(false);
      const { verify_token: _unused, ...noToken } = settings;
      expect((await get({ ...ok, 'hub.verify_token': '' }, noToken)).accepted).toBe(false);
    });
  });
});
