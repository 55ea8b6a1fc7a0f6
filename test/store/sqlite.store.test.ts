import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/core/ports.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import { eventStoreContract } from './events.contract.js';
import { storeContract } from './store.contract.js';
import type { StoreFixture } from './store.contract.js';
import type { CodeVault } from '../../src/core/code-vault.js';

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
