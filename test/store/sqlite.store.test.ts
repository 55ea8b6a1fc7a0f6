import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/core/ports.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import { eventStoreContract } from './events.contract.js';
import { storeContract } from './store.contract.js';
import type { StoreFixture } from './store.contract.js';
import type { CodeVault } from '../../src/core/code-vault.js';
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { cryptoRandom } from '../../src/core/random.js';
import { FakeClock, recordFactory, testVault } from './store.records.js';

// A file, not :memory:, so the "peer" is a second connection to the same database, as the CLI next to a server is.
const open = async (vault: CodeVault): Promise<StoreFixture> => {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-store-'));
  const path = join(dir, 'otpgate.db');
  const store = new SqliteStore({ path, vault });
  await store.migrate();
  const peers: Store[] = [];
  return {
  store,
  async peer() {
    const peer = new SqliteStore({ path, vault });
    peers.push(peer);
    return peer;
  },
  async cleanup() {
    for (const p of [store, ...peers]) await p.close();
    rmSync(dir, { recursive: true, force: true });
  },
  };
};

storeContract('SQLite', open);
eventStoreContract('SQLite', open);

/**
 * "Acknowledged only after commit" (R1) holds for the statements both SQL stores share too: a
 * write copied onto the SQLite store from the shared SQL modules must resolve after the batch
 * it joined has committed, never while it is still open.
 */
describe('SQLite group commit, decided per statement', () => {
  it('a write made in an open batch resolves only after that batch commits; a read opens none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-store-'));
    const store = new SqliteStore({ path: join(dir, 'otpgate.db'), vault: testVault() });
    try {
      await store.migrate();
      const clock = new FakeClock();
      const service = recordFactory(clock).service();
      await store.createService(service);
      const now = clock.now();
      const writes = {
        createRateLimit: () => store.createRateLimit({ id: newId('rlk', clock, cryptoRandom), serviceId: service.id, uniqueName: `n${now}`, description: null, createdAt: now, updatedAt: now }),
        putTemplate: () => store.putTemplate(service.id, 'en', 'Your code is {{code}}', now),
        createWebhookEndpoint: () => store.createWebhookEndpoint({
          id: newId('whe', clock, cryptoRandom), serviceId: service.id, mode: 'live', url: 'http://127.0.0.1:9/', description: null, eventTypes: [], enabled: true,
          disabledReason: null, secretSealed: Buffer.alloc(40), previousSecretSealed: null, previousSecretExpiresAt: null, createdAt: now, updatedAt: now,
        }),
      };
      for (const [name, write] of Object.entries(writes)) {
        const opener = store.setMeta(`k-${name}`, 'v'); // opens this turn's batch
        await write();
        expect(store.database.inTransaction, name).toBe(false);
        await opener;
      }
      // A read opens no write batch, whatever method runs it (it used to depend on a list of names).
      const reads = [
        store.findPrefixBlock(service.id, '+1415', now),
        store.getService(service.id),
        store.listAttempts({ serviceId: service.id, mode: 'live' }, {}, { limit: 5 }),
        store.getTemplate(service.id, 'en'),
      ];
      expect(store.database.inTransaction).toBe(false);
      await Promise.all(reads);
      // A write does, and commits at the end of the turn.
      const write = store.setMeta('after-reads', 'v');
      expect(store.database.inTransaction).toBe(true);
      await write;
      expect(store.database.inTransaction).toBe(false);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
