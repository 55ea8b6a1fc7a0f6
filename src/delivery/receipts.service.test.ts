import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../core/model.js';
import type { ReceiptUpdate, Store } from '../core/ports.js';
import type { ProviderDefinition, ReceiptRequest } from '../sms/provider-types.js';
import { metaSignature } from '../sms/providers/whatsapp-cloud.provider.js';
import type { SmsRouter } from '../sms/sms-router.js';
import type { MessageStatusTracker } from './message-status.js';
import { ReceiptService } from './receipts.service.js';

const WHATSAPP: ProviderDefinition = { name: 'wa', type: 'whatsapp', settings: { phone_number_id: '106540352242922', access_token: 't', app_secret: 'app-secret', verify_token: 'verify' } };

/** Messages the fake store knows, by the vendor's id; what the tracker was asked to apply. */
function fixture(known: Record<string, string>) {
  const applied: Array<{ messageId: string; update: ReceiptUpdate }> = [];
  const message = (id: string) => ({ id, serviceId: 'svc_1', verificationId: 'ver_1', provider: 'wa' }) as MessageRecord;
  const store = {
    getMessage: async (id: string) => (Object.values(known).includes(id) ? message(id) : null),
    findMessageByProviderId: async (provider: string, providerId: string) => (provider === 'wa' && known[providerId] ? message(known[providerId]) : null),
    getVerification: async () => null,
  } as unknown as Store;
  const router = { instanceRouting: { providers: [WHATSAPP] }, definitionFor: async () => WHATSAPP } as unknown as SmsRouter;
  const status = {
    receipt: async (m: MessageRecord, update: ReceiptUpdate) => {
      applied.push({ messageId: m.id, update });
      return m;
    },
  } as unknown as MessageStatusTracker;
  const service = new ReceiptService(store, router, status, { now: () => 0 }, pino({ level: 'silent' }));
  return { service, applied };
}

function webhook(statuses: unknown[]): ReceiptRequest {
  const rawBody = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: { metadata: { phone_number_id: '106540352242922' }, statuses } }] }] });
  return { method: 'POST', url: 'https://otp.example.com/v1/dlr/wa', headers: { 'x-hub-signature-256': metaSignature('app-secret', rawBody) }, query: {}, rawBody, fields: JSON.parse(rawBody) as Record<string, unknown>, now: 0 };
}

describe('receipts that batch statuses or need an answer', () => {
  it('applies every status of a batched account-wide receipt, skipping unknown messages, and answers 200', async () => {
    const { service, applied } = fixture({ 'wamid.1': 'msg_1', 'wamid.3': 'msg_3' });
    const answer = await service.forInstanceProvider('wa', webhook([
      { id: 'wamid.1', status: 'delivered' },
      { id: 'wamid.2', status: 'delivered' },
      { id: 'wamid.3', status: 'failed', errors: [{ code: 131026 }] },
    ]));
    expect(answer).toEqual({ result: 'applied', reply: '' });
    expect(applied).toEqual([
      { messageId: 'msg_1', update: { status: 'delivered', errorCode: null, providerMessageId: 'wamid.1' } },
      { messageId: 'msg_3', update: { status: 'undelivered', errorCode: 'whatsapp_131026', providerMessageId: 'wamid.3' } },
    ]);
  });

  it('reads only the first status on a message\'s own URL: the rest are not about that message', async () => {
    const { service, applied } = fixture({ 'wamid.1': 'msg_1', 'wamid.3': 'msg_3' });
    await service.forMessage('wa', 'msg_1', webhook([{ id: 'wamid.1', status: 'read' }, { id: 'wamid.3', status: 'delivered' }]));
    expect(applied.map((a) => a.messageId)).toEqual(['msg_1']);
  });

  it('answers a handshake with its challenge, and refuses a forged batch without applying any of it', async () => {
    const { service, applied } = fixture({ 'wamid.1': 'msg_1' });
    const handshake: ReceiptRequest = { method: 'GET', url: 'https://otp.example.com/v1/dlr/wa', headers: {}, query: { 'hub.mode': 'subscribe', 'hub.verify_token': 'verify', 'hub.challenge': '1158201444' }, rawBody: '', fields: {}, now: 0 };
    expect(await service.forInstanceProvider('wa', handshake)).toEqual({ result: 'ignored', reply: '1158201444' });
    const forged = { ...webhook([{ id: 'wamid.1', status: 'delivered' }]), headers: { 'x-hub-signature-256': metaSignature('guess', '{}') } };
    await expect(service.forInstanceProvider('wa', forged)).rejects.toMatchObject({ code: 'receipt_refused' });
    expect(applied).toEqual([]);
  });
});
