import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventFactory } from '../../src/core/events.js';
import { cryptoRandom } from '../../src/core/random.js';
import type { Store } from '../../src/core/ports.js';
import { PostgresStore } from '../../src/store/postgres/postgres.store.js';
import { createTestDatabase } from '../helpers/postgres.js';
import type { TestDatabase } from '../helpers/postgres.js';
import { skipUnless, tcpReachable } from '../helpers/services.js';
import { until } from '../helpers/wait.js';
import { eventStoreContract } from './events.contract.js';
import { storeContract } from './store.contract.js';
import type { StoreFixture } from './store.contract.js';
import { FakeClock, live, recordFactory, testVault } from './store.records.js';
import type { CodeVault } from '../../src/core/code-vault.js';

const skip = skipUnless(await tcpReachable(5432));
let db: TestDatabase;
beforeAll(async () => {
  if (!skip) db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

// One fresh database per run, one fresh schema per test: a clean slate without a CREATE DATABASE each time.
const open = async (vault: CodeVault): Promise<StoreFixture> => {
  const url = await db.schemaUrl(`t_${randomBytes(5).toString('hex')}`);
  const store = new PostgresStore({ connectionString: url, vault, poolMax: 5 });
  await store.migrate();
  const peers: Store[] = [];
  return {
    store,
    async peer() {
      const peer = new PostgresStore({ connectionString: url, vault, poolMax: 5 });
      peers.push(peer);
      return peer;
    },
    async cleanup() {
      for (const p of [store, ...peers]) await p.close();
    },
  };
};

storeContract('PostgreSQL', open, skip);
eventStoreContract('PostgreSQL', open, skip);

/**
 * Event writers no longer serialize (no per-service lock), so sequence numbers can commit out
 * of order; a catch-up must still never list a later commit before an event it has not shown
 * yet. Here transaction A writes an event and stays open while B writes one and commits: B's
 * event must be withheld until A ends, and then come after A's.
 */
describe.skipIf(skip)('PostgreSQL events: catch-up in commit order without a lock', () => {
  it('withholds events of transactions that started after one still running', async () => {
    const url = await db.schemaUrl(`t_${randomBytes(5).toString('hex')}`);
    const store = new PostgresStore({ connectionString: url, vault: testVault(), poolMax: 5 });
    const a = new pg.Client({ connectionString: url });
    const b = new pg.Client({ connectionString: url });
    try {
      await store.migrate();
      const clock = new FakeClock();
      const service = recordFactory(clock).service();
      await store.createService(service);
      const factory = new EventFactory(clock, cryptoRandom);
      const first = factory.create(live(service.id), 'quota.warning', { n: 0 });
      await store.appendEvents([first]);
      await Promise.all([a.connect(), b.connect()]);
      const insert = (client: pg.Client, n: number) => {
        const e = factory.create(live(service.id), 'quota.warning', { n });
        return client.query('INSERT INTO events (id, service_id, mode, type, data, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [e.id, e.serviceId, e.mode, e.type, JSON.stringify(e.data), e.createdAt]);
      };
      const caughtUp = async () => (await store.listEvents(live(service.id), { limit: 10, after: first.id }))!.map((e) => e.data.n);

      await a.query('BEGIN');
      await insert(a, 1); // A draws its seq first and stays open
      await b.query('BEGIN');
      await insert(b, 2);
      await b.query('COMMIT'); // B commits first, with the larger seq
      expect(await caughtUp()).toEqual([]); // B's event must not be listed before A's is decided
      await a.query('COMMIT');
      // Listed once every older writing transaction on the server has ended (other test files
      // may have one open right now), and then in commit-safe order: A's before B's.
      const seenOnTheWay: unknown[][] = [];
      const listed = await until(async () => {
        const seen = await caughtUp();
        seenOnTheWay.push(seen);
        return seen.length === 2 ? seen : undefined;
      }, 15_000);
      expect(listed).toEqual([1, 2]);
      for (const seen of seenOnTheWay) expect(seen).toEqual([1, 2].slice(0, seen.length)); // never B before A
      // Newest first (browsing) is unaffected.
      expect((await store.listEvents(live(service.id), { limit: 10 }))!.map((e) => e.data.n)).toEqual([2, 1, 0]);
    } finally {
      await Promise.all([a.end().catch(() => {}), b.end().catch(() => {})]);
      await store.close();
    }
  });
});

describe.skipIf(skip)('PostgreSQL instance liveness', () => {
  it('is written on a connection of its own: a pool taken by statements waiting on a lock does not make a live instance look dead', async () => {
    const url = await db.schemaUrl(`t_${randomBytes(5).toString('hex')}`);
    const store = new PostgresStore({ connectionString: url, vault: testVault(), poolMax: 2 });
    await store.migrate();
    const instance = { id: `ins_${randomBytes(13).toString('hex')}`, host: 'test-host', pid: 1, startedAt: Date.now() };
    await store.registerInstance(instance, []);
    // Every connection of the main pool waits (here: on sleeps; in the review, on a locked table).
    const busy = Promise.all([1, 2].map(() => store.pool.query('SELECT pg_sleep(3)')));
    try {
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      await store.beatInstance(instance);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await busy;
      await store.close();
    }
  }, 20_000);
});
