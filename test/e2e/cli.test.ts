import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, startServer } from '../helpers/server-process.js';

const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-cli-'));
const env = { PATH: process.env.PATH ?? '', OTPGATE_DATA_DIR: dataDir, OTPGATE_LOG_LEVEL: 'silent' };

async function otpgate(...args: string[]) {
  const { stdout } = await run(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], { env, cwd: ROOT, timeout: 20_000 });
  return JSON.parse(stdout) as Record<string, unknown> & Array<Record<string, unknown>>;
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('otpgate CLI (the same services as the API)', () => {
  it('migrates, creates a service and a key, sends and checks a code', async () => {
    expect((await otpgate('migrate')).status).toBe('up to date');
    const service = await otpgate('services', 'create', '--name', 'Cli Co', '--code-length', '7');
    expect(service.id).toMatch(/^svc_/);
    expect(service.code_length).toBe(7);
    const key = await otpgate('keys', 'create', '--service', String(service.id));
    expect(key.key).toMatch(/^og_live_/);
    const sent = await otpgate('send', '--service', String(service.id), '--to', '+14155550123');
    expect(sent).toMatchObject({ status: 'pending', to: '+14155550123' });
    expect((sent.sends as Array<{ status: string }>)[0]?.status).toBe('sent');
    const outbox = await otpgate('outbox', '--service', String(service.id), '--to', '+14155550123');
    const code = /(\d{7})/.exec(String(outbox[0]?.body))?.[1];
    expect(code).toBeTruthy();
    const checked = await otpgate('check', '--service', String(service.id), '--to', '+14155550123', '--code', code!);
    expect(checked).toMatchObject({ status: 'approved', valid: true });
  });

  it('exits non-zero with a problem on stderr for a refused request', async () => {
    const service = await otpgate('services', 'create', '--name', 'Cli Co');
    const failure = await run(process.execPath, [join(ROOT, 'dist/cli.js'), 'send', '--service', String(service.id), '--to', '12'], { env, cwd: ROOT }).catch((e: { code: number; stderr: string }) => e);
    expect((failure as { code: number }).code).toBe(1);
    expect(JSON.parse((failure as { stderr: string }).stderr).code).toBe('invalid_phone_number');
  });

  it('stops at start with a message naming a bad variable', async () => {
    const failure = await run(process.execPath, [join(ROOT, 'dist/main.js')], { env: { ...env, OTPGATE_PORT: 'eighty' }, cwd: ROOT }).catch((e: { code: number; stderr: string }) => e);
    expect((failure as { code: number }).code).toBe(2);
    expect((failure as { stderr: string }).stderr).toContain('OTPGATE_PORT');
  });
});

describe('the first admin key (T7)', () => {
  it('is made and printed only once the server listens; a start that fails makes none, and the CLI makes more', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-first-key-'));
    const cli = (...args: string[]) => run(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], { env: { ...env, OTPGATE_DATA_DIR: dir }, cwd: ROOT, timeout: 20_000 }).then((r) => JSON.parse(r.stdout));
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((busy.address() as AddressInfo).port);
      const failed = await run(process.execPath, [join(ROOT, 'dist/main.js')], { env: { ...env, OTPGATE_DATA_DIR: dir, OTPGATE_PORT: port, OTPGATE_LOG_LEVEL: 'error' }, cwd: ROOT })
        .catch((e: { code: number; stdout: string; stderr: string }) => e);
      expect((failed as { code: number }).code).toBe(1);
      expect(`${(failed as { stdout: string }).stdout}`).not.toMatch(/og_admin_/);
      expect(await cli('admin-keys', 'list')).toEqual([]);

      const server = await startServer({}, { dataDir: dir });
      try {
        const printed = (await server.waitFor(/generated an admin key[^\n]*\n\n\s+(og_admin_[A-Za-z0-9_-]{32})/))[1]!;
        expect(server.output().indexOf('bound to')).toBeLessThan(server.output().indexOf(printed));
        expect(server.output().indexOf(printed)).toBeLessThan(server.output().lastIndexOf('listening at'));
        const made = await cli('admin-keys', 'create', '--name', 'ops');
        for (const key of [printed, made.key as string]) {
          const res = await fetch(`${server.url}/v1/services`, { headers: { authorization: `Bearer ${key}` } });
          expect(res.status).toBe(200);
        }
        const listed = (await cli('admin-keys', 'list')) as Array<{ id: string; source: string; name: string | null }>;
        expect(listed.map((k) => k.source).sort()).toEqual(['generated', 'issued']);
        await cli('admin-keys', 'revoke', made.id as string);
        // The server's key cache holds a key for at most 5 s.
        await new Promise((r) => setTimeout(r, 5_200));
        expect((await fetch(`${server.url}/v1/services`, { headers: { authorization: `Bearer ${made.key}` } })).status).toBe(401);
        const audit = (await cli('audit-log')) as Array<{ action: string; actor: { kind: string } }>;
        expect(audit.map((r) => [r.action, r.actor.kind]).slice(0, 3)).toEqual([['admin_key.revoked', 'cli'], ['admin_key.created', 'cli'], ['admin_key.created', 'system']]);
      } finally {
        await server.stop();
      }
    } finally {
      busy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
