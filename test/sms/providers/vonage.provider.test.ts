import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vonageProvider, vonageSignature } from '../../../src/sms/providers/vonage.provider.js';
import { form, receiptWith, sendError, sendWith, SMS } from '../../helpers/providers.js';
import { startStub } from '../../helpers/stub-server.js';
import type { StubServer } from '../../helpers/stub-server.js';

let stub: StubServer;
let settings: Record<string, string>;
const ok = { 'message-count': '1', messages: [{ to: '4915112345678', 'message-id': '0A0000000123ABCD1', status: '0', 'remaining-balance': '3.14159265', 'message-price': '0.03330000', network: '26201' }] };
const failure = (status: string, text: string) => ({ 'message-count': '1', messages: [{ status, 'error-text': text }] });

beforeEach(async () => {
  stub = await startStub({ status: 200, body: ok });
  settings = { api_key: 'abcd1234', api_secret: 'secret-0123', signature_secret: 'sig-secret-0123456789', signature_method: 'sha256', api_url: stub.url };
});
afterEach(() => stub.close());

describe('Vonage SMS API', () => {
  it('POSTs the documented form to /sms/json', async () => {
    expect((await sendWith(vonageProvider, settings)).providerMessageId).toBe('0A0000000123ABCD1');
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/sms/json');
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form(req!.body)).toEqual({
      api_key: 'abcd1234', api_secret: 'secret-0123', from: 'Acme', to: '4915112345678', text: SMS.body, type: 'text',
      'client-ref': SMS.messageId, callback: SMS.callbackUrl,
    });
  });

  it('sends UCS-2 text as type=unicode, and asks no receipt it could not verify', async () => {
    await sendWith(vonageProvider, { ...settings, signature_secret: '' }, { body: '123456 — код' });
    expect(form(stub.requests[0]!.body)).toMatchObject({ type: 'unicode' });
    expect(form(stub.requests[0]!.body).callback).toBeUndefined();
  });

  it.each([
    ['1', 'Throttled', true],
    ['5', 'Internal Error', true],
    ['3', 'Invalid value for parameter: to', false],
    ['4', 'Bad Credentials', false],
    ['29', 'Non White-listed Destination - rejected', false],
  ])('maps status %s to {code, retryable}', async (status, text, retryable) => {
    stub.answer({ status: 200, body: failure(status, text) });
    const error = await sendError(vonageProvider, settings);
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: `vonage_${status}`, retryable });
  });

  it('treats an HTTP 5xx as retryable', async () => {
    stub.answer({ status: 503, body: 'unavailable' });
    expect((await sendError(vonageProvider, settings)).retryable).toBe(true);
  });

  describe('signed delivery receipts (H5)', () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0);
    const dlr = (overrides: Record<string, string> = {}) => {
      const params: Record<string, string> = {
        msisdn: '4915112345678', to: 'Acme', 'network-code': '26201', messageId: '0A0000000123ABCD1', price: '0.03330000',
        status: 'delivered', scts: '2611251200', 'err-code': '0', 'api-key': 'abcd1234', 'client-ref': SMS.messageId,
        'message-timestamp': '2026-11-25 12:00:00', timestamp: String(now / 1000 - 10), nonce: 'a-nonce', ...overrides,
      };
      return { ...params, sig: vonageSignature(params, 'sig-secret-0123456789', 'sha256') };
    };

    it('accepts a signed receipt and maps its status', async () => {
      expect(await receiptWith(vonageProvider, settings, { method: 'GET', query: dlr(), now })).toEqual({ accepted: true, status: 'delivered', errorCode: null, providerMessageId: '0A0000000123ABCD1' });
      expect(await receiptWith(vonageProvider, settings, { query: dlr({ status: 'failed', 'err-code': '6' }), now })).toMatchObject({ status: 'undelivered', errorCode: 'vonage_dlr_6' });
    });

    it('accepts md5hash signatures (the dashboard default)', async () => {
      const params = { messageId: 'X', status: 'delivered', timestamp: String(now / 1000) };
      const query = { ...params, sig: vonageSignature(params, 'sig-secret-0123456789', 'md5hash') };
      expect((await receiptWith(vonageProvider, { ...settings, signature_method: 'md5hash' }, { query, now })).accepted).toBe(true);
    });

    it('refuses a missing, wrong or stale signature and a tampered status', async () => {
      const { sig: _sig, ...unsigned } = dlr();
      expect((await receiptWith(vonageProvider, settings, { query: unsigned, now })).accepted).toBe(false);
      expect((await receiptWith(vonageProvider, settings, { query: { ...dlr(), status: 'failed' }, now })).accepted).toBe(false);
      expect((await receiptWith(vonageProvider, { ...settings, signature_secret: 'another-secret-000' }, { query: dlr(), now })).accepted).toBe(false);
      expect((await receiptWith(vonageProvider, settings, { query: dlr({ timestamp: String(now / 1000 - 3600) }), now })).accepted).toBe(false);
      expect((await receiptWith(vonageProvider, { ...settings, signature_secret: '' }, { query: dlr(), now })).accepted).toBe(false);
    });
  });
});
