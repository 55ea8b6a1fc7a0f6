import type { Database } from 'better-sqlite3';
import type { GroupCommit } from '../store/sqlite/group-commit.js';
import { CounterLimiter } from './counters.limiter.js';
import type { Counter, CounterPersistence } from './counters.limiter.js';

/** The table that migration 50 creates: key, points, expire (epoch ms). */
export const SQLITE_LIMITS_TABLE = 'limit_counters';

/** Rows were written by rate-limiter-flexible with this prefix; kept, so counts survive the upgrade. */
const KEY_PREFIX = 'otpgate:';

const SWEEP_EVERY_MS = 5 * 60_000;

/**
 * The embedded store's limiter: counters in memory (CounterLimiter), written to the store's own
 * SQLite file at most a second apart and at shutdown, in the store's group commit (so the write
 * shares a commit with requests instead of taking one of its own), and read back when used.
 */
export function createSqliteLimiter(db: Database, group?: GroupCommit, flushMs = 1000): CounterLimiter {
  const sweep = setInterval(() => {
    if (db.open) db.prepare(`DELETE FROM ${SQLITE_LIMITS_TABLE} WHERE expire < ?`).run(Date.now() - 3_600_000);
  }, SWEEP_EVERY_MS);
  sweep.unref();
  const read = db.prepare(`SELECT points, expire FROM ${SQLITE_LIMITS_TABLE} WHERE key = ? AND expire > ?`);
  const persistence: CounterPersistence = {
    get(key, now) {
      const row = read.get(KEY_PREFIX + key, now) as { points: number; expire: number } | undefined;
      return row ? { points: Number(row.points), expire: Number(row.expire) } : undefined;
    },
    async save(changes) {
      if (!db.open) return;
      const upsert = db.prepare(`INSERT INTO ${SQLITE_LIMITS_TABLE} (key, points, expire) VALUES (?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET points = excluded.points, expire = excluded.expire`);
      const remove = db.prepare(`DELETE FROM ${SQLITE_LIMITS_TABLE} WHERE key = ?`);
      const write = () => {
        for (const [key, counter] of changes as ReadonlyArray<[string, Counter | null]>) {
          if (counter) upsert.run(KEY_PREFIX + key, counter.points, counter.expire);
          else remove.run(KEY_PREFIX + key);
        }
      };
      if (group) await group.write(() => db.transaction(write)());
      else db.transaction(write)();
    },
  };
  const limiter = new CounterLimiter({ persistence, flushMs });
  const close = limiter.close.bind(limiter);
  limiter.close = async () => {
    clearInterval(sweep);
    await close();
  };
  return limiter;
}
