import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, startServer } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'otpgate-backup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(dataDir: string, ...args: string[]) {
  return run(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], {
    env: { PATH: process.env.PATH ?? '', OTPGATE_DATA_DIR: dataDir, OTPGATE_LOG_LEVEL: 'warn' },
    cwd: ROOT,
    timeout: 30_000,
  });
}

async function api(server: ServerProcess, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function codeFor(server: ServerProcess, key: string, to: string): Promise<string> {
  const outbox = await api(server, key, 'GET', `/v1/outbox?to=${encodeURIComponent(to)}`);
  return /(\d{6})/.exec(String((outbox.body.data as Array<{ body: string }>)[0]?.body))![1]!;
}

describe('otpgate backup and a restore (docs/deploy.md#backups)', () => {
  it('copies the database while the server serves; restored with its secret, an existing key starts and checks codes', async () => {
    const live = join(work, 'live');
    const server = await startServer({}, { dataDir: live });
    let key: string;
    let pendingId: string;
    let pendingCode: string;
    const backup = join(work, 'otpgate-backup.db');
    try {
      const service = JSON.parse((await cli(live, 'services', 'create', '--name', 'Backup Co')).stdout) as { id: string };
      key = (JSON.parse((await cli(live, 'keys', 'create', '--service', service.id)).stdout) as { key: string }).key;
      // A verification pending at backup time: its code is keyed with the server secret.
      const started = await api(server, key, 'POST', '/v1/verifications', { to: '+14155550100' });
      expect(started.status).toBe(201);
      pendingId = String(started.body.id);
      pendingCode = await codeFor(server, key, '+14155550100');

      // Traffic while the copy is taken: another service's starts to many numbers, writing all the
      // time (another service, so that its rate limits, restored too, leave this one's alone).
      const busy = JSON.parse((await cli(live, 'services', 'create', '--name', 'Busy Co')).stdout) as { id: string };
      const busyKey = (JSON.parse((await cli(live, 'keys', 'create', '--service', busy.id)).stdout) as { key: string }).key;
      let stop = false;
      const statuses: number[] = [];
      const traffic = (async () => {
        for (let i = 1; !stop; i += 1) {
          statuses.push((await api(server, busyKey, 'POST', '/v1/verifications', { to: `+1415555${String(1000 + (i % 8000)).padStart(4, '0')}` })).status);
        }
      })();
      await new Promise((r) => setTimeout(r, 300));
      const before = statuses.length;
      const taken = await cli(live, 'backup', backup, '--with-secret');
      const report = JSON.parse(taken.stdout) as { file: string; bytes: number; secret_file: string; warning: string | null };
      stop = true;
      await traffic;
      expect(statuses.length).toBeGreaterThan(before);
      expect(statuses.filter((status) => status === 201).length).toBeGreaterThan(0);
      expect(statuses.filter((status) => ![201, 403, 429].includes(status))).toEqual([]);
      expect(report).toMatchObject({ file: backup, secret_file: `${backup}.secret`, warning: null });
      expect(report.bytes).toBeGreaterThan(0);
      // Private like the originals (T6), and one file: no -wal beside it.
      expect(statSync(backup).mode & 0o777).toBe(0o600);
      expect(statSync(`${backup}.secret`).mode & 0o777).toBe(0o600);
      expect(readdirSync(work).filter((f) => f.startsWith('otpgate-backup.db')).sort()).toEqual(['otpgate-backup.db', 'otpgate-backup.db.secret']);
    } finally {
      expect(await server.stop()).toBe(0);
    }

    // Without --with-secret the copy is taken, and stderr says what is missing.
    const bare = await cli(live, 'backup', join(work, 'bare.db'));
    expect(JSON.parse(bare.stdout).warning).toMatch(/useless without the server secret/);
    expect(bare.stderr).toMatch(/warning: the backup is useless without the server secret/);
    // An existing file is not overwritten unless asked.
    const refused = await cli(live, 'backup', backup).catch((e: { code: number; stderr: string }) => e);
    expect((refused as { code: number }).code).toBe(2);
    // A link planted at <file>.secret is replaced, never written through (the secret must not land
    // where whoever can write the backup directory points it).
    const victim = join(work, 'victim.txt');
    writeFileSync(victim, 'untouched', { mode: 0o644 });
    const linked = join(work, 'linked.db');
    symlinkSync(victim, `${linked}.secret`);
    const planted = join(work, 'planted-target');
    symlinkSync(planted, join(work, 'dangling.db.secret'));
    await cli(live, 'backup', linked, '--with-secret', '--force');
    await cli(live, 'backup', join(work, 'dangling.db'), '--with-secret');
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(existsSync(planted)).toBe(false);
    expect(lstatSync(`${linked}.secret`).isSymbolicLink()).toBe(false);
    expect(statSync(`${linked}.secret`).mode & 0o777).toBe(0o600);

    // Restore as docs/deploy.md says: a fresh data dir, the copy as otpgate.db, the secret beside it.
    const restored = join(work, 'restored');
    mkdirSync(restored, { mode: 0o700 });
    copyFileSync(backup, join(restored, 'otpgate.db'));
    copyFileSync(`${backup}.secret`, join(restored, 'secret'));
    const again = await startServer({}, { dataDir: restored });
    try {
      expect(existsSync(join(restored, 'otpgate.db'))).toBe(true);
      // The admin key survived too: no new one is generated.
      expect(again.output()).not.toMatch(/generated an admin key/);
      // The code sent before the backup still approves the verification it belongs to.
      const checked = await api(again, key, 'POST', '/v1/verifications/check', { id: pendingId, code: pendingCode });
      expect(checked.body).toMatchObject({ status: 'approved', valid: true });
      // And the key starts and checks a new one.
      const started = await api(again, key, 'POST', '/v1/verifications', { to: '+14155550199' });
      expect(started.status).toBe(201);
      const code = await codeFor(again, key, '+14155550199');
      expect((await api(again, key, 'POST', '/v1/verifications/check', { to: '+14155550199', code })).body).toMatchObject({ status: 'approved', valid: true });
    } finally {
      await again.stop();
    }
  }, 120_000);

  it('refuses a PostgreSQL store with a pointer to pg_dump', async () => {
    const failed = await run(process.execPath, [join(ROOT, 'dist/cli.js'), 'backup', join(work, 'pg.db')], {
      env: { PATH: process.env.PATH ?? '', OTPGATE_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', OTPGATE_SECRET: 'x'.repeat(40) },
      cwd: ROOT,
    }).catch((e: { code: number; stderr: string }) => e);
    expect((failed as { code: number }).code).toBe(2);
    expect((failed as { stderr: string }).stderr).toMatch(/pg_dump/);
  });
});
