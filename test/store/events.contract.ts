import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CodeVault } from '../../src/core/code-vault.js';
import { EventFactory } from '../../src/core/events.js';
import type { EventRecord } from '../../src/core/events.js';
import type { WebhookEndpointRecord } from '../../src/core/events.ports.js';
import { newId } from '../../src/core/ids.js';
import type { VerificationRecord } from '../../src/core/model.js';
import { noopMetrics } from '../../src/core/ports.js';
import type { Store } from '../../src/core/ports.js';
import { cryptoRandom } from '../../src/core/random.js';
import { ExpirySweeper } from '../../src/delivery/expiry-sweeper.js';
import { until } from '../helpers/wait.js';
import { FakeClock, live, recordFactory, test as testScope, testVault } from './store.records.js';
import type { StoreFixture } from './store.contract.js';

/**
 * The event and webhook half of the Store contract (EventStore, WebhookStore and the `events`
 * of state-changing writes), run on every backend. `peer()` is a second instance on the same
 * database.
 */
export function eventStoreContract(name: string, open: (vault: CodeVault) => Promise<StoreFixture>, skip = false): void {
  describe.skipIf(skip)(`Event store contract: ${name}`, () => {
    let fx: StoreFixture;
    let store: Store;
    let peer: Store;
    let clock: FakeClock;
    let make: ReturnType<typeof recordFactory>;
    let factory: EventFactory;
    let serviceId: string;

    beforeEach(async () => {
      clock = new FakeClock();
      make = recordFactory(clock);
      factory = new EventFactory(clock, cryptoRandom);
      fx = await open(testVault());
      store = fx.store;
      peer = await fx.peer();
      const service = make.service();
      await store.createService(service);
      serviceId = service.id;
    });
    afterEach(async () => fx.cleanup());

    const verification = (expiresInMs = 300_000): VerificationRecord => make.verification(serviceId, { expiresAt: clock.now() + expiresInMs });
    const events = async () => (await store.listEvents(live(serviceId), { limit: 1000 })) ?? [];
    const endpoint = (overrides: Partial<WebhookEndpointRecord> = {}): WebhookEndpointRecord => ({
      id: newId('whe', clock, cryptoRandom), serviceId, mode: 'live', url: 'http://127.0.0.1:9/', description: null, eventTypes: [], enabled: true,
      disabledReason: null, secretSealed: Buffer.alloc(40), previousSecretSealed: null, previousSecretExpiresAt: null,
      createdAt: clock.now(), updatedAt: clock.now(), ...overrides,
    });

    it('a failing event write rolls its state change back', async () => {
      const v = verification();
      await store.createVerification(v, null, factory.verification('verification.created')(v));
      const [created] = await events();
      const duplicate: EventRecord = { ...created!, createdAt: clock.now() };
      await expect(store.finishVerification(v.id, 'canceled', clock.now(), () => [duplicate])).rejects.toThrow();
      expect((await store.getVerification(live(serviceId), v.id))?.status).toBe('pending');
      await expect(store.recordCheck(v, true, clock.now(), () => [duplicate])).rejects.toThrow();
      expect((await store.getVerification(live(serviceId), v.id))?.attempts).toBe(0);
      const other = verification();
      await expect(store.createVerification(other, null, [duplicate])).rejects.toThrow();
      expect(await store.getVerification(live(serviceId), other.id)).toBeNull();
      expect(await events()).toHaveLength(1);
    });

    it('writes no event when the conditional update did not apply; one approval of 20 concurrent checks writes one event', async () => {
      const v = verification();
      await store.createVerification(v, null);
      expect(await store.finishVerification(v.id, 'canceled', clock.now(), factory.verification('verification.canceled'))).toBe(true);
      expect(await peer.finishVerification(v.id, 'canceled', clock.now(), factory.verification('verification.canceled'))).toBe(false);
      expect(await peer.recordCheck(v, true, clock.now(), factory.verificationOutcome())).toBeNull();
      expect((await events()).map((e) => e.type)).toEqual(['verification.canceled']);

      const w = verification();
      await store.createVerification(w, null);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? peer : store).recordCheck(w, true, clock.now(), factory.verificationOutcome())));
      expect(results.filter((r) => r?.status === 'approved')).toHaveLength(1);
      expect((await events()).filter((e) => e.type === 'verification.approved')).toHaveLength(1);
    });

    it('says when event writes queued deliveries (the hint that wakes the webhook worker)', async () => {
      store.takeQueuedDeliveries();
      await store.appendEvents([factory.create(live(serviceId), 'quota.warning', { n: 1 })]);
      expect(store.takeQueuedDeliveries()).toBe(false); // no endpoint: nothing to wake for
      await store.createWebhookEndpoint(endpoint({ eventTypes: ['verification.approved'] }));
      await store.appendEvents([factory.create(live(serviceId), 'quota.warning', { n: 2 })]);
      expect(store.takeQueuedDeliveries()).toBe(false); // no endpoint wants this type
      await store.createWebhookEndpoint(endpoint());
      await store.appendEvents([factory.create(live(serviceId), 'quota.warning', { n: 3 })]);
      expect(store.takeQueuedDeliveries()).toBe(true);
      expect(store.takeQueuedDeliveries()).toBe(false); // taken
    });

    it('lists newest first and catches up oldest first in commit order, per service', async () => {
      const written = Array.from({ length: 5 }, (_, i) => factory.create(live(serviceId), 'quota.warning', { n: i }));
      for (const e of written) await store.appendEvents([e]);
      const newest = (await store.listEvents(live(serviceId), { limit: 2 }))!;
      expect(newest.map((e) => e.data.n)).toEqual([4, 3]);
      expect((await store.listEvents(live(serviceId), { limit: 10, before: newest[1]!.id }))!.map((e) => e.data.n)).toEqual([2, 1, 0]);
      // PostgreSQL lists an event once every older writing transaction on the server has ended
      // (another test file may hold one open for a moment): wait for all three, then check the order.
      const caughtUp = await until(async () => {
        const listed = (await peer.listEvents(live(serviceId), { limit: 10, after: written[1]!.id }))!.map((e) => e.data.n);
        return listed.length === 3 ? listed : undefined;
      });
      expect(caughtUp).toEqual([2, 3, 4]);
      expect(await store.listEvents(live('svc_00000000000000000000000000'), { limit: 10, after: written[1]!.id })).toBeNull();
    });

    it('fans an event out to matching enabled endpoints; two instances lease disjoint deliveries; a dead owner is taken over', async () => {
      await store.createWebhookEndpoint(endpoint());
      await store.createWebhookEndpoint(endpoint({ eventTypes: ['verification.approved'] }));
      await store.createWebhookEndpoint(endpoint({ enabled: false }));
      await store.appendEvents(Array.from({ length: 10 }, () => factory.create(live(serviceId), 'quota.warning', { used: 90 })));
      // Live instances: a lease whose owner has no record is taken over at once (see the last step).
      for (const id of ['owner-a', 'owner-b', 'owner-b2', 'owner-c']) await store.registerInstance({ id, host: 'test-host', pid: 1, startedAt: clock.now() }, []);
      const [fromA, fromB] = await Promise.all([
        store.claimDueDeliveries(clock.now(), 6, 30_000, 'owner-a'),
        peer.claimDueDeliveries(clock.now(), 6, 120_000, 'owner-b'),
      ]);
      const ids = [...fromA, ...fromB].map((j) => j.delivery.id);
      expect(ids).toHaveLength(10);
      expect(new Set(ids).size).toBe(10);
      expect(await store.claimDueDeliveries(clock.now(), 10, 30_000, 'owner-c')).toEqual([]);

      clock.advance(30_000); // A died: its leases ran out, B's did not
      const takenOver = await peer.claimDueDeliveries(clock.now(), 10, 30_000, 'owner-b2');
      expect(takenOver.map((j) => j.delivery.id).sort()).toEqual(fromA.map((j) => j.delivery.id).sort());
      const job = fromA[0]!;
      const attempt = {
        id: newId('wha', clock, cryptoRandom), deliveryId: job.delivery.id, endpointId: job.endpoint.id, eventId: job.event.id,
        eventType: job.event.type, attempt: 1, statusCode: 200, latencyMs: 5, error: null, createdAt: clock.now(),
      };
      expect(await store.completeDeliveryAttempt(job.delivery.id, { owner: 'owner-a', until: job.delivery.leaseUntil }, { attempt, status: 'succeeded' }, clock.now())).toBe(false);
      clock.advance(1); // attempt ids sort by time; the log is newest first
      const retry = { ...attempt, id: newId('wha', clock, cryptoRandom), statusCode: 410, error: 'http_410' };
      expect(await peer.completeDeliveryAttempt(job.delivery.id, { owner: 'owner-b2', until: takenOver.find((t) => t.delivery.id === job.delivery.id)!.delivery.leaseUntil }, { attempt: retry, status: 'failed', disableEndpoint: 'gone' }, clock.now())).toBe(true);
      const disabled = await store.getWebhookEndpoint(live(serviceId), job.endpoint.id);
      expect(disabled).toMatchObject({ enabled: false, disabledReason: 'gone' });
      const log = await store.listWebhookAttempts(live(serviceId), job.endpoint.id, { limit: 10 });
      expect(log.data.map((a) => a.statusCode)).toEqual([410, 200]);
      // A lease given back unused is pending again for anyone; only its holder can give it back.
      const [kept] = fromB;
      expect(await store.releaseDelivery(kept!.delivery.id, { owner: 'owner-a', until: kept!.delivery.leaseUntil }, clock.now())).toBe(false);
      expect(await store.releaseDelivery(kept!.delivery.id, { owner: 'owner-b', until: kept!.delivery.leaseUntil }, clock.now())).toBe(true);
      const retaken = await store.claimDueDeliveries(clock.now(), 10, 30_000, 'owner-c');
      expect(retaken.map((j) => j.delivery.id)).toEqual([kept!.delivery.id]);
      fromB.shift();
      // B's leases run for another minute, but B died and its successor removed its record: C takes them now.
      await store.removeInstance('owner-b');
      const fromDeadB = await store.claimDueDeliveries(clock.now(), 10, 30_000, 'owner-c');
      expect(fromDeadB.map((j) => j.delivery.id).sort()).toEqual(fromB.map((j) => j.delivery.id).sort());
    });

    it('keeps events and endpoints in their mode (T1): lists, lookups, cursors, fan-out and the delivery log', async () => {
      const [liveWorld, testWorld] = [live(serviceId), testScope(serviceId)];
      const liveEndpoint = endpoint();
      const testEndpoint = endpoint({ mode: 'test' });
      await store.createWebhookEndpoint(liveEndpoint);
      await store.createWebhookEndpoint(testEndpoint);
      const liveEvent = factory.create(liveWorld, 'quota.warning', { n: 1 });
      const testEvent = factory.create(testWorld, 'quota.warning', { n: 2 });
      await store.appendEvents([liveEvent, testEvent]);

      expect((await store.listEvents(liveWorld, { limit: 10 }))!.map((e) => e.id)).toEqual([liveEvent.id]);
      expect((await store.listEvents(testWorld, { limit: 10 }))!.map((e) => [e.id, e.mode])).toEqual([[testEvent.id, 'test']]);
      expect(await store.getEvent(liveWorld, testEvent.id)).toBeNull();
      expect(await store.getEvent(testWorld, liveEvent.id)).toBeNull();
      // An event of the other world is no cursor: it answers like an unknown one.
      expect(await store.listEvents(liveWorld, { limit: 10, after: testEvent.id })).toBeNull();
      expect(await store.listEvents(testWorld, { limit: 10, before: liveEvent.id })).toBeNull();

      expect(await store.getWebhookEndpoint(liveWorld, testEndpoint.id)).toBeNull();
      expect((await store.listWebhookEndpoints(testWorld)).map((e) => [e.id, e.mode])).toEqual([[testEndpoint.id, 'test']]);
      expect((await store.listWebhookEndpoints(liveWorld)).map((e) => e.id)).toEqual([liveEndpoint.id]);
      expect(await store.updateWebhookEndpoint(liveWorld, testEndpoint.id, { enabled: false }, clock.now())).toBeNull();
      expect(await store.rotateWebhookSecret(liveWorld, testEndpoint.id, Buffer.alloc(40), null, null, clock.now())).toBeNull();
      expect(await store.deleteWebhookEndpoint(liveWorld, testEndpoint.id)).toBe(false);
      expect(await store.getWebhookEndpoint(testWorld, testEndpoint.id)).toMatchObject({ enabled: true });

      // Each event went to the endpoint of its own mode only.
      const jobs = await store.claimDueDeliveries(clock.now(), 10, 30_000, 'owner');
      expect(jobs.map((j) => `${j.event.id}>${j.endpoint.id}`).sort()).toEqual([`${liveEvent.id}>${liveEndpoint.id}`, `${testEvent.id}>${testEndpoint.id}`].sort());
      const job = jobs.find((j) => j.endpoint.id === testEndpoint.id)!;
      const attempt = {
        id: newId('wha', clock, cryptoRandom), deliveryId: job.delivery.id, endpointId: job.endpoint.id, eventId: job.event.id,
        eventType: job.event.type, attempt: 1, statusCode: 200, latencyMs: 5, error: null, createdAt: clock.now(),
      };
      await store.completeDeliveryAttempt(job.delivery.id, { owner: 'owner', until: job.delivery.leaseUntil }, { attempt, status: 'succeeded' }, clock.now());
      expect((await store.listWebhookAttempts(testWorld, testEndpoint.id, { limit: 10 })).data.map((a) => a.id)).toEqual([attempt.id]);
      expect((await store.listWebhookAttempts(liveWorld, testEndpoint.id, { limit: 10 })).data).toEqual([]);
    });

    it('purges old events with their deliveries and log, but not one still being delivered', async () => {
      await store.createWebhookEndpoint(endpoint());
      const old = [factory.create(live(serviceId), 'quota.warning', { n: 1 }), factory.create(live(serviceId), 'quota.warning', { n: 2 })];
      await store.appendEvents(old);
      const [job] = await store.claimDueDeliveries(clock.now(), 1, 60_000, 'owner');
      const attempt = {
        id: newId('wha', clock, cryptoRandom), deliveryId: job!.delivery.id, endpointId: job!.endpoint.id, eventId: job!.event.id,
        eventType: job!.event.type, attempt: 1, statusCode: 200, latencyMs: 5, error: null, createdAt: clock.now(),
      };
      await store.completeDeliveryAttempt(job!.delivery.id, { owner: 'owner', until: job!.delivery.leaseUntil }, { attempt, status: 'succeeded' }, clock.now());
      clock.advance(86_400_000);
      const fresh = factory.create(live(serviceId), 'quota.warning', { n: 3 });
      await store.appendEvents([fresh]);
      const counts = await store.purgeBatch(clock.now() - 1000, 100);
      expect(counts.events).toBe(1); // the delivered one; the other is still pending
      const kept = [...old, fresh].filter((e) => e.id !== job!.event.id).map((e) => e.id).sort();
      expect((await events()).map((e) => e.id).sort()).toEqual(kept);
      expect(await store.listWebhookAttempts(live(serviceId), job!.endpoint.id, { limit: 10 })).toEqual({ data: [], nextCursor: null });
    });

    it('expires each due verification once across two instances, in bounded batches, with one event each', async () => {
      const due = Array.from({ length: 25 }, () => verification(1_000));
      for (const v of due) await store.createVerification(v, null);
      const fresh = verification(600_000);
      await store.createVerification(fresh, null);
      clock.advance(1_000);
      const logger = pino({ level: 'silent' });
      const sweep = (s: Store) => new ExpirySweeper({ store: s, clock, events: factory, metrics: noopMetrics, logger }, { batchSize: 5, maxBatches: 3 }).sweep();
      const counts = await Promise.all([sweep(store), sweep(peer)]);
      expect(Math.max(...counts)).toBeLessThanOrEqual(15); // bounded: 3 batches of 5
      expect(counts[0]! + counts[1]!).toBe(25);
      expect(await sweep(store)).toBe(0);
      const expired = (await events()).filter((e) => e.type === 'verification.expired');
      expect(expired.map((e) => e.data.id).sort()).toEqual(due.map((v) => v.id).sort());
      expect((await store.getVerification(live(serviceId), fresh.id))?.status).toBe('pending');
    });
  });
}
