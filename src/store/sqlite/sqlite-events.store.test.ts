import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../test/helpers/fake-clock.js';
import { CodeVault } from '../../core/code-vault.js';
import { EventFactory } from '../../core/events.js';
import type { EventRecord } from '../../core/events.js';
import { newId } from '../../core/ids.js';
import type { VerificationRecord } from '../../core/model.js';
import { cryptoRandom } from '../../core/random.js';
import { ExpirySweeper } from '../../delivery/expiry-sweeper.js';
import { noopMetrics } from '../../core/ports.js';
import { SqliteStore } from './sqlite.store.js';

/** Events, deliveries and the sweep on the embedded store, with two stores sharing one file as two instances. */
let dir: string;
let a: SqliteStore;
let b: SqliteStore;
const clock = new FakeClock();
const factory = new EventFactory(clock, cryptoRandom);
const SERVICE = 'svc_0000000000000000000000000a';

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'otpgate-events-'));
  const vault = new CodeVault(cryptoRandom.bytes(32), cryptoRandom);
  a = new SqliteStore({ path: join(dir, 'db.sqlite'), vault });
  b = new SqliteStore({ path: join(dir, 'db.sqlite'), vault });
  await a.migrate();
  await a.createService({ id: SERVICE, settings: { name: 'Acme' } as never, createdAt: clock.now(), updatedAt: clock.now() });
});
afterEach(async () => {
  await a.close();
  await b.close();
  rmSync(dir, { recursive: true, force: true });
});

function verification(expiresInMs = 300_000): VerificationRecord {
  const now = clock.now();
  return {
    id: newId('ver', clock, cryptoRandom), serviceId: SERVICE, to: '+14155550123', country: 'US', channel: 'sms', status: 'pending', locale: 'en',
    codeDigest: Buffer.alloc(32), codeSealed: Buffer.alloc(40), contextDigest: 'x', attempts: 0, maxAttempts: 5, sendCount: 1, maxSends: 5,
    resendCooldownMs: 30_000, lastSendAt: now, expiresAt: now + expiresInMs, createdAt: now, updatedAt: now, isTest: false, clientIp: null,
  };
}

const events = async (store = a) => (await store.listEvents(SERVICE, { limit: 1000 })) ?? [];

describe('events share the transaction of their state change', () => {
  it('a failing event write rolls the state change back', async () => {
    const v = verification();
    await a.createVerification(v, null, factory.verification('verification.created')(v));
    const [created] = await events();
    const duplicate: EventRecord = { ...created!, createdAt: clock.now() };
    await expect(a.finishVerification(v.id, 'canceled', clock.now(), () => [duplicate])).rejects.toThrow();
    expect((await a.getVerification(SERVICE, v.id))?.status).toBe('pending');
    await expect(a.recordCheck(v.id, true, clock.now(), () => [duplicate])).rejects.toThrow();
    expect((await a.getVerification(SERVICE, v.id))?.attempts).toBe(0);
    const other = verification();
    await expect(a.createVerification(other, null, [duplicate])).rejects.toThrow();
    expect(await a.getVerification(SERVICE, other.id)).toBeNull();
    expect(await events()).toHaveLength(1);
  });

  it('no event when the conditional update did not apply', async () => {
    const v = verification();
    await a.createVerification(v, null);
    expect(await a.finishVerification(v.id, 'canceled', clock.now(), factory.verification('verification.canceled'))).toBe(true);
    expect(await b.finishVerification(v.id, 'canceled', clock.now(), factory.verification('verification.canceled'))).toBe(false);
    expect(await b.recordCheck(v.id, true, clock.now(), factory.verificationOutcome())).toBeNull();
    expect((await events()).map((e) => e.type)).toEqual(['verification.canceled']);
  });
});

describe('deliveries are leased by one instance at a time', () => {
  async function endpointWithDeliveries(count: number) {
    await a.createWebhookEndpoint({
      id: 'whe_0000000000000000000000000a', serviceId: SERVICE, url: 'http://127.0.0.1:9/', description: null, eventTypes: [], enabled: true,
      disabledReason: null, secretSealed: Buffer.alloc(40), previousSecretSealed: null, previousSecretExpiresAt: null, createdAt: clock.now(), updatedAt: clock.now(),
    });
    await a.appendEvents(Array.from({ length: count }, () => factory.create(SERVICE, 'quota.warning', { used: 90 })));
  }

  it('two instances claiming at once get disjoint deliveries; a dead owner\'s lease is taken over and its late write refused', async () => {
    await endpointWithDeliveries(10);
    const [fromA, fromB] = await Promise.all([a.claimDueDeliveries(clock.now(), 6, 30_000, 'owner-a'), b.claimDueDeliveries(clock.now(), 6, 120_000, 'owner-b')]);
    const ids = [...fromA, ...fromB].map((j) => j.delivery.id);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
    expect(await a.claimDueDeliveries(clock.now(), 10, 30_000, 'owner-c')).toEqual([]);

    clock.advance(30_000); // A died: its leases run out
    const takenOver = await b.claimDueDeliveries(clock.now(), 10, 30_000, 'owner-b2');
    expect(takenOver.map((j) => j.delivery.id).sort()).toEqual(fromA.map((j) => j.delivery.id).sort());
    const job = fromA[0]!;
    const attempt = {
      id: newId('wha', clock, cryptoRandom), deliveryId: job.delivery.id, endpointId: job.endpoint.id, eventId: job.event.id, eventType: job.event.type,
      attempt: 1, statusCode: 200, latencyMs: 5, error: null, createdAt: clock.now(),
    };
    expect(await a.completeDeliveryAttempt(job.delivery.id, 'owner-a', { attempt, status: 'succeeded' }, clock.now())).toBe(false);
    expect(await b.completeDeliveryAttempt(job.delivery.id, 'owner-b2', { attempt: { ...attempt, id: newId('wha', clock, cryptoRandom) }, status: 'succeeded' }, clock.now())).toBe(true);
  });
});

describe('expiry sweep', () => {
  it('expires each due verification once across two instances, in bounded batches, with one event each', async () => {
    const due = Array.from({ length: 25 }, () => verification(1_000));
    for (const v of due) await a.createVerification(v, null);
    const fresh = verification(600_000);
    await a.createVerification(fresh, null);
    clock.advance(1_000);
    const logger = pino({ level: 'silent' });
    const sweeperA = new ExpirySweeper({ store: a, clock, events: factory, metrics: noopMetrics, logger }, { batchSize: 5, maxBatches: 3 });
    const sweeperB = new ExpirySweeper({ store: b, clock, events: factory, metrics: noopMetrics, logger }, { batchSize: 5, maxBatches: 3 });
    const counts = await Promise.all([sweeperA.sweep(), sweeperB.sweep()]);
    expect(counts[0]).toBeLessThanOrEqual(15); // bounded: 3 batches of 5
    expect(counts[0] + counts[1]).toBe(25);
    expect(await sweeperA.sweep()).toBe(0);
    const expired = (await events()).filter((e) => e.type === 'verification.expired');
    expect(expired.map((e) => e.data.id).sort()).toEqual(due.map((v) => v.id).sort());
    expect(expired[0]!.data).toMatchObject({ status: 'expired' });
    expect((await a.getVerification(SERVICE, fresh.id))?.status).toBe('pending');
  });
});
