import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { genericHttpProvider } from '../../../src/sms/providers/generic-http.provider.js';
import { receiptWith, sendError, sendWith, SMS } from '../../helpers/providers.js';
import { startStub } from '../../helpers/stub-server.js';
import type { StubServer } from '../../helpers/stub-server.js';

let stub: StubServer;
let settings: Record<string, string>;
beforeEach(async () => {
  stub = await startStub({ status: 200, body: { data: { id: 'gw-42' } } });
  settings = {
    url: `${stub.url}/api/sms`,
    headers: JSON.stringify({ 'X-Api-Key': 'k-0123' }),
    body_template: JSON.stringify({ message: { to: '{{to}}', text: '{{body}}', sender: '{{from}}' }, ref: '{{message_id}}', report: '{{callback_url}}', tags: ['otp', '{{country}}'] }),
    message_id_path: 'data.id',
    error_code_path: 'error.code',
    dlr_secret: 'dlr-secret-0123456789',
  };
});
afterEach(() => stub.close());

describe('generic HTTP provider', () => {
  it('POSTs the filled-in JSON template with the configured headers', async () => {
    expect((await sendWith(genericHttpProvider, settings)).providerMessageId).toBe('gw-42');
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/api/sms');
    expect(req!.headers['x-api-key']).toBe('k-0123');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body)).toEqual({
      message: { to: SMS.to, text: SMS.body, sender: 'Acme' }, ref: SMS.messageId,
      report: `${SMS.callbackUrl}?secret=dlr-secret-0123456789`, tags: ['otp', 'DE'],
    });
  });

  it('keeps a message with quotes and braces inside its field', async () => {
    await sendWith(genericHttpProvider, settings, { body: '123456 "}, "to": "+1999" {{to}}' });
    const sent = JSON.parse(stub.requests[0]!.body);
    expect(sent.message.to).toBe(SMS.to);
    expect(sent.message.text).toBe('123456 "}, "to": "+1999" {{to}}');
  });

  it('maps error answers by status, with the code at error_code_path', async () => {
    stub.answer({ status: 422, body: { error: { code: 'BAD_NUMBER' } } });
    expect(await sendError(genericHttpProvider, settings)).toMatchObject({ code: 'BAD_NUMBER', retryable: false });
    stub.answer({ status: 502, body: 'bad gateway' });
    expect(await sendError(genericHttpProvider, settings)).toMatchObject({ code: 'http_502', retryable: true });
  });

  it('refuses settings that are not JSON objects', async () => {
    await expect(sendWith(genericHttpProvider, { ...settings, body_template: '[1]' })).rejects.toThrow(/body_template: must be a JSON object/);
  });

  it('accepts receipts only with its secret (H5)', async () => {
    expect(await receiptWith(genericHttpProvider, settings, { query: { secret: 'dlr-secret-0123456789' }, fields: { status: 'delivered' } })).toMatchObject({ accepted: true, status: 'delivered' });
    expect((await receiptWith(genericHttpProvider, settings, { query: { secret: 'x' }, fields: { status: 'delivered' } })).accepted).toBe(false);
    expect((await receiptWith(genericHttpProvider, settings, { query: { secret: 'dlr-secret-0123456789' }, fields: { status: 'bogus' } })).accepted).toBe(false);
  });
});
