import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { createHarness } from '../helpers/harness.js';
import { createTestDatabase } from '../helpers/postgres.js';
import type { TestDatabase } from '../helpers/postgres.js';
import { ROOT, startServer } from '../helpers/server-process.js';
import { skipUnless, tcpReachable } from '../helpers/services.js';
import { until } from '../helpers/wait.js';
import { FakeClock, live, recordFactory, testVault } from '../store/store.records.js';

const run = promisify(execFile);
const CLI = join(ROOT, 'dist/cli.js');
const DAY = 86_400_000;
const pgSkip = skipUnless(await tcpReachable(5432));

describe.skipIf(pgSkip)('otpgate CLI on PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  it('otpgate migrate applies the PostgreSQL migrations once and hides the password; a missing secret fails fast', async () => {
    const url = new URL(db.url);
    url.password = 'not-needed-with-trust-auth';
    const env = { PATH: process.env.PATH ?? '', OTPGATE_DATABASE_URL: url.toString(), OTPGATE_LOG_LEVEL: 'silent' };
    const { stdout } = await run(process.execPath, [CLI, 'migrate'], { env: { ...env, OTPGATE_SECRET: 'y'.repeat(40) } });
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ dialect: 'postgres', status: 'up to date' });
    expect(out.database).toContain(':***@');
    expect(stdout).not.toContain('not-needed-with-trust-auth');
    await run(process.execPath, [CLI, 'migrate'], { env: { ...env, OTPGATE_SECRET: 'y'.repeat(40) } });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const versions = (await client.query('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
    await client.end();
    expect(versions).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
    const failed = await run(process.execPath, [CLI, 'migrate'], { env }).then(() => null, (error: { code: number; stderr: string }) => error);
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toMatch(/OTPGATE_SECRET: is required with PostgreSQL/);
  });

  it('serves from N processes on one port and stops them all on SIGTERM', async () => {
    const adminKey = `og_admin_${randomBytes(24).toString('base64url')}`;
    const server = await startServer(
      { OTPGATE_DATABASE_URL: db.url, OTPGATE_SECRET: randomBytes(32).toString('base64url'), OTPGATE_ADMIN_KEY: adminKey },
      { args: [CLI, 'serve', '--workers', '2'] },
    );
    try {
      const listening = () => server.output().match(/Server listening at/g)?.length ?? 0;
      await until(async () => (listening() >= 2 ? true : undefined), 20_000);
      expect(listening()).toBe(2);
      const primary = server.child.pid!;
      const children = readFileSync(`/proc/${primary}/task/${primary}/children`, 'utf8').trim().split(/\s+/).map(Number);
      expect(children).toHaveLength(2);
      const pids = () => children;
      const res = await fetch(`${server.url}/v1/services`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: '{"name":"Acme"}' });
      expect(res.status).toBe(201);
      // A worker that dies is replaced; the port keeps answering meanwhile.
      process.kill(children[0]!, 'SIGKILL');
      const replaced = await until(async () => {
        const now = readFileSync(`/proc/${primary}/task/${primary}/children`, 'utf8').trim().split(/\s+/).map(Number);
        return now.length === 2 && !now.includes(children[0]!) ? now : undefined;
      });
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect(await server.stop('SIGTERM')).toBe(0);
      for (const pid of [...pids(), ...replaced]) {
        if (pid === children[0]) continue;
        expect(() => process.kill(pid, 0)).toThrow();
      }
    } finally {
      await server.stop('SIGKILL');
      server.cleanup();
    }
  });
});

describe('otpgate serve --workers on SQLite', () => {
  it('refuses more than one worker and says why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-cli-'));
    try {
      const failed = await run(process.execPath, [CLI, 'serve', '--workers', '2'], { env: { PATH: process.env.PATH ?? '', OTPGATE_DATA_DIR: dir, OTPGATE_PORT: '0' } }).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failed?.code).toBe(2);
      expect(failed?.stderr).toMatch(/--workers above 1 needs PostgreSQL/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('retention purge', () => {
  it('otpgate purge removes what is older than OTPGATE_RETENTION_DAYS and keeps the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-purge-'));
    const path = join(dir, 'otpgate.db');
    try {
      const clock = new FakeClock(Date.now() - 40 * DAY);
      const make = recordFactory(clock);
      const store = new SqliteStore({ path, vault: testVault() });
      await store.migrate();
      const service = make.service();
      await store.createService(service);
      for (let i = 0; i < 3; i++) {
        const v = make.verification(service.id, { status: 'approved' });
        await store.createVerification(v, make.message(v));
      }
      clock.advance(39 * DAY);
      const recent = make.verification(service.id, { status: 'approved' });
      await store.createVerification(recent, make.message(recent));
      await store.close();

      const env = { PATH: process.env.PATH ?? '', OTPGATE_DATABASE_URL: `sqlite:${path}`, OTPGATE_SECRET: 'y'.repeat(40), OTPGATE_LOG_LEVEL: 'silent' };
      const { stdout } = await run(process.execPath, [CLI, 'purge'], { env: { ...env, OTPGATE_RETENTION_DAYS: '30' } });
      expect(JSON.parse(stdout)).toMatchObject({ verifications: 3, messages: 3, batches: 1 });
      const again = await run(process.execPath, [CLI, 'purge'], { env: { ...env, OTPGATE_RETENTION_DAYS: '30' } });
      expect(JSON.parse(again.stdout)).toMatchObject({ verifications: 0 });
      const off = await run(process.execPath, [CLI, 'purge'], { env: { ...env, OTPGATE_RETENTION_DAYS: '0' } });
      expect(JSON.parse(off.stdout).status).toMatch(/disabled/);
      const reopened = new SqliteStore({ path, vault: testVault() });
      expect(await reopened.getVerification(live(service.id), recent.id)).not.toBeNull();
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the server purges on its own schedule', async () => {
    const h = await createHarness({ env: { OTPGATE_RETENTION_DAYS: '30', OTPGATE_PURGE_INTERVAL_MS: '1000' } });
    try {
      const svc = await h.service();
      const started = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550123' } });
      await h.lastSms(svc.key, '+14155550123');
      h.clock.advance(31 * DAY);
      h.c.retention.start();
      await until(async () => ((await h.c.store.getVerification(live(svc.id), started.json().id)) === null ? true : undefined), 5000);
      expect(await h.c.store.listDevOutbox(live(svc.id), undefined, 10)).toEqual([]);
      expect(h.logs.some((l) => l.msg === 'retention purge')).toBe(true);
    } finally {
      await h.close();
    }
  });
});
