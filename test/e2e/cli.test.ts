import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

/** Runs the CLI and returns its exit code, stdout and stderr, whatever the code. */
async function cliRun(args: string[], extraEnv: Record<string, string> = {}) {
  return run(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], { env: { ...env, ...extraEnv }, cwd: ROOT, timeout: 20_000 })
    .then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }))
    .catch((e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
}

describe('a CLI scripts can use', () => {
  it('prints its version', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await cliRun(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('writes only JSON to stdout, logs to stderr, even at info', async () => {
    const service = await otpgate('services', 'create', '--name', 'Log Co');
    const sent = await cliRun(['send', '--service', String(service.id), '--to', '+14155550188'], { OTPGATE_LOG_LEVEL: 'info' });
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ status: 'pending' });
    // The console provider logged the send: on stderr, not mixed into the answer.
    expect(sent.stderr).toMatch(/"level":"info"/);
  });

  it('exits 0 approved, 3 for a wrong code (JSON still on stdout), 1 when refused, 2 for bad usage', async () => {
    const service = await otpgate('services', 'create', '--name', 'Exit Co');
    const id = String(service.id);
    await otpgate('send', '--service', id, '--to', '+14155550177');
    const code = /(\d{6})/.exec(String((await otpgate('outbox', '--service', id, '--to', '+14155550177'))[0]?.body))![1]!;
    const wrong = await cliRun(['check', '--service', id, '--to', '+14155550177', '--code', code === '000000' ? '111111' : '000000']);
    expect(wrong.code).toBe(3);
    expect(JSON.parse(wrong.stdout)).toMatchObject({ valid: false, status: 'pending', attempts_remaining: 4 });
    const right = await cliRun(['check', '--service', id, '--to', '+14155550177', '--code', code]);
    expect(right.code).toBe(0);
    expect(JSON.parse(right.stdout)).toMatchObject({ valid: true, status: 'approved' });
    // Approved is final: the same code again is refused with the problem naming the state.
    const again = await cliRun(['check', '--service', id, '--to', '+14155550177', '--code', code]);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr).code).toBe('verification_already_approved');
    for (const args of [['nosuch'], ['check', '--service', id], ['services', 'delete', id], ['verifications', 'list', '--service', id, '--limit', 'ten']]) {
      const usage = await cliRun(args);
      expect(usage.code, args.join(' ')).toBe(2);
      expect(usage.stdout).toBe('');
    }
    expect((await cliRun(['migrate'], { OTPGATE_PORT: 'eighty' })).code).toBe(2);
    // A database that does not answer: 4, "try again", with the problem on stderr.
    const down = await cliRun(['services', 'list'], { OTPGATE_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/otpgate', OTPGATE_SECRET: 'k'.repeat(24) + 'Zq8xY2wV7uT6' });
    expect(down.code).toBe(4);
    expect(JSON.parse(down.stderr).code).toBe('service_unavailable');
  }, 90_000);

  it('manages services, keys, credentials, verifications, webhooks, templates and prefix blocks', async () => {
    const service = await otpgate('services', 'create', '--name', 'Admin Co', '--settings', '{"max_check_attempts":3}');
    const id = String(service.id);
    expect(service.max_check_attempts).toBe(3);
    expect(await otpgate('services', 'get', id)).toMatchObject({ id, name: 'Admin Co' });
    expect(await otpgate('services', 'update', id, '--ttl', '120', '--settings', '{"max_sends":2}')).toMatchObject({ ttl_seconds: 120, max_sends: 2, max_check_attempts: 3 });
    // Settings are checked as the API checks them.
    const bad = await cliRun(['services', 'update', id, '--settings', '{"max_check_attempts":"three"}']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stderr).code).toBe('invalid_request');
    expect((await otpgate('services', 'get', id)).max_check_attempts).toBe(3);

    const key = await otpgate('keys', 'create', '--service', id, '--name', 'backend');
    const credential = await otpgate('credentials', '--service', id, '--type', 'api_key');
    expect(credential).toMatchObject({ type: 'api_key', mode: 'live', sid: expect.stringMatching(/^SK[0-9a-f]{32}$/) });
    const listed = (await otpgate('keys', 'list', '--service', id)) as unknown as Array<{ id: string; scheme: string; revoked_at: string | null }>;
    expect(listed.map((k) => k.id).sort()).toEqual([key.id, credential.id].sort());
    // A key is revoked only through its own service (H3): another service's id finds nothing.
    const other = await otpgate('services', 'create', '--name', 'Other Co');
    const elsewhere = await cliRun(['keys', 'revoke', String(key.id), '--service', String(other.id)]);
    expect(elsewhere.code).toBe(1);
    expect(JSON.parse(elsewhere.stderr).code).toBe('not_found');
    expect((await otpgate('keys', 'revoke', String(key.id), '--service', id)).revoked_at).toEqual(expect.any(String));

    const started = await otpgate('send', '--service', id, '--to', '+14155550166');
    expect(await otpgate('verifications', 'get', String(started.id), '--service', id)).toMatchObject({ id: started.id, status: 'pending' });
    // Another service, or the test world, does not see it.
    expect((await cliRun(['verifications', 'get', String(started.id), '--service', String(other.id)])).code).toBe(1);
    expect((await cliRun(['verifications', 'get', String(started.id), '--service', id, '--test'])).code).toBe(1);
    const page = await otpgate('verifications', 'list', '--service', id, '--status', 'pending');
    expect((page.data as Array<{ id: string }>).map((v) => v.id)).toEqual([started.id]);
    expect(await otpgate('verifications', 'cancel', String(started.id), '--service', id)).toMatchObject({ status: 'canceled' });
    expect(((await otpgate('verifications', 'list', '--service', id, '--status', 'pending')).data as unknown[]).length).toBe(0);

    const hook = await otpgate('webhooks', 'create', '--service', id, '--url', 'https://hooks.example.com/otp', '--events', 'verification.approved');
    expect(hook).toMatchObject({ url: 'https://hooks.example.com/otp', event_types: ['verification.approved'], secret: expect.stringMatching(/^whsec_/) });
    // The same server-side request forgery rule as the API.
    expect(JSON.parse((await cliRun(['webhooks', 'create', '--service', id, '--url', 'http://127.0.0.1:9/x'])).stderr).code).toBe('invalid_webhook_url');
    expect((await otpgate('webhooks', 'list', '--service', id)).map((w) => w.id)).toEqual([hook.id]);
    expect(await otpgate('webhooks', 'delete', String(hook.id), '--service', id)).toEqual({ id: hook.id, deleted: true });
    expect(await otpgate('webhooks', 'list', '--service', id)).toEqual([]);

    expect(await otpgate('templates', 'get', 'fr', '--service', id)).toMatchObject({ locale: 'fr', source: 'built_in' });
    expect(await otpgate('templates', 'set', 'fr', '--service', id, '--text', '{code} est votre code {service}.')).toMatchObject({ source: 'service', check: { ok: true } });
    expect((await otpgate('templates', 'get', 'fr', '--service', id)).text).toBe('{code} est votre code {service}.');
    expect(JSON.parse((await cliRun(['templates', 'set', 'fr', '--service', id, '--text', 'no code here'])).stderr).code).toBe('invalid_request');
    expect(await otpgate('templates', 'reset', 'fr', '--service', id)).toEqual({ locale: 'fr', reset: true });
    expect((await otpgate('templates', 'get', 'fr', '--service', id)).source).toBe('built_in');

    expect(await otpgate('prefix-blocks', 'list', '--service', id)).toEqual([]);
    const lift = await cliRun(['prefix-blocks', 'lift', '+4477009', '--service', id]);
    expect(lift.code).toBe(1);
    expect(JSON.parse(lift.stderr).code).toBe('not_found');

    expect((await cliRun(['services', 'delete', id, '--yes'])).code).toBe(0);
    expect(JSON.parse((await cliRun(['services', 'get', id])).stderr).code).toBe('not_found');
    const audit = (await otpgate('audit-log', '--service', id, '--limit', '50')) as unknown as Array<{ action: string; actor: { kind: string } }>;
    expect(audit.every((r) => r.actor.kind === 'cli')).toBe(true);
    expect(new Set(audit.map((r) => r.action))).toEqual(new Set([
      'service.created', 'service.updated', 'service_key.created', 'basic_credential.created', 'service_key.revoked',
      'webhook_endpoint.created', 'webhook_endpoint.deleted', 'template.updated', 'template.deleted', 'service.deleted',
    ]));
  }, 180_000);
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
  }, 90_000);
});
