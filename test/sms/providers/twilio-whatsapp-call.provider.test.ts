import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageContent } from '../../../src/core/ports.js';
import { SendError } from '../../../src/core/ports.js';
import { validateDefinition } from '../../../src/sms/provider-registry.js';
import { twilioProvider, twilioSignature } from '../../../src/sms/providers/twilio.provider.js';
import { twimlSay, xmlEscape } from '../../../src/sms/providers/twilio.voice.js';
import { form, receiptWith, sendWith, SMS } from '../../helpers/providers.js';
import { startStub } from '../../helpers/stub-server.js';
import type { StubServer } from '../../helpers/stub-server.js';

const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'test-auth-token-0123456789';
const CONTENT_SID = `HX${'b5b62575e6e4ff6129ad7c8efe1f983e'}`;
const WHATSAPP: MessageContent = { channel: 'whatsapp', code: '123456', template: 'otpgate_verification', language: 'en' };
const CALL: MessageContent = { channel: 'call', speech: 'Your Acme verification code is 1, 2, 3, 4, 5, 6. Again, your code is 1, 2, 3, 4, 5, 6.', language: 'en-US', voice: null };
const BASIC = `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`;

let stub: StubServer;
let settings: Record<string, string>;

async function sendError(s: Record<string, string>, content: MessageContent): Promise<SendError> {
  try {
    await sendWith(twilioProvider, s, { content, from: null });
  } catch (error) {
    if (error instanceof SendError) return error;
    throw error;
  }
  throw new Error('expected the send to fail');
}

beforeEach(async () => {
  stub = await startStub({ status: 201, body: { sid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f', status: 'queued' } });
  settings = { account_sid: SID, auth_token: TOKEN, api_url: stub.url, from: 'Acme', whatsapp_from: '+14155238886', whatsapp_content_sid: CONTENT_SID, call_from: '+14155550100' };
});
afterEach(() => stub.close());

describe('Twilio WhatsApp (Messages API + Content template)', () => {
  it('POSTs whatsapp: addresses, the ContentSid and the code as variable 1, with Basic auth', async () => {
    const result = await sendWith(twilioProvider, settings, { content: WHATSAPP, from: null });
    expect(result.providerMessageId).toBe('SM1f0e8ae6ade43cb3c0ce4525424e404f');
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(req!.headers.authorization).toBe(BASIC);
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form(req!.body)).toEqual({
      To: `whatsapp:${SMS.to}`, From: 'whatsapp:+14155238886', ContentSid: CONTENT_SID, ContentVariables: '{"1":"123456"}', StatusCallback: SMS.callbackUrl,
    });
  });

  it('takes the Content SID per language, a template that is itself an HX SID, or a Messaging Service as sender', async () => {
    const perLanguage = { ...settings, whatsapp_content_sid: `en=HX${'1'.repeat(32)};pt_BR=HX${'2'.repeat(32)};*=HX${'3'.repeat(32)}` };
    await sendWith(twilioProvider, perLanguage, { content: { ...WHATSAPP, language: 'pt_BR' } });
    await sendWith(twilioProvider, perLanguage, { content: { ...WHATSAPP, language: 'en_US' } }); // base language
    await sendWith(twilioProvider, perLanguage, { content: { ...WHATSAPP, language: 'de' } }); // the default
    await sendWith(twilioProvider, perLanguage, { content: { ...WHATSAPP, template: `HX${'4'.repeat(32)}` } });
    expect(stub.requests.map((r) => form(r.body).ContentSid)).toEqual([`HX${'2'.repeat(32)}`, `HX${'1'.repeat(32)}`, `HX${'3'.repeat(32)}`, `HX${'4'.repeat(32)}`]);
    const { whatsapp_from: _unused, ...viaService }: Record<string, string> = { ...settings, messaging_service_sid: 'MG0123' };
    await sendWith(twilioProvider, viaService, { content: WHATSAPP });
    expect(form(stub.requests[4]!.body)).toMatchObject({ MessagingServiceSid: 'MG0123', To: `whatsapp:${SMS.to}` });
    expect(form(stub.requests[4]!.body).From).toBeUndefined();
  });

  it('refuses, without calling Twilio, a WhatsApp message it has no template or sender for', async () => {
    const { whatsapp_content_sid: _a, ...noTemplate } = settings;
    expect(await sendError(noTemplate, WHATSAPP)).toMatchObject({ code: 'twilio_whatsapp_template_missing', retryable: false });
    const { whatsapp_from: _b, ...noSender } = settings;
    expect(await sendError(noSender, WHATSAPP)).toMatchObject({ code: 'twilio_whatsapp_from_missing', retryable: false });
    expect(stub.requests).toHaveLength(0);
  });

  it('validates the WhatsApp settings at configuration time', () => {
    const check = (s: Record<string, string>) => () => validateDefinition({ name: 'p', type: 'twilio', settings: { account_sid: SID, auth_token: TOKEN, ...s } }, (k) => k);
    expect(check({ whatsapp_content_sid: 'HX123' })).toThrow(/whatsapp_content_sid/);
    expect(check({ whatsapp_content_sid: `english=HX${'1'.repeat(32)}` })).toThrow(/language/);
    expect(check({ whatsapp_from: 'whatsapp:+1415' })).toThrow(/whatsapp_from/);
    expect(check({ call_from: 'Acme' })).toThrow(/call_from/);
    expect(check({ call_timeout: '3' })).toThrow(/call_timeout/);
    expect(check({ whatsapp_content_sid: `en=HX${'1'.repeat(32)}; *=HX${'2'.repeat(32)}` })).not.toThrow();
  });

  it.each([
    [400, { code: 63016, message: 'Failed to send freeform message because you are outside the allowed window.', status: 400 }, 'twilio_63016', false],
    [400, { code: 21656, message: 'The ContentVariables Parameter is invalid.', status: 400 }, 'twilio_21656', false],
    [429, { code: 20429, message: 'Too Many Requests', status: 429 }, 'twilio_20429', true],
    [503, { code: 20503, message: 'Service Unavailable', status: 503 }, 'twilio_20503', true],
  ])('maps HTTP %i for WhatsApp to {code, retryable}', async (status, body, code, retryable) => {
    stub.answer({ status, body });
    expect(await sendError(settings, WHATSAPP)).toMatchObject({ code, retryable });
  });
});

describe('Twilio voice call (Calls API + inline TwiML)', () => {
  it('POSTs To, From, Twiml <Say language> and a completed status callback to Calls.json', async () => {
    stub.answer({ status: 201, body: { sid: 'CAe1644a7eed5088b159577c5802d8be38', status: 'queued', to: SMS.to } });
    const result = await sendWith(twilioProvider, settings, { content: CALL, from: null });
    expect(result.providerMessageId).toBe('CAe1644a7eed5088b159577c5802d8be38');
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe(`/2010-04-01/Accounts/${SID}/Calls.json`);
    expect(req!.headers.authorization).toBe(BASIC);
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form(req!.body)).toEqual({
      To: SMS.to,
      From: '+14155550100',
      Twiml: '<Response><Say language="en-US">Your Acme verification code is 1, 2, 3, 4, 5, 6. Again, your code is 1, 2, 3, 4, 5, 6.</Say></Response>',
      StatusCallback: SMS.callbackUrl,
      StatusCallbackEvent: 'completed',
      StatusCallbackMethod: 'POST',
    });
  });

  it('names the voice when the service chose one, rings for call_timeout, and calls from `from` when that is a number', async () => {
    const { call_from: _unused, ...fromNumber }: Record<string, string> = { ...settings, from: '+14155550199', call_timeout: '25' };
    await sendWith(twilioProvider, fromNumber, { content: { ...CALL, voice: 'Polly.Joanna-Neural' } });
    expect(form(stub.requests[0]!.body)).toMatchObject({ From: '+14155550199', Timeout: '25' });
    expect(form(stub.requests[0]!.body).Twiml).toContain('<Say language="en-US" voice="Polly.Joanna-Neural">');
  });

  it('escapes the speech and attributes as XML, so text cannot add TwiML verbs', () => {
    const twiml = twimlSay({ channel: 'call', speech: 'A&B <Dial>+1900</Dial> "q" \'s\u0007', language: 'en-US" evil="1', voice: null });
    expect(twiml).toBe('<Response><Say language="en-US&quot; evil=&quot;1">A&amp;B &lt;Dial&gt;+1900&lt;/Dial&gt; &quot;q&quot; &apos;s</Say></Response>');
    expect(xmlEscape('caf\u00e9 \ud83d\ude00 \ud800x')).toBe('caf\u00e9 \ud83d\ude00 x');
  });

  it('refuses a call it has no number for, or TwiML over 4,000 characters, without calling Twilio', async () => {
    const { call_from: _unused, ...noNumber } = settings; // `from` is the alphanumeric "Acme"
    expect(await sendError(noNumber, CALL)).toMatchObject({ code: 'twilio_call_from_missing', retryable: false });
    expect(await sendError(settings, { ...CALL, speech: '1, '.repeat(1400) })).toMatchObject({ code: 'twilio_twiml_too_long', retryable: false });
    expect(stub.requests).toHaveLength(0);
  });

  it.each([
    [400, { code: 21215, message: 'Geographic permission not enabled for the number', status: 400 }, 'twilio_21215', false],
    [400, { code: 21210, message: "The source phone number provided, +14155550100, is not yet verified for your account.", status: 400 }, 'twilio_21210', false],
    [429, { code: 20429, message: 'Too Many Requests', status: 429 }, 'twilio_20429', true],
    [500, { code: 20500, message: 'Internal Server Error', status: 500 }, 'twilio_20500', true],
  ])('maps HTTP %i for calls to {code, retryable}', async (status, body, code, retryable) => {
    stub.answer({ status, body });
    expect(await sendError(settings, CALL)).toMatchObject({ code, retryable });
  });

  it('keeps SMS as it was: Body and From to Messages.json', async () => {
    await sendWith(twilioProvider, settings);
    expect(stub.requests[0]!.url).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(form(stub.requests[0]!.body)).toEqual({ To: SMS.to, From: 'Acme', Body: SMS.body, StatusCallback: SMS.callbackUrl });
  });
});

describe('Twilio status callbacks for WhatsApp and calls (H5)', () => {
  const signed = (f: Record<string, string>, token = TOKEN) => ({ 'x-twilio-signature': twilioSignature(token, SMS.callbackUrl!, f) });
  const read = (f: Record<string, string>, token = TOKEN) => receiptWith(twilioProvider, settings, { fields: f, headers: signed(f, token) });

  it('reads WhatsApp MessageStatus like SMS, read meaning delivered', async () => {
    const base = { MessageSid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f', ChannelPrefix: 'whatsapp', To: `whatsapp:${SMS.to}` };
    expect(await read({ ...base, MessageStatus: 'read' })).toEqual({ accepted: true, status: 'delivered', errorCode: null, providerMessageId: base.MessageSid });
    expect(await read({ ...base, MessageStatus: 'undelivered', ErrorCode: '63024' })).toMatchObject({ status: 'undelivered', errorCode: 'twilio_63024' });
    expect(await read({ ...base, MessageStatus: 'failed', ErrorCode: '63016' })).toMatchObject({ status: 'failed', errorCode: 'twilio_63016' });
  });

  it.each([
    ['completed', 'delivered', null],
    ['busy', 'undelivered', 'twilio_call_busy'],
    ['no-answer', 'undelivered', 'twilio_call_no_answer'],
    ['failed', 'failed', 'twilio_call_failed'],
    ['canceled', 'failed', 'twilio_call_canceled'],
    ['ringing', null, null],
    ['in-progress', null, null],
  ])('maps CallStatus %s to %s', async (callStatus, status, errorCode) => {
    const f = { CallSid: 'CAe1644a7eed5088b159577c5802d8be38', CallStatus: callStatus, AccountSid: SID, Direction: 'outbound-api', CallDuration: '14' };
    expect(await read(f)).toEqual({ accepted: true, status, errorCode, providerMessageId: f.CallSid });
  });

  it('prefers Twilio\'s ErrorCode on a failed call', async () => {
    expect(await read({ CallSid: 'CA1', CallStatus: 'failed', ErrorCode: '13224' })).toMatchObject({ status: 'failed', errorCode: 'twilio_13224' });
  });

  it('refuses an unsigned, forged or tampered call callback', async () => {
    const f = { CallSid: 'CA1', CallStatus: 'completed' };
    expect((await receiptWith(twilioProvider, settings, { fields: f })).accepted).toBe(false);
    expect((await read(f, 'another-token')).accepted).toBe(false);
    expect((await receiptWith(twilioProvider, settings, { fields: { ...f, CallStatus: 'busy' }, headers: signed(f) })).accepted).toBe(false);
  });
});
