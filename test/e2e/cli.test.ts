import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/server-process.js';

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
