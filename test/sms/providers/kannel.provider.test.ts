import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kannelProvider } from '../../../src/sms/providers/kannel.provider.js';
import { receiptWith, sendError, sendWith, SMS } from '../../helpers/providers.js';
import { startStub } from '../../helpers/stub-server.js';
import type { StubServer } from '../../helpers/stub-server.js';

let stub: StubServer;
let settings: Record<string, string>;
beforeEach(async () => {
  stub = await startStub({ status: 202, body: '0: Accepted for delivery' });
  settings = { url: stub.url, username: 'otp', password: 'pw', dlr_secret: 'dlr-secret-0123456789', smsc: 'smpp-main' };
});
afterEach(() => stub.close());

describe('Kannel sendsms', () => {
  it('GETs /cgi-bin/sendsms with the documented parameters and a dlr-url carrying the secret', async () => {
    await sendWith(kannelProvider, settings);
    const [req] = stub.requests;
    expect(req!.method).toBe('GET');
    const url = new URL(req!.url, stub.url);
    expect(url.pathname).toBe('/cgi-bin/sendsms');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      username: 'otp', password: 'pw', to: SMS.to, text: SMS.body, charset: 'UTF-8', from: 'Acme', smsc: 'smpp-main',
      'dlr-mask': '27', 'dlr-url': `${SMS.callbackUrl}?secret=dlr-secret-0123456789&type=%d&answer=%A`,
    });
  });

  it('asks for UCS-2 (coding=2) outside GSM-7', async () => {
    await sendWith(kannelProvider, settings, { body: '123456 — 您的验证码' });
    expect(new URL(stub.requests[0]!.url, stub.url).searchParams.get('coding')).toBe('2');
  });

  it.each([
    [202, '3: Queued for later delivery', null],
    [403, 'Authorization failed for sendsms', { code: 'kannel_http_403', retryable: false }],
    [400, 'Sender missing and no global set, rejected', { code: 'kannel_http_400', retryable: false }],
    [503, 'Temporal failure, try again later.', { code: 'kannel_http_503', retryable: true }],
  ])('answers %i %j', async (status, body, expected) => {
    stub.answer({ status, body });
    if (expected === null) expect(await sendWith(kannelProvider, settings)).toEqual({ providerMessageId: null });
    else expect(await sendError(kannelProvider, settings)).toMatchObject(expected);
  });

  it('reads DLR types and refuses a receipt without the secret (H5)', async () => {
    const q = (type: string, secret = 'dlr-secret-0123456789') => ({ method: 'GET', query: { secret, type, answer: 'id:1 sub:001 dlvrd:001 stat:UNDELIV err:034' } });
    expect(await receiptWith(kannelProvider, settings, q('1'))).toMatchObject({ accepted: true, status: 'delivered' });
    expect(await receiptWith(kannelProvider, settings, q('2'))).toMatchObject({ accepted: true, status: 'undelivered', errorCode: 'kannel_err_034' });
    expect(await receiptWith(kannelProvider, settings, q('8'))).toMatchObject({ accepted: true, status: null });
    expect((await receiptWith(kannelProvider, settings, q('1', 'wrong'))).accepted).toBe(false);
    expect((await receiptWith(kannelProvider, settings, { query: { type: '1' } })).accepted).toBe(false);
    expect((await receiptWith(kannelProvider, { ...settings, dlr_secret: '' }, q('1'))).accepted).toBe(false);
  });
});
