import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';

/** Rule T6: the files that hold phone numbers and events are the service user's alone. */
describe('data files are private (T6)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'otpgate-files-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

  it('creates the data directory 0700 and the database, WAL and SHM files 0600', async () => {
    const dir = join(root, 'data');
    const db = join(dir, 'otpgate.db');
    const h = await createHarness({ databasePath: db });
    try {
      const svc = await h.service();
      const res = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550123' } });
      expect(res.statusCode).toBe(201);
      expect({ dir: mode(dir), db: mode(db), wal: mode(`${db}-wal`), shm: mode(`${db}-shm`) }).toEqual({ dir: '700', db: '600', wal: '600', shm: '600' });
      expect(h.logs.filter((l) => String(l.msg).includes('others may read'))).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('warns at start about an existing directory or database that others may read, and leaves it as it is', async () => {
    const dir = join(root, 'data');
    const db = join(dir, 'otpgate.db');
    await (await createHarness({ databasePath: db })).close();
    chmodSync(dir, 0o755);
    chmodSync(db, 0o644);
    const h = await createHarness({ databasePath: db });
    try {
      const warned = h.logs.filter((l) => l.level === 40 && String(l.msg).includes('others may read')).map((l) => [l.path, l.mode]);
      expect(warned).toEqual(expect.arrayContaining([[dir, '755'], [db, '644']]));
      expect(mode(db)).toBe('644');
    } finally {
      await h.close();
    }
  });
});
