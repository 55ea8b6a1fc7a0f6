import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';

const run = promisify(execFile);

/** The README's promises, kept honest: a first start on an empty data dir, then the curl walk-through as written. */
describe('README walk-through against a real server', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.stop();
    server.cleanup();
  });

  it('bootstraps itself: prints an admin key once, keeps the secret with mode 0600', async () => {
    await server.waitFor(/generated an admin key[^\n]*\n\n\s+og_admin_[A-Za-z0-9_-]{32}/);
    expect(statSync(join(server.dataDir, 'secret')).mode & 0o777).toBe(0o600);
    expect(statSync(join(server.dataDir, 'otpgate.db')).isFile()).toBe(true);
  });

  it('runs the curl walk-through and gets approved', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /<!-- walkthrough:start -->\n```sh\n([\s\S]*?)```\n<!-- walkthrough:end -->/.exec(readme)?.[1];
    expect(block).toBeTruthy();
    const adminKey = /\s(og_admin_[A-Za-z0-9_-]{32})\s/.exec(server.output())?.[1];
    expect(adminKey).toBeTruthy();
    const script = block!
      .replace(/^export OTPGATE=.*$/m, `export OTPGATE=${server.url}`)
      .replace(/^export ADMIN_KEY=.*$/m, `export ADMIN_KEY=${adminKey}`);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, timeout: 30_000 });
    const lines = stdout.trim().split('\n');
    const started = JSON.parse(lines[0]!);
    expect(started).toMatchObject({ status: 'pending', to: '+14155550123' });
    const outbox = JSON.parse(lines[1]!);
    expect(outbox.data[0].body).toMatch(/^\d{6} is your Acme verification code/);
    const checked = JSON.parse(lines.at(-1)!);
    expect(checked).toMatchObject({ status: 'approved', valid: true, id: started.id });
  });
});
