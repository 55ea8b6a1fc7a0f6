import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snsProvider } from '../../../src/sms/providers/sns.provider.js';
import { form, sendError, sendWith, SMS } from '../../helpers/providers.js';
import { startStub } from '../../helpers/stub-server.js';
import type { StubServer } from '../../helpers/stub-server.js';

const OK = '<PublishResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>567910cd-659e-55d4-8ccb-5aaf14679dc0</MessageId></PublishResult><ResponseMetadata><RequestId>d74b8436-ae13-5ab4-a9ff-ce54dfea72a0</RequestId></ResponseMetadata></PublishResponse>';
const error = (type: string, code: string, message: string) =>
  `<ErrorResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>42d59b56-7407-4c4a-be0f-4c88daeea257</RequestId></ErrorResponse>`;

let stub: StubServer;
let settings: Record<string, string>;
beforeEach(async () => {
  stub = await startStub({ status: 200, body: OK, headers: { 'content-type': 'text/xml' } });
  settings = { region: 'eu-west-1', access_key_id: 'AKIDEXAMPLE', secret_access_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', endpoint: stub.url };
});
afterEach(() => stub.close());

describe('AWS SNS (official SDK)', () => {
  it('signs a Publish with SigV4 and sends the SMS attributes', async () => {
    expect((await sendWith(snsProvider, settings)).providerMessageId).toBe('567910cd-659e-55d4-8ccb-5aaf14679dc0');
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/');
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sns\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*x-amz-date[a-z0-9;-]*, Signature=[0-9a-f]{64}$/);
    expect(form(req!.body)).toEqual({
      Action: 'Publish', Version: '2010-03-31', PhoneNumber: SMS.to, Message: SMS.body,
      'MessageAttributes.entry.1.Name': 'AWS.SNS.SMS.SMSType', 'MessageAttributes.entry.1.Value.DataType': 'String', 'MessageAttributes.entry.1.Value.StringValue': 'Transactional',
      'MessageAttributes.entry.2.Name': 'AWS.SNS.SMS.SenderID', 'MessageAttributes.entry.2.Value.DataType': 'String', 'MessageAttributes.entry.2.Value.StringValue': 'Acme',
    });
  });

  it('sends a numeric sender as the origination number', async () => {
    await sendWith(snsProvider, settings, { from: '+14155550100' });
    expect(form(stub.requests[0]!.body)).toMatchObject({ 'MessageAttributes.entry.2.Name': 'AWS.MM.SMS.OriginationNumber', 'MessageAttributes.entry.2.Value.StringValue': '+14155550100' });
  });

  it.each([
    [400, 'Sender', 'InvalidParameter', 'Invalid parameter: PhoneNumber', false],
    [403, 'Sender', 'AuthorizationError', 'not authorized', false],
    [400, 'Sender', 'Throttling', 'Rate exceeded', true],
    [500, 'Receiver', 'InternalError', 'internal', true],
  ])('maps HTTP %i %s/%s', async (status, type, code, message, retryable) => {
    stub.answer({ status, body: error(type, code, message), headers: { 'content-type': 'text/xml' } });
    expect(await sendError(snsProvider, settings)).toMatchObject({ code: `sns_${code}`, retryable });
    expect(stub.requests).toHaveLength(1); // the SDK's own retries are off: the worker decides
  });
});
