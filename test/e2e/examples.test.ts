import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServer } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { REQUIRE_ALL } from '../helpers/services.js';

/**
 * Every integration example in examples/<lang>/ (docs/clients.md) against a real otpgate: start a
 * verification, read the code from the dev outbox, check it, print the status. An example whose
 * toolchain is absent is skipped, or fails under OTPGATE_TEST_REQUIRE_ALL=1 (.ci/run installs them all).
 */
const exec = promisify(execFile);
const EXAMPLES = join(ROOT, 'examples');
const scratch = mkdtempSync(join(tmpdir(), 'otpgate-examples-'));

interface Example {
  lang: string;
  /** The Debian package(s) that bring the toolchain. */
  install: string;
  /** A command that succeeds when the toolchain is there. */
  probe: [string, string[]];
  /** Builds the example, when it needs a step of its own. */
  build?: [string, string[]];
  run: [string, string[]];
  cwd: string;
}

const examples: Example[] = [
  { lang: 'Python', install: 'python3-requests', probe: ['/usr/bin/python3', ['-c', 'import requests']], run: ['/usr/bin/python3', ['verify.py']], cwd: 'python' },
  { lang: 'Go', install: 'golang-go', probe: ['go', ['version']], run: ['go', ['run', '.']], cwd: 'go' },
  { lang: 'Java', install: 'default-jdk-headless', probe: ['java', ['-version']], run: ['java', ['Verify.java']], cwd: 'java' },
  { lang: 'PHP', install: 'php-cli', probe: ['php', ['-r', 'exit(function_exists("json_decode") ? 0 : 1);']], run: ['php', ['verify.php']], cwd: 'php' },
  { lang: 'Ruby', install: 'ruby', probe: ['ruby', ['-e', 'require "json"; require "net/http"']], run: ['ruby', ['verify.rb']], cwd: 'ruby' },
  {
    lang: 'C#', install: 'mono-mcs libmono-system-net-http4.0-cil libmono-system-runtime-serialization4.0-cil', probe: ['mcs', ['--version']],
    build: ['mcs', ['-r:System.Net.Http.dll', '-r:System.Runtime.Serialization.dll', `-out:${join(scratch, 'Verify.exe')}`, 'Verify.cs']],
    run: ['mono', [join(scratch, 'Verify.exe')]], cwd: 'csharp',
  },
];

const present = async ([command, args]: [string, string[]]) =>
  exec(command, args, { timeout: 20_000, env: { PATH: process.env.PATH ?? '', HOME: scratch } }).then(() => true, () => false);
const available = new Map(await Promise.all(examples.map(async (e) => [e.lang, await present(e.probe)] as const)));

let server: ServerProcess;
let key: string;
const adminKey = `og_admin_${randomBytes(24).toString('base64url')}`;

beforeAll(async () => {
  server = await startServer({ OTPGATE_ADMIN_KEY: adminKey, OTPGATE_SECRET: randomBytes(32).toString('base64url') });
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return res.json() as Promise<Record<string, string>>;
  };
  const service = await post('/v1/services', { name: 'Acme' });
  key = (await post(`/v1/services/${service.id}/keys`, { name: 'examples' })).key!;
});
afterAll(async () => {
  await server?.stop();
  server?.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs an example with the environment a developer would set; resolves with its exit code and output. */
async function runExample(example: Example, phone: string) {
  const env = { PATH: process.env.PATH ?? '', HOME: scratch, GOCACHE: join(scratch, 'gocache'), GOPATH: join(scratch, 'gopath'), OTPGATE_URL: server.url, OTPGATE_KEY: key, PHONE: phone };
  const [command, args] = example.run;
  return exec(command, args, { cwd: join(EXAMPLES, example.cwd), env, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}

describe('integration examples against a real server', () => {
  examples.forEach((example, index) => {
    it.skipIf(!available.get(example.lang) && !REQUIRE_ALL)(`${example.lang}: starts, reads the code from the dev outbox, checks it, prints "approved"`, async () => {
      if (!available.get(example.lang)) throw new Error(`the ${example.lang} toolchain is missing (apt-get install ${example.install}); OTPGATE_TEST_REQUIRE_ALL=1 makes it required`);
      if (example.build) await exec(example.build[0], example.build[1], { cwd: join(EXAMPLES, example.cwd), timeout: 60_000 });
      const phone = `+1415555012${index}`;
      const out = await runExample(example, phone);
      expect(out, out.stderr).toMatchObject({ code: 0 });
      const id = /started (ver_\w+) \(pending\)/.exec(out.stdout)?.[1];
      expect(id, out.stdout).toBeDefined();
      expect(out.stdout).toMatch(/status: approved\s*$/);
      // The server agrees: the example approved its verification with the code the SMS carried.
      const res = await fetch(`${server.url}/v1/verifications/${id}`, { headers: { authorization: `Bearer ${key}` } });
      expect(await res.json()).toMatchObject({ id, to: phone, status: 'approved' });

      // A problem is reported with its code, and the exit status says it failed.
      const bad = await runExample(example, '+1415');
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('400 invalid_phone_number');
    }, 120_000);
  });
});

describe('docs/clients.md', () => {
  it('shows each example as it is in its file, and links every example', () => {
    const doc = readFileSync(join(ROOT, 'docs/clients.md'), 'utf8');
    const excerpts = [...doc.matchAll(/<!-- example: (\S+) -->\n```\w+\n([\s\S]*?)```/g)];
    expect(excerpts.map((m) => m[1]).sort()).toEqual(['csharp/Verify.cs', 'go/main.go', 'java/Verify.java', 'php/verify.php', 'python/verify.py', 'ruby/verify.rb']);
    const lines = (text: string) => text.split('\n').map((line) => line.trim()).filter(Boolean);
    for (const [, file, excerpt] of excerpts) {
      const source = lines(readFileSync(join(EXAMPLES, file!), 'utf8')).join('\n');
      expect(source, `the excerpt of ${file} in docs/clients.md differs from the file`).toContain(lines(excerpt!).join('\n'));
    }
    for (const example of examples) expect(doc).toContain(`](../examples/${example.cwd}/`);
  });
});
