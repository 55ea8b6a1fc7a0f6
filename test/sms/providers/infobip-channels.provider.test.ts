import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageContent } from '../../../src/core/ports.js';
import { infobipLanguage } from '../../../src/sms/providers/infobip.channels.js';
import { infobipProvider } from '../../../src/sms/providers/infobip.provider.js';
import { receiptWith, sendWith, SMS } from '../../helpers/providers.js';
import { startStub } from '../../helpers/stub-server.js';
import type { StubServer } from '../../helpers/stub-server.js';

const WHATSAPP: MessageContent = { channel: 'whatsapp', code: '123456', template: 'otpgate_verification', language: 'en' };
const SPEECH = 'Your Acme verification code is 1, 2, 3, 4, 5, 6. Again, your code is 1, 2, 3, 4, 5, 6.';
const CALL: MessageContent = { channel: 'call', speech: SPEECH, language: 'en-US', voice: null };
const SECRET = 'dlr-secret-0123456789';
const pending = (id: string) => ({ bulkId: '2034072219640523073', messages: [{ to: '4915112345678', messageCount: 1, messageId: id, status: { groupId: 1, groupName: 'PENDING', id: 7, name: 'PENDING_ENROUTE', description: 'Message sent to next instance' } }] });

let stub: StubServer;
let settings: Record<string, string>;
beforeEach(async () => {
  stub = await startStub({ status: 200, body: pending(SMS.messageId) });
  settings = { base_url: stub.url, api_key: 'ib-key-0123', dlr_secret: SECRET, whatsapp_from: '+441134960000', voice_from: '+441134960001' };
});
afterEach(() => stub.close());

describe('Infobip WhatsApp', () => {
  it('POSTs the authentication template to /whatsapp/1/message/template with App auth and our message id', async () => {
    expect((await sendWith(infobipProvider, settings, { content: WHATSAPP })).providerMessageId).toBe(SMS.messageId);
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/whatsapp/1/message/template');
    expect(req!.headers.authorization).toBe('App ib-key-0123');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body)).toEqual({ messages: [{
      from: '441134960000', to: '4915112345678', messageId: SMS.messageId,
      content: {
        templateName: 'otpgate_verification',
        templateData: { body: { placeholders: ['123456'] }, buttons: [{ type: 'URL', parameter: '123456' }] },
        language: 'en',
      },
      notifyUrl: `${SMS.callbackUrl}?secret=${SECRET}`,
    }] });
  });

  it('asks no report without a secret, and needs a WhatsApp sender', async () => {
    const { dlr_secret: _d, ...noSecret } = settings;
    await sendWith(infobipProvider, noSecret, { content: WHATSAPP });
    expect(JSON.parse(stub.requests[0]!.body).messages[0].notifyUrl).toBeUndefined();
    const { whatsapp_from: _w, ...noSender } = settings;
    await expect(sendWith(infobipProvider, noSender, { content: WHATSAPP })).rejects.toMatchObject({ code: 'provider_not_configured', retryable: false });
    expect(stub.requests).toHaveLength(1);
  });

  it('maps a REJECTED status and request errors', async () => {
    stub.answer({ status: 200, body: { messages: [{ to: '4915112345678', messageId: SMS.messageId, status: { groupId: 5, groupName: 'REJECTED', id: 52, name: 'REJECTED_DESTINATION', description: 'Invalid destination address' } }] } });
    await expect(sendWith(infobipProvider, settings, { content: WHATSAPP })).rejects.toMatchObject({ code: 'infobip_REJECTED_DESTINATION', retryable: false });
    stub.answer({ status: 400, body: { requestError: { serviceException: { messageId: 'BAD_REQUEST', text: 'Bad request' } } } });
    await expect(sendWith(infobipProvider, settings, { content: WHATSAPP })).rejects.toMatchObject({ code: 'infobip_BAD_REQUEST', retryable: false });
    stub.answer({ status: 429, body: { requestError: { serviceException: { messageId: 'TOO_MANY_REQUESTS', text: 'Too many requests' } } } });
    await expect(sendWith(infobipProvider, settings, { content: WHATSAPP })).rejects.toMatchObject({ code: 'infobip_TOO_MANY_REQUESTS', retryable: true });
  });
});

describe('Infobip voice (text to speech)', () => {
  it('POSTs the speech to /tts/3/advanced with the language, our message id and the report URL', async () => {
    expect((await sendWith(infobipProvider, settings, { content: CALL })).providerMessageId).toBe(SMS.messageId);
    const [req] = stub.requests;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/tts/3/advanced');
    expect(req!.headers.authorization).toBe('App ib-key-0123');
    expect(JSON.parse(req!.body)).toEqual({ messages: [{
      from: '441134960001', destinations: [{ to: '4915112345678', messageId: SMS.messageId }], text: SPEECH, language: 'en',
      notifyUrl: `${SMS.callbackUrl}?secret=${SECRET}`, notifyContentType: 'application/json',
    }] });
  });

  it('names the voice when given and leaves the caller id to Infobip without voice_from', async () => {
    const { voice_from: _v, ...rest } = settings;
    await sendWith(infobipProvider, rest, { content: { ...CALL, language: 'en-GB', voice: 'Emma' } });
    const message = JSON.parse(stub.requests[0]!.body).messages[0];
    expect(message).toMatchObject({ language: 'en-gb', voice: { name: 'Emma' } });
    expect(message.from).toBeUndefined();
  });

  it('maps BCP 47 tags to Infobip language codes', () => {
    expect(['en-US', 'en-GB', 'pt-BR', 'pt-PT', 'de-DE', 'de-AT', 'nb-NO', 'zh-CN', 'ja-JP', 'fil-PH'].map(infobipLanguage))
      .toEqual(['en', 'en-gb', 'pt-br', 'pt-pt', 'de', 'de-at', 'no', 'zh-cn', 'ja', 'fil-ph']);
  });

  it('maps request errors by status', async () => {
    stub.answer({ status: 401, body: { requestError: { serviceException: { messageId: 'UNAUTHORIZED', text: 'Invalid login details' } } } });
    await expect(sendWith(infobipProvider, settings, { content: CALL })).rejects.toMatchObject({ code: 'infobip_UNAUTHORIZED', retryable: false });
    stub.answer({ status: 500, body: { requestError: { serviceException: { messageId: 'GENERAL_ERROR', text: 'Something went wrong' } } } });
    await expect(sendWith(infobipProvider, settings, { content: CALL })).rejects.toMatchObject({ code: 'infobip_GENERAL_ERROR', retryable: true });
  });
});

describe('Infobip WhatsApp and voice reports (H5: the secret in the notify URL)', () => {
  const report = (group: string, error = 'NO_ERROR', extra: Record<string, unknown> = {}) => ({ results: [{
    bulkId: '2034072219640523073', messageId: SMS.messageId, to: '4915112345678', sentAt: '2026-11-25T12:00:00.000+0000', doneAt: '2026-11-25T12:00:20.000+0000',
    status: { groupId: 3, groupName: group, id: 5, name: `${group}_X`, description: '' }, error: { groupId: 0, groupName: 'OK', id: 0, name: error, permanent: false }, ...extra,
  }] });

  it('reads a WhatsApp report', async () => {
    expect(await receiptWith(infobipProvider, settings, { query: { secret: SECRET }, fields: report('DELIVERED', 'NO_ERROR', { channel: 'WHATSAPP' }) }))
      .toEqual({ accepted: true, status: 'delivered', errorCode: null, providerMessageId: SMS.messageId });
    expect(await receiptWith(infobipProvider, settings, { query: { secret: SECRET }, fields: report('REJECTED', 'EC_WHATSAPP_USER_NOT_FOUND') }))
      .toMatchObject({ status: 'failed', errorCode: 'infobip_EC_WHATSAPP_USER_NOT_FOUND' });
  });

  it('reads call reports: answered → delivered, no answer or busy → undelivered', async () => {
    const voiceCall = { voiceCall: { feature: 'Text-to-Speech', startTime: '2026-11-25T12:00:05.000+0000', answerTime: '2026-11-25T12:00:08.000+0000', endTime: '2026-11-25T12:00:20.000+0000', duration: 12 } };
    expect(await receiptWith(infobipProvider, settings, { query: { secret: SECRET }, fields: report('DELIVERED', 'NO_ERROR', voiceCall) }))
      .toEqual({ accepted: true, status: 'delivered', errorCode: null, providerMessageId: SMS.messageId });
    expect(await receiptWith(infobipProvider, settings, { query: { secret: SECRET }, fields: report('UNDELIVERABLE', 'EC_NO_ANSWER') }))
      .toMatchObject({ status: 'undelivered', errorCode: 'infobip_EC_NO_ANSWER' });
    expect(await receiptWith(infobipProvider, settings, { query: { secret: SECRET }, fields: report('UNDELIVERABLE', 'EC_USER_BUSY') }))
      .toMatchObject({ status: 'undelivered', errorCode: 'infobip_EC_USER_BUSY' });
  });

  it('refuses a report without the secret or with a wrong one', async () => {
    expect((await receiptWith(infobipProvider, settings, { query: { secret: 'forged-secret-000000' }, fields: report('DELIVERED') })).accepted).toBe(false);
    expect((await receiptWith(infobipProvider, settings, { fields: report('DELIVERED') })).accepted).toBe(false);
  });
});
