import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { Store } from '../../src/core/ports.js';
import { PostgresStore } from '../../src/store/postgres/postgres.store.js';
import { createTestDatabase } from '../helpers/postgres.js';
import type { TestDatabase } from '../helpers/postgres.js';
import { skipUnless, tcpReachable } from '../helpers/services.js';
import { eventStoreContract } from './events.contract.js';
import { storeContract } from './store.contract.js';
import type { StoreFixture } from './store.contract.js';
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
