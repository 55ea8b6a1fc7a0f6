import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { twilioProvider, twilioSignature } from '../../../src/sms/providers/twilio.provider.js';
import { form, receiptWith, sendError, sendWith, SMS } from '../../helpers/providers.js';
import { startStub } from '../../helpers/stub-server.js';
import type { StubServer } from '../../helpers/stub-server.js';

const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const TOKEN = 'test-auth-token-0123456789';
let stub: StubServer;
let settings: Record<string, string>;

beforeEach(async () => {
  // Twilio's documented 201 answer (trimmed to the fields that matter).
  stub = await startStub({ status: 201, body: { sid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f', status: 'queued', to: SMS.to, from: 'Acme', error_code: null } });
  settings = { account_sid: SID, auth_token: TOKEN, api_url: stub.url };
});
afterEach(() => stub.close());

describe('Twilio Programmable Messaging', () => {
  it('POSTs the documented form to Messages.json with Basic auth', async () => {
    const result = await sendWith(twilioProvider, settings);
    expect(result.providerMessageId).toBe('SM1f0e8ae6ade43cb3c0ce4525424e404f');
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form(req!.body)).toEqual({ To: SMS.to, From: 'Acme', Body: SMS.body, StatusCallback: SMS.callbackUrl });
  });

  it('uses a Messaging Service instead of From when configured', async () => {
    await sendWith(twilioProvider, { ...settings, messaging_service_sid: 'MG0123' });
    expect(form(stub.requests[0]!.body)).toMatchObject({ MessagingServiceSid: 'MG0123' });
    expect(form(stub.requests[0]!.body).From).toBeUndefined();
  });

  it('uses the Messaging Service the service routes the number\'s country to (MessagingConfigurations) first', async () => {
    const country = `MG${'a'.repeat(32)}`;
    await sendWith(twilioProvider, { ...settings, messaging_service_sid: 'MG0123' }, { messagingServiceSid: country });
    await sendWith(twilioProvider, settings, { messagingServiceSid: country });
    for (const request of stub.requests) {
      expect(form(request.body)).toMatchObject({ MessagingServiceSid: country });
      expect(form(request.body).From).toBeUndefined();
    }
  });

  it.each([
    [400, { code: 21211, message: "The 'To' number is not a valid phone number.", more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 }, 'twilio_21211', false],
    [401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 }, 'twilio_20003', false],
    [429, { code: 20429, message: 'Too Many Requests', more_info: 'https://www.twilio.com/docs/errors/20429', status: 429 }, 'twilio_20429', true],
    [500, { code: 20500, message: 'Internal Server Error', more_info: 'https://www.twilio.com/docs/errors/20500', status: 500 }, 'twilio_20500', true],
  ])('maps HTTP %i to {code, retryable}', async (status, body, code, retryable) => {
    stub.answer({ status, body });
    const error = await sendError(twilioProvider, settings);
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code, retryable });
  });

  it('computes the signature of Twilio\'s documented example', () => {
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
    expect(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  describe('status callbacks (H5)', () => {
    const fields = { MessageSid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f', MessageStatus: 'undelivered', ErrorCode: '30003', AccountSid: SID };
    const signed = (f: Record<string, string>, token = TOKEN) => ({ 'x-twilio-signature': twilioSignature(token, SMS.callbackUrl!, f) });

    it('accepts a correctly signed callback and reads status and error code', async () => {
      const outcome = await receiptWith(twilioProvider, settings, { fields, headers: signed(fields) });
      expect(outcome).toEqual({ accepted: true, status: 'undelivered', errorCode: 'twilio_30003', providerMessageId: fields.MessageSid });
      const delivered = { ...fields, MessageStatus: 'delivered' };
      expect(await receiptWith(twilioProvider, settings, { fields: delivered, headers: signed(delivered) })).toMatchObject({ accepted: true, status: 'delivered' });
    });

    it('refuses a missing signature, another token\'s signature, and a tampered body', async () => {
      expect((await receiptWith(twilioProvider, settings, { fields })).accepted).toBe(false);
      expect((await receiptWith(twilioProvider, settings, { fields, headers: signed(fields, 'another-token') })).accepted).toBe(false);
      expect((await receiptWith(twilioProvider, settings, { fields: { ...fields, MessageStatus: 'delivered' }, headers: signed(fields) })).accepted).toBe(false);
      expect((await receiptWith(twilioProvider, settings, { fields, headers: signed(fields), url: `${SMS.callbackUrl}x` })).accepted).toBe(false);
    });
  });
});
