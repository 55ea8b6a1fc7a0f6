import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { infobipProvider } from '../../../src/sms/providers/infobip.provider.js';
import { messageBirdProvider, messageBirdSignatureValid } from '../../../src/sms/providers/messagebird.provider.js';
import { sinchProvider } from '../../../src/sms/providers/sinch.provider.js';
import { receiptWith, sendError, sendWith, SMS } from '../../helpers/providers.js';
import { startStub } from '../../helpers/stub-server.js';
import type { StubServer } from '../../helpers/stub-server.js';

let stub: StubServer;
afterEach(() => stub.close());
const SECRET = 'dlr-secret-0123456789';

describe('Infobip', () => {
  let settings: Record<string, string>;
  beforeEach(async () => {
    stub = await startStub({ status: 200, body: { bulkId: '2034072219640523072', messages: [{ messageId: SMS.messageId, status: { groupId: 1, groupName: 'PENDING', id: 26, name: 'PENDING_ACCEPTED', description: 'Message sent to next instance' }, destination: '4915112345678' }] } });
    settings = { base_url: stub.url, api_key: 'ib-key-0123', dlr_secret: SECRET };
  });

  it('POSTs JSON to /sms/2/text/advanced with App auth and our message id', async () => {
    expect((await sendWith(infobipProvider, settings)).providerMessageId).toBe(SMS.messageId);
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/sms/2/text/advanced');
    expect(req!.headers.authorization).toBe('App ib-key-0123');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body)).toEqual({ messages: [{
      destinations: [{ to: '4915112345678', messageId: SMS.messageId }], from: 'Acme', text: SMS.body,
      notifyUrl: `${SMS.callbackUrl}?secret=${SECRET}`, notifyContentType: 'application/json',
    }] });
  });

  it('maps a REJECTED message status and request errors', async () => {
    stub.answer({ status: 200, body: { messages: [{ messageId: 'x', status: { groupId: 5, groupName: 'REJECTED', id: 6, name: 'REJECTED_DESTINATION', description: 'Destination rejected' } }] } });
    expect(await sendError(infobipProvider, settings)).toMatchObject({ code: 'infobip_REJECTED_DESTINATION', retryable: false });
    stub.answer({ status: 401, body: { requestError: { serviceException: { messageId: 'UNAUTHORIZED', text: 'Invalid login details' } } } });
    expect(await sendError(infobipProvider, settings)).toMatchObject({ code: 'infobip_UNAUTHORIZED', retryable: false });
    stub.answer({ status: 500, body: { requestError: { serviceException: { messageId: 'GENERAL_ERROR', text: 'Something went wrong' } } } });
    expect(await sendError(infobipProvider, settings)).toMatchObject({ code: 'infobip_GENERAL_ERROR', retryable: true });
  });

  it('reads delivery reports carrying the secret and refuses others (H5)', async () => {
    const report = (group: string, error = 'NO_ERROR') => ({ results: [{ bulkId: 'b', messageId: SMS.messageId, to: '4915112345678', status: { groupName: group, name: `${group}_X` }, error: { groupName: 'OK', name: error, permanent: false } }] });
    expect(await receiptWith(infobipProvider, settings, { query: { secret: SECRET }, fields: report('DELIVERED') })).toEqual({ accepted: true, status: 'delivered', errorCode: null, providerMessageId: SMS.messageId });
    expect(await receiptWith(infobipProvider, settings, { query: { secret: SECRET }, fields: report('UNDELIVERABLE', 'EC_ABSENT_SUBSCRIBER') })).toMatchObject({ status: 'undelivered', errorCode: 'infobip_EC_ABSENT_SUBSCRIBER' });
    expect((await receiptWith(infobipProvider, settings, { query: { secret: 'nope' }, fields: report('DELIVERED') })).accepted).toBe(false);
    expect((await receiptWith(infobipProvider, settings, { fields: report('DELIVERED') })).accepted).toBe(false);
  });
});

describe('MessageBird', () => {
  let settings: Record<string, string>;
  beforeEach(async () => {
    stub = await startStub({ status: 201, body: { id: 'e8077d803532c0b5937c639b60216938', href: 'https://rest.messagebird.com/messages/e8077d803532c0b5937c639b60216938', direction: 'mt', type: 'sms', originator: 'Acme', body: 'x', reference: SMS.messageId, recipients: { totalCount: 1, totalSentCount: 1 } } });
    settings = { access_key: 'live_0123456789', signing_key: 'signing-key-0123', api_url: stub.url };
  });

  it('POSTs JSON to /messages with AccessKey auth', async () => {
    expect((await sendWith(messageBirdProvider, settings)).providerMessageId).toBe('e8077d803532c0b5937c639b60216938');
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/messages');
    expect(req!.headers.authorization).toBe('AccessKey live_0123456789');
    expect(JSON.parse(req!.body)).toEqual({ recipients: ['4915112345678'], originator: 'Acme', body: SMS.body, reference: SMS.messageId, datacoding: 'auto', reportUrl: SMS.callbackUrl });
  });

  it.each([
    [401, 2, 'Request not allowed (incorrect access_key)', false],
    [422, 9, 'no (correct) recipients found', false],
    [422, 25, 'Not enough balance', false],
    [500, 99, 'Internal error', true],
  ])('maps HTTP %i error %i', async (status, code, description, retryable) => {
    stub.answer({ status, body: { errors: [{ code, description, parameter: null }] } });
    expect(await sendError(messageBirdProvider, settings)).toMatchObject({ code: `messagebird_${code}`, retryable });
  });

  // The reference vectors published with MessageBird's own SDK (lib/testdata/webhook-signature-jwt-reference.json).
  const REF_SECRET = '36efdd1aace2e26cd490f0d951138253bef2f7c6d34d18981da781555cc4cebb';
  const REF_NOW = Date.parse('2021-07-05T12:00:00+02:00');
  const REF_URL = 'https://example.com/path?bar=1&foo=2';
  const REF_TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJNZXNzYWdlQmlyZCIsIm5iZiI6MTYyNTQ3OTIwMCwiZXhwIjoxNjI1NDc5MjYwLCJqdGkiOiI5M2U1NTAwNi1hMGU4LTQ1MjYtYTE5MC1mYTVmZjAwZWExMTYiLCJ1cmxfaGFzaCI6IjQxZjA1ZjBkZGQwYTIyYWIyMDlhYzQ2ZjQ3YzQ1NzJkOWNlZmEyNTdlZDc0YjI0MDA0YmFlNzUzZWNlNmMyNjAiLCJwYXlsb2FkX2hhc2giOiJkZmZkNjAyMWJiMmJkNWIwYWY2NzYyOTA4MDllYzNhNTMxOTFkZDgxYzdmNzBhNGIyODY4OGEzNjIxODI5ODZmIn0._H--TOuYFLpeEH39-rg5E3IHVkjHozBcaKVWPRC5m9I';

  it('verifies MessageBird-Signature-JWT against the SDK reference vectors', async () => {
    expect(await messageBirdSignatureValid(REF_SECRET, REF_URL, 'Hello, World!', REF_TOKEN, REF_NOW)).toBe(true);
    expect(await messageBirdSignatureValid(REF_SECRET, REF_URL, 'Hello, World?', REF_TOKEN, REF_NOW)).toBe(false);
    expect(await messageBirdSignatureValid(REF_SECRET, 'https://example.com/path?foo=2&bar=1', 'Hello, World!', REF_TOKEN, REF_NOW)).toBe(false);
    expect(await messageBirdSignatureValid(REF_SECRET, REF_URL, 'Hello, World!', REF_TOKEN, REF_NOW + 3_600_000)).toBe(false);
    expect(await messageBirdSignatureValid(`${REF_SECRET}0`, REF_URL, 'Hello, World!', REF_TOKEN, REF_NOW)).toBe(false);
  });

  it('refuses a status report without a valid signature (H5)', async () => {
    const query = { id: 'e8077d80', reference: SMS.messageId, recipient: '4915112345678', status: 'delivered', statusDatetime: '2026-11-25T12:00:00+00:00' };
    expect((await receiptWith(messageBirdProvider, settings, { method: 'GET', query })).accepted).toBe(false);
    expect((await receiptWith(messageBirdProvider, settings, { method: 'GET', query, headers: { 'messagebird-signature-jwt': REF_TOKEN } })).accepted).toBe(false);
  });
});

describe('Sinch', () => {
  let settings: Record<string, string>;
  beforeEach(async () => {
    stub = await startStub({ status: 201, body: { id: '01FC66621XXXXX119Z8PMV1QPQ', to: ['4915112345678'], from: 'Acme', canceled: false, body: 'x', type: 'mt_text', delivery_report: 'per_recipient_final' } });
    settings = { service_plan_id: 'plan0123', api_token: 'token-0123', dlr_secret: SECRET, api_url: stub.url };
  });

  it('POSTs JSON to /xms/v1/{plan}/batches with a Bearer token', async () => {
    expect((await sendWith(sinchProvider, settings)).providerMessageId).toBe('01FC66621XXXXX119Z8PMV1QPQ');
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/xms/v1/plan0123/batches');
    expect(req!.headers.authorization).toBe('Bearer token-0123');
    expect(JSON.parse(req!.body)).toEqual({ from: 'Acme', to: ['4915112345678'], body: SMS.body, client_reference: SMS.messageId, delivery_report: 'per_recipient_final', callback_url: `${SMS.callbackUrl}?secret=${SECRET}` });
  });

  it.each([
    [400, 'syntax_invalid_parameter_format', false],
    [401, 'unauthorized', false],
    [429, 'too_many_requests', true],
    [500, 'internal_error', true],
  ])('maps HTTP %i %s', async (status, code, retryable) => {
    stub.answer({ status, body: { code, text: 'x' } });
    expect(await sendError(sinchProvider, settings)).toMatchObject({ code: `sinch_${code}`, retryable });
  });

  it('reads recipient delivery reports carrying the secret and refuses others (H5)', async () => {
    const report = (status: string, code: number) => ({ type: 'recipient_delivery_report_sms', batch_id: '01FC66621XXXXX119Z8PMV1QPQ', recipient: '4915112345678', code, status, at: '2026-11-25T12:00:00.000Z', client_reference: SMS.messageId });
    expect(await receiptWith(sinchProvider, settings, { query: { secret: SECRET }, fields: report('Delivered', 0) })).toEqual({ accepted: true, status: 'delivered', errorCode: null, providerMessageId: '01FC66621XXXXX119Z8PMV1QPQ' });
    expect(await receiptWith(sinchProvider, settings, { query: { secret: SECRET }, fields: report('Failed', 402) })).toMatchObject({ status: 'undelivered', errorCode: 'sinch_402' });
    expect((await receiptWith(sinchProvider, settings, { query: { secret: 'x' }, fields: report('Delivered', 0) })).accepted).toBe(false);
  });
});
