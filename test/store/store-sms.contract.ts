import { expect, it } from 'vitest';
import { EventFactory } from '../../src/core/events.js';
import type { Store } from '../../src/core/ports.js';
import { cryptoRandom } from '../../src/core/random.js';
import { live } from './store.records.js';
import type { FakeClock, recordFactory } from './store.records.js';

interface Context {
  store: Store;
  clock: FakeClock;
  make: ReturnType<typeof recordFactory>;
}

/**
 * Contract cases for the SMS-delivery store methods (issue 4): delivery receipts, per-service
 * SMS settings and templates; run inside storeContract on every adapter.
 */
export function smsDeliveryCases(ctx: () => Context): void {
  const queued = async () => {
    const { store, make } = ctx();
    const service = make.service();
    await store.createService(service);
    const v = make.verification(service.id);
    const m = make.message(v);
    await store.createVerification(v, m);
    return { service, v, m };
  };
  const sent = async () => {
    const { store, clock } = ctx();
    const seeded = await queued();
    await store.updateMessage(seeded.m, { status: 'sent', provider: 'tw', providerMessageId: 'SM1' }, true, clock.now());
    return seeded;
  };

  it('finds a message by id and by its provider id, preferring the one still waiting for a receipt', async () => {
    const { store, clock } = ctx();
    const { m } = await sent();
    expect((await store.getMessage(m.id))?.status).toBe('sent');
    expect((await store.findMessageByProviderId('tw', 'SM1'))?.id).toBe(m.id);
    expect(await store.findMessageByProviderId('other', 'SM1')).toBeNull();
    // An older, finished message with the same vendor id (another account, an SMSC restart) loses.
    const second = await sent();
    await store.applyDeliveryReceipt(m.id, { status: 'delivered', errorCode: null }, clock.now());
    expect((await store.findMessageByProviderId('tw', 'SM1'))?.id).toBe(second.m.id);
  });

  it('moves a message forward only: sent → delivered, never back, never twice', async () => {
    const { store, clock } = ctx();
    const { m } = await sent();
    expect(await store.applyDeliveryReceipt(m.id, { status: 'sent', errorCode: null }, clock.now())).toBeNull();
    const undelivered = await store.applyDeliveryReceipt(m.id, { status: 'undelivered', errorCode: 'twilio_30003' }, clock.now());
    expect(undelivered).toMatchObject({ status: 'undelivered', errorCode: 'twilio_30003' });
    expect(await store.applyDeliveryReceipt(m.id, { status: 'delivered', errorCode: null }, clock.now())).toBeNull();
    // The worker's own late "sent" does not undo a receipt that came first.
    await store.updateMessage(m, { status: 'sent', provider: 'tw', providerMessageId: 'SM1' }, false, clock.now());
    expect((await store.getMessage(m.id))?.status).toBe('undelivered');
  });

  it('writes a send\'s outcome with its events, as its sender holds the message or after a receipt moved it', async () => {
    const { store, clock } = ctx();
    const events = new EventFactory(clock, cryptoRandom);
    const first = await queued();
    const [claimed] = await store.claimDueMessages(clock.now(), 10, 30_000, 'ins_a');
    expect(await store.updateMessage(claimed!, { status: 'sent', provider: 'tw', providerMessageId: 'SM7' }, true, clock.now(), events.message('message.sent'))).toBe(true);
    expect(await store.getMessage(first.m.id)).toMatchObject({ status: 'sent', attempts: 1, provider: 'tw', providerMessageId: 'SM7', leaseOwner: null });
    const written = (await store.listEvents(live(first.service.id), { limit: 10 }))!;
    expect(written.map((e) => [e.type, e.data.id, e.data.status, e.data.attempts, e.data.provider_message_id])).toEqual([['message.sent', first.m.id, 'sent', 1, 'SM7']]);
    // A fast gateway's receipt lands before the sender records 'sent': the receipt stays, and the event says what the row holds.
    const second = await queued();
    const [leased] = await store.claimDueMessages(clock.now(), 10, 30_000, 'ins_a');
    await store.applyDeliveryReceipt(second.m.id, { status: 'delivered', errorCode: null, providerMessageId: 'SM8' }, clock.now());
    expect(await store.updateMessage(leased!, { status: 'sent', provider: 'tw', providerMessageId: 'SM8' }, true, clock.now(), events.message('message.sent'))).toBe(true);
    expect(await store.getMessage(second.m.id)).toMatchObject({ status: 'delivered', attempts: 1, providerMessageId: 'SM8' });
    const after = (await store.listEvents(live(second.service.id), { limit: 10 }))!;
    expect(after.map((e) => [e.type, e.data.status])).toEqual([['message.sent', 'delivered']]);
  });

  it('keeps a receipt that arrives while the message is still being sent', async () => {
    const { store, clock } = ctx();
    const { m } = await queued();
    await store.claimDueMessages(clock.now(), 10, 30_000, 'ins_a');
    expect(await store.applyDeliveryReceipt(m.id, { status: 'delivered', errorCode: null, providerMessageId: 'K1' }, clock.now())).toMatchObject({ status: 'delivered', providerMessageId: 'K1' });
  });

  it('stores, replaces and deletes a service\'s sealed SMS settings, and deletes them with the service', async () => {
    const { store, make, clock } = ctx();
    const service = make.service();
    await store.createService(service);
    expect(await store.getSmsConfig(service.id)).toBeNull();
    await store.putSmsConfig(service.id, Buffer.from([1, 2, 3]), clock.now());
    await store.putSmsConfig(service.id, Buffer.from([4, 5]), clock.now());
    expect(await store.getSmsConfig(service.id)).toEqual(Buffer.from([4, 5]));
    expect(await store.deleteSmsConfig(service.id)).toBe(true);
    expect(await store.deleteSmsConfig(service.id)).toBe(false);
    await store.putSmsConfig(service.id, Buffer.from([6]), clock.now());
    await store.deleteService(service.id);
    expect(await store.getSmsConfig(service.id)).toBeNull();
  });

  it('stores templates per service and locale', async () => {
    const { store, make, clock } = ctx();
    const a = make.service('A');
    const b = make.service('B');
    await store.createService(a);
    await store.createService(b);
    await store.putTemplate(a.id, 'fr', 'Code : {code}', clock.now());
    await store.putTemplate(a.id, 'fr', 'Votre code : {code}', clock.now());
    await store.putTemplate(a.id, 'de', 'Code: {code}', clock.now());
    expect(await store.getTemplate(a.id, 'fr')).toBe('Votre code : {code}');
    expect(await store.getTemplate(b.id, 'fr')).toBeNull();
    expect(await store.listTemplates(a.id)).toEqual({ de: 'Code: {code}', fr: 'Votre code : {code}' });
    expect(await store.deleteTemplate(a.id, 'de')).toBe(true);
    expect(await store.deleteTemplate(a.id, 'de')).toBe(false);
    expect(await store.listTemplates(a.id)).toEqual({ fr: 'Votre code : {code}' });
  });
}
