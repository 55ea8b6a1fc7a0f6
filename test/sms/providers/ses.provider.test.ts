import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../../src/core/ports.js';
import { SendError } from '../../../src/core/ports.js';
import { validateDefinition } from '../../../src/sms/provider-registry.js';
import { sesProvider } from '../../../src/sms/providers/ses.provider.js';
import { sendWith } from '../../helpers/providers.js';
import { startStub } from '../../helpers/stub-server.js';
import type { StubServer } from '../../helpers/stub-server.js';

const EMAIL: Partial<OutgoingMessage> = {
  to: 'ada@example.com',
  from: 'no-reply@acme.test',
  country: null,
  content: {
    channel: 'email',
    subject: 'Your Acme verification code',
    text: 'Enter this code to sign in to Acme:\n\n123456\n',
    html: '<p>Enter this code to sign in to Acme:</p><p><strong>123456</strong></p>',
    fromName: 'Acme',
  },
};
const SES_ID = '010201930c0e2c3d-6a3f1c1e-1b2a-4c5d-9e8f-0a1b2c3d4e5f-000000';

let stub: StubServer;
let settings: Record<string, string>;
beforeEach(async () => {
  stub = await startStub({ status: 200, body: { MessageId: SES_ID } });
  settings = { region: 'eu-west-1', access_key_id: 'AKIDEXAMPLE', secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', endpoint: stub.url };
});
afterEach(() => stub.close());

async function failure(send: Promise<unknown>): Promise<SendError> {
  try {
    await send;
  } catch (error) {
    if (error instanceof SendError) return error;
    throw error;
  }
  throw new Error('expected the send to fail');
}

describe('Amazon SES v2 (official SDK)', () => {
  it('signs a SendEmail with SigV4 and sends the simple content', async () => {
    expect((await sendWith(sesProvider, { ...settings, configuration_set: 'otp-events' }, EMAIL)).providerMessageId).toBe(SES_ID);
    expect(stub.requests).toHaveLength(1);
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/v2/email/outbound-emails');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/ses\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*x-amz-date[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    expect(JSON.parse(req!.body)).toEqual({
      FromEmailAddress: '"Acme" <no-reply@acme.test>',
      Destination: { ToAddresses: ['ada@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: 'Your Acme verification code', Charset: 'UTF-8' },
          Body: {
            Text: { Data: 'Enter this code to sign in to Acme:\n\n123456\n', Charset: 'UTF-8' },
            Html: { Data: '<p>Enter this code to sign in to Acme:</p><p><strong>123456</strong></p>', Charset: 'UTF-8' },
          },
          Headers: [{ Name: 'Auto-Submitted', Value: 'auto-generated' }],
        },
      },
      EmailTags: [{ Name: 'otpgate_message_id', Value: 'msg_01jf3k9x2m8q7r6t5v4w3y2z1a' }],
      ConfigurationSetName: 'otp-events',
    });
  });

  it('uses the from setting only without a message sender; encodes a non-ASCII display name; IDNA recipient domain', async () => {
    await sendWith(sesProvider, { ...settings, from: 'otp@fallback.test' }, { ...EMAIL, from: null, to: 'ada@bücher.example', content: { ...EMAIL.content!, fromName: 'Ünïcode "Bank"' } as OutgoingMessage['content'] });
    const body = JSON.parse(stub.requests[0]!.body) as { FromEmailAddress: string; Destination: unknown; ConfigurationSetName?: string };
    expect(body.FromEmailAddress).toBe(`=?UTF-8?B?${Buffer.from('Ünïcode "Bank"').toString('base64')}?= <otp@fallback.test>`);
    expect(body.Destination).toEqual({ ToAddresses: ['ada@xn--bcher-kva.example'] });
    expect(body.ConfigurationSetName).toBeUndefined();
    await sendWith(sesProvider, { ...settings, from: 'otp@fallback.test' }, { ...EMAIL, content: { ...EMAIL.content!, fromName: null } as OutgoingMessage['content'] });
    expect((JSON.parse(stub.requests[1]!.body) as { FromEmailAddress: string }).FromEmailAddress).toBe('no-reply@acme.test');
  });

  it.each([
    [400, 'MessageRejected', 'Email address is not verified. The following identities failed the check: no-reply@acme.test', false],
    [400, 'MailFromDomainNotVerifiedException', 'MAIL FROM domain not verified', false],
    [400, 'BadRequestException', 'Invalid email address', false],
    [429, 'TooManyRequestsException', 'Maximum sending rate exceeded.', true],
    [400, 'LimitExceededException', 'Daily message quota exceeded.', true],
    [400, 'SendingPausedException', 'Sending paused for this account', true],
    [400, 'AccountSuspendedException', 'Account suspended', true],
    [404, 'NotFoundException', 'Configuration set <otp-events> does not exist.', true],
    [500, 'InternalFailure', 'internal', true],
    [503, 'ServiceUnavailable', 'unavailable', true],
  ])('maps HTTP %i %s', async (status, type, message, retryable) => {
    stub.answer({ status, body: { message }, headers: { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.ses/` } });
    const error = await failure(sendWith(sesProvider, settings, EMAIL));
    expect(error).toMatchObject({ code: `ses_${type.replace(/Exception$/, '')}`, retryable });
    expect(stub.requests).toHaveLength(1); // the SDK's own retries are off: the worker decides
  });

  it('maps an unreachable endpoint to a retryable failure', async () => {
    const url = stub.url;
    await stub.close();
    const error = await failure(sendWith(sesProvider, { ...settings, endpoint: url }, EMAIL));
    expect(error.retryable).toBe(true);
    stub = await startStub();
  });

  it('refuses a bad recipient before calling SES, and another channel', async () => {
    expect(await failure(sendWith(sesProvider, settings, { ...EMAIL, to: 'Eve <eve@example.com>' }))).toMatchObject({ code: 'ses_invalid_recipient', retryable: false });
    expect(await failure(sendWith(sesProvider, settings, { ...EMAIL, content: { channel: 'sms' } }))).toMatchObject({ code: 'unsupported_channel', retryable: false });
    expect(await failure(sendWith(sesProvider, settings, { ...EMAIL, from: null }))).toMatchObject({ code: 'ses_no_sender', retryable: true });
    expect(stub.requests).toHaveLength(0);
  });

  it.each([
    [{ region: 'mars' }, 'region'],
    [{ from: 'not an address' }, 'from'],
    [{ configuration_set: 'has spaces' }, 'configuration_set'],
    [{ endpoint: 'ftp://x' }, 'endpoint'],
  ])('refuses settings %j', (bad, key) => {
    expect(() => validateDefinition({ name: 'p', type: 'ses', settings: { ...settings, ...bad } }, (k) => k)).toThrow(new RegExp(`^${key}:`));
  });
});
