import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../src/core/ports.js';
import { createMemoryLimiter } from '../../src/limits/memory.limiter.js';
import { createPostgresLimiter } from '../../src/limits/postgres.limiter.js';
import { createRedisLimiter } from '../../src/limits/redis.limiter.js';
import type { RedisLimiter } from '../../src/limits/redis.limiter.js';
import { createSqliteLimiter } from '../../src/limits/sqlite.limiter.js';
import { CounterLimiter } from '../../src/limits/counters.limiter.js';
import type { Counter, CounterPersistence } from '../../src/limits/counters.limiter.js';
import { GroupCommit } from '../../src/store/sqlite/group-commit.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { POSTGRES_URL, REDIS_URL, skipUnless, tcpReachable } from '../helpers/services.js';
import { limiterContract } from './limiter.contract.js';

describe('memory limiter', () => {
  const limiter = createMemoryLimiter();
  limiterContract(() => limiter);
});

describe('SQLite limiter (the store\'s own file)', () => {
  const db = new Database(':memory:');
  for (const m of SQLITE_MIGRATIONS) db.exec(m.sql);
  const limiter = createSqliteLimiter(db);
  afterAll(() => db.close());
  limiterContract(() => limiter);
});

describe('SQLite limiter sharing the store\'s group commit', () => {
  const db = new Database(':memory:');
  for (const m of SQLITE_MIGRATIONS) db.exec(m.sql);
  const limiter = createSqliteLimiter(db, new GroupCommit(db));
  afterAll(() => db.close());
  limiterContract(() => limiter);
});

describe('SQLite limiter: counters in memory, written at most a second apart', () => {
  it('keeps counts across a restart (written at close), and a crash forgets at most the last second', async () => {
    const db = new Database(':memory:');
    for (const m of SQLITE_MIGRATIONS) db.exec(m.sql);
    const group = new GroupCommit(db);
    const first = createSqliteLimiter(db, group, 200);
    await first.consume('a', 10, 60_000, 3);
    await first.consume('b', 10, 60_000, 1);
    await first.reset('b', 60_000);
    await first.close();
    const rows = db.prepare('SELECT key, points FROM limit_counters ORDER BY key').all();
    expect(rows).toEqual([{ key: 'otpgate:a', points: 3 }]);
    const second = createSqliteLimiter(db, group, 200);
    expect(await second.count('a', 60_000)).toBe(3);
    expect(await second.consume('a', 4, 60_000)).toMatchObject({ allowed: true, count: 4 });
    // Written by the timer, not only at close.
    await new Promise((r) => setTimeout(r, 400));
    expect(db.prepare("SELECT points FROM limit_counters WHERE key = 'otpgate:a'").get()).toEqual({ points: 4 });
    // A "crash": counts made after the last write and never flushed are gone from the file.
    await second.consume('a', 10, 60_000);
    const afterCrash = createSqliteLimiter(db, group, 60_000);
    expect(await afterCrash.count('a', 60_000)).toBe(4);
    await second.close();
    await afterCrash.close();
    db.close();
  });

  it('holds in memory only the counters used lately: an idle one leaves once written and is read back when used', async () => {
    let now = 1_000_000;
    const stored = new Map<string, Counter>();
    const reads: string[] = [];
    const persistence: CounterPersistence = {
      get(key, at) {
        reads.push(key);
        const counter = stored.get(key);
        return counter && counter.expire > at ? { points: counter.points, expire: counter.expire } : undefined;
      },
      async save(changes) {
        for (const [key, counter] of changes) {
          if (counter) stored.set(key, { points: counter.points, expire: counter.expire });
          else stored.delete(key);
        }
      },
    };
    const limiter = new CounterLimiter({ persistence, flushMs: 3_600_000, now: () => now });
    await limiter.consume('day', 100, 86_400_000, 7);
    await limiter.consume('reset-me', 100, 86_400_000, 2);
    expect(reads).toEqual(['day', 'reset-me']);
    now += 120_000;
    limiter.sweep(); // not written yet: stays
    expect(await limiter.count('day', 86_400_000)).toBe(7);
    expect(reads).toEqual(['day', 'reset-me']);
    await limiter.reset('reset-me', 86_400_000);
    await limiter.flush();
    expect(stored.has('reset-me')).toBe(false);
    now += 120_000;
    limiter.sweep(); // written and idle for two minutes: leaves memory
    expect(await limiter.consume('day', 100, 86_400_000)).toMatchObject({ count: 8 });
    expect(reads).toEqual(['day', 'reset-me', 'day']);
    expect(await limiter.count('reset-me', 86_400_000)).toBe(0);
    // A key the file does not hold is read once, not on every use.
    expect(await limiter.countMany(['never', 'never'], 86_400_000)).toEqual([0, 0]);
    expect(await limiter.count('never', 86_400_000)).toBe(0);
    expect(reads.filter((key) => key === 'never')).toEqual(['never']);
    await limiter.close();
    expect(stored.get('day')?.points).toBe(8);
  });
});

const redisUp = await tcpReachable(6379);
describe.skipIf(skipUnless(redisUp))('Redis limiter', () => {
  let redis: RedisLimiter;
  beforeAll(async () => {
    redis = createRedisLimiter({ url: REDIS_URL, keyPrefix: `otpgate-test-${randomBytes(4).toString('hex')}` });
    await new Promise<void>((resolve) => (redis.client.status === 'ready' ? resolve() : redis.client.once('ready', () => resolve())));
  });
  afterAll(async () => redis.close());
  limiterContract(() => redis.limiter);
});

const postgresUp = await tcpReachable(5432);
describe.skipIf(skipUnless(postgresUp))('PostgreSQL limiter', () => {
  const database = `otpgate_limits_${randomBytes(4).toString('hex')}`;
  let admin: pg.Pool;
  let pool: pg.Pool;
  let limiter: RateLimiter;
  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${database}`;
    pool = new pg.Pool({ connectionString: url.toString(), max: 10 });
    limiter = await createPostgresLimiter(pool);
  });
  afterAll(async () => {
    await pool?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin?.end();
  });
  limiterContract(() => limiter);
});
