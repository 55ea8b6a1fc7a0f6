import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { createTestDatabase } from '../helpers/postgres.js';
import type { TestDatabase } from '../helpers/postgres.js';
import { startServer } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { REDIS_URL, REQUIRE_ALL, skipUnless, tcpReachable } from '../helpers/services.js';
import { until } from '../helpers/wait.js';

const skip = skipUnless(await tcpReachable(5432));
// Rate limits in Redis when there is one (always in CI): one PostgreSQL + one Redis, as deployed.
const withRedis = REQUIRE_ALL || (await tcpReachable(6379));


/**
 * Three real server processes on one PostgreSQL database, as behind a load balancer: state
 * lives only in the database, so any instance can finish what another started (B3, R1).
 */
describe.skipIf(skip)('several instances on one PostgreSQL database', () => {
  let db: TestDatabase;
  let sql: pg.Client;
  let servers: ServerProcess[] = [];
  let auth: { authorization: string };
  /** A key of a second service whose failed-check budget (B2) is 7 per number. */
  let b2Auth: { authorization: string };
  const adminKey = `og_admin_${randomBytes(24).toString('base64url')}`;

  const call = async (server: ServerProcess, method: string, path: string, body?: unknown) => {
    const headers = body === undefined ? { authorization: auth.authorization } : { ...auth, 'content-type': 'application/json' };
    const res = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const alive = () => servers.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
  const codeFor = async (server: ServerProcess, to: string, verificationId: string) => {
    const entry = await until(async () => {
      const res = await call(server, 'GET', `/v1/outbox?to=${encodeURIComponent(to)}`);
      return (res.body.data as Array<{ verification_id: string; body: string }>).find((e) => e.verification_id === verificationId);
    });
    return /\d{6}/.exec(entry.body)![0];
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = {
      OTPGATE_DATABASE_URL: db.url,
      OTPGATE_SECRET: randomBytes(32).toString('base64url'),
      OTPGATE_ADMIN_KEY: adminKey,
      // The default 30 s lease: a dead instance's sends are taken over once its liveness record
      // goes stale (seconds), not when the lease runs out.
      ...(withRedis ? { OTPGATE_REDIS_URL: REDIS_URL, OTPGATE_REDIS_KEY_PREFIX: `otpgate-test-${randomBytes(6).toString('hex')}` } : {}),
    };
    // Started together: their migrations and admin-key bootstraps race, and must not fail.
    servers = await Promise.all([startServer(env), startServer(env), startServer(env)]);
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    auth = { authorization: `Bearer ${adminKey}` };
    // Check budgets raised so that in the B3 tests only the attempt counter decides.
    const service = await call(servers[0]!, 'POST', '/v1/services', {
      name: 'Acme', failed_checks_per_phone_per_day: 100, velocity_limits: { checks_per_phone: { limit: 1000, window_seconds: 3600 } },
    });
    const b2Service = await call(servers[0]!, 'POST', '/v1/services', { name: 'Acme', failed_checks_per_phone_per_day: 7 });
    const b2Key = await call(servers[2]!, 'POST', `/v1/services/${b2Service.body.id}/keys`);
    const key = await call(servers[1]!, 'POST', `/v1/services/${service.body.id}/keys`);
    expect(key.status).toBe(201);
    auth = { authorization: `Bearer ${key.body.key}` };
    b2Auth = { authorization: `Bearer ${b2Key.body.key}` };
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    for (const s of servers) s.cleanup();
    await sql?.end();
    await db?.drop();
  });

  it('applied each migration once and registered the admin key once, though all started together', async () => {
    const { rows } = await sql.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
    expect((await sql.query("SELECT count(*)::int AS n FROM api_keys WHERE kind = 'admin'")).rows[0].n).toBe(1);
  });

  it('checks on one instance a code started on another', async () => {
    const [a, b, c] = servers as [ServerProcess, ServerProcess, ServerProcess];
    const started = await call(a, 'POST', '/v1/verifications', { to: '+14155550101' });
    expect(started.status).toBe(201);
    const code = await codeFor(b, '+14155550101', started.body.id);
    const checked = await call(c, 'POST', '/v1/verifications/check', { to: '+14155550101', code });
    expect(checked.body).toMatchObject({ status: 'approved', valid: true, id: started.body.id });
    expect((await call(a, 'GET', `/v1/verifications/${started.body.id}`)).body.status).toBe('approved');
  });

  it('B3: 20 concurrent right checks spread over three instances give exactly one approval', async () => {
    const started = await call(servers[0]!, 'POST', '/v1/verifications', { to: '+14155550102' });
    const code = await codeFor(servers[2]!, '+14155550102', started.body.id);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(servers[i % 3]!, 'POST', '/v1/verifications/check', { id: started.body.id, code })),
    );
    expect(results.filter((r) => r.status === 200 && r.body.status === 'approved')).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.code === 'verification_already_approved')).toHaveLength(19);
  });

  it('B2: the per-number failed-check budget holds across instances (20 concurrent wrong checks, budget 7)', async () => {
    const as = async <T>(run: () => Promise<T>) => {
      const saved = auth;
      auth = b2Auth;
      try {
        return await run();
      } finally {
        auth = saved;
      }
    };
    const to = '+14155550177';
    const ids = await as(async () => [
      (await call(servers[0]!, 'POST', '/v1/verifications', { to, context: { n: 1 } })).body.id as string,
      (await call(servers[1]!, 'POST', '/v1/verifications', { to, context: { n: 2 } })).body.id as string,
    ]);
    const results = await as(() =>
      Promise.all(Array.from({ length: 20 }, (_, i) => call(servers[i % 3]!, 'POST', '/v1/verifications/check', { id: ids[i % 2], code: '0000000' }))),
    );
    // Ten attempts exist across the two verifications; the number's budget allows seven.
    expect(results.filter((r) => r.status === 200 && r.body.valid === false)).toHaveLength(7);
    const { rows } = await sql.query('SELECT id, attempts FROM verifications WHERE to_number = $1', [to]);
    expect(rows.reduce((n, r) => n + Number(r.attempts), 0)).toBe(7);
    const attempts = new Map(rows.map((r) => [r.id as string, Number(r.attempts)]));
    // Every refusal is the budget's, except on a verification whose own five attempts were all
    // used (the split over the two is up to the race): that one answers max_attempts_reached first.
    const refused = results.map((r, i) => ({ ...r, id: ids[i % 2]! })).filter((r) => r.status !== 200);
    expect(refused.every((r) => r.status === 429)).toBe(true);
    expect(refused.filter((r) => r.body.code === 'rate_limited').length).toBeGreaterThan(0);
    for (const r of refused.filter((x) => x.body.code !== 'rate_limited')) {
      expect(r.body.code).toBe('max_attempts_reached');
      expect(attempts.get(r.id)).toBe(5);
    }
  });

  it('B3: 50 concurrent wrong checks spread over three instances are evaluated at most max_check_attempts times', async () => {
    const started = await call(servers[1]!, 'POST', '/v1/verifications', { to: '+14155550103' });
    const code = await codeFor(servers[1]!, '+14155550103', started.body.id);
    const wrong = code === '000000' ? '111111' : '000000';
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => call(servers[i % 3]!, 'POST', '/v1/verifications/check', { id: started.body.id, code: wrong })),
    );
    const evaluated = results.filter((r) => r.status === 200 && r.body.valid === false);
    expect(evaluated.length).toBeLessThanOrEqual(5);
    expect(results.filter((r) => r.status === 429 && r.body.code === 'max_attempts_reached')).toHaveLength(50 - evaluated.length);
    const row = (await sql.query('SELECT attempts, status FROM verifications WHERE id = $1', [started.body.id])).rows[0];
    expect(row).toEqual({ attempts: 5, status: 'max_attempts_reached' });
    // The right code no longer helps.
    expect((await call(servers[0]!, 'POST', '/v1/verifications/check', { id: started.body.id, code })).status).toBe(429);
  });

  it('R1: an SMS leased by an instance that dies mid-send is sent by another, under the same message id', async () => {
    const to = '+14155550104';
    // Hold the dev outbox (the console provider's "network") so the sending instance hangs mid-send.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE dev_outbox IN EXCLUSIVE MODE');
    let victim: ServerProcess | undefined;
    let messageId: string;
    let killedAt = 0;
    try {
      const started = await call(servers[0]!, 'POST', '/v1/verifications', { to });
      expect(started.status).toBe(201);
      messageId = started.body.sends[0].message_id;
      // Whichever instance leased the message is now blocked inside the send: find it by its connection.
      const holder = await until(async () => {
        const { rows } = await sql.query(
          "SELECT application_name FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO dev_outbox%'",
          [db.name],
        );
        return rows[0]?.application_name as string | undefined;
      });
      const pid = Number(holder.split('/')[1]);
      victim = servers.find((s) => s.child.pid === pid);
      expect(victim).toBeDefined();
      expect((await sql.query('SELECT status FROM messages WHERE id = $1', [messageId])).rows[0].status).toBe('sending');
      await victim!.stop('SIGKILL');
      killedAt = Date.now();
      // The database notices the dead client (its blocked statement must not commit after the fact).
      await sql.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [holder]);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    const survivor = alive()[0]!;
    expect(survivor).not.toBe(victim);
    // Once the dead instance's liveness record goes stale, another instance takes the message over
    // (its 30 s lease has long to run).
    const code = await codeFor(survivor, to, (await sql.query('SELECT verification_id FROM messages WHERE id = $1', [messageId!])).rows[0].verification_id);
    const takeoverMs = Date.now() - killedAt;
    console.log(`multi-instance: the SMS of the killed instance went out from another ${takeoverMs} ms after kill -9`);
    expect(takeoverMs).toBeLessThan(5000);
    // The outcome is recorded in a transaction after the provider (here the dev outbox) took the message.
    const outcome = await until(async () => {
      const row = (await sql.query('SELECT status, attempts FROM messages WHERE id = $1', [messageId!])).rows[0] as { status: string } | undefined;
      return row?.status === 'sending' ? undefined : row;
    });
    expect(outcome).toEqual({ status: 'sent', attempts: 1 });
    const { rows } = await sql.query('SELECT message_id FROM dev_outbox WHERE to_number = $1', [to]);
    expect(rows).toEqual([{ message_id: messageId! }]);
    const checked = await call(alive().at(-1)!, 'POST', '/v1/verifications/check', { to, code });
    expect(checked.body).toMatchObject({ status: 'approved', valid: true });
  });
});
