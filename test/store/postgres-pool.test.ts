import { describe, expect, it } from 'vitest';
import { PgDatabase } from '../../src/store/postgres/postgres.pool.js';
import { POSTGRES_URL, skipUnless, tcpReachable } from '../helpers/services.js';

const skip = skipUnless(await tcpReachable(5432));

/** Only connects to the shared server: nothing is written, nothing is stopped. */
describe.skipIf(skip)('PgDatabase connections (R3)', () => {
  it('a connection the server drops while it is checked out, between statements, does not crash the process', async () => {
    const db = new PgDatabase({ connectionString: POSTGRES_URL, poolMax: 1 });
    try {
      // A connection as the pool hands it over, before tx() adds its own listener: what a database
      // shutdown sends then (57P01) is an 'error' event, which must have a listener to go to.
      const client = await db.pool.connect();
      const dropped = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01', severity: 'FATAL' });
      let unhandled: unknown = null;
      try {
        client.emit('error', dropped);
      } catch (error) {
        unhandled = error; // in a server process: an uncaught exception, the process exits
      } finally {
        client.release(true);
      }
      expect(unhandled).toBeNull();
      // The pool opens a fresh connection for the next statement.
      expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.end();
    }
  });

  it('commits verifications durably; only the counters\' pool skips the WAL flush wait (R1)', async () => {
    const db = new PgDatabase({ connectionString: POSTGRES_URL, poolMax: 2 });
    try {
      const setting = async (pool: typeof db.pool) => (await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit;
      expect(await setting(db.counterPool)).toBe('off');
      // Whatever the server's default, the store never turns it off for its own writes: a 201 is durable.
      expect(await setting(db.pool)).not.toBe('off');
    } finally {
      await db.end();
    }
  });
});
