import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/server-process.js';

/**
 * What `npm pack` ships: the built server and its entry points, nothing of the sources or tests.
 * Installing it for real would build better-sqlite3 from source (no prebuilt binaries here), so the
 * unpacked package is run with this checkout's node_modules linked in: the same files an install lays out.
 */
const exec = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'otpgate-pack-'));
const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
let files: string[];
let unpacked: string;
let manifest: { main: string; types: string; bin: Record<string, string>; exports: Record<string, unknown>; version: string };

beforeAll(async () => {
  // The scripts are skipped: `npm test` built dist/ already, and other suites run from it meanwhile.
  const { stdout } = await exec('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, timeout: 120_000 });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = packed!.files.map((f) => f.path);
  await exec('tar', ['-xzf', join(work, packed!.filename), '-C', work]);
  unpacked = join(work, 'package');
  symlinkSync(join(ROOT, 'node_modules'), join(unpacked, 'node_modules'), 'dir');
  manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'));
}, 150_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm pack', () => {
  it('ships the built server, its types and docs, and no sources, tests or local state', () => {
    for (const file of ['package.json', 'README.md', '.env.example', 'dist/cli.js', 'dist/main.js', 'dist/index.js', 'dist/index.d.ts']) expect(files).toContain(file);
    const unwanted = files.filter((f) => /^(src|test|bench|clients|examples|node_modules|data|deploy)\//.test(f) || f.endsWith('.tsbuildinfo') || f.endsWith('.test.js') || f === '.env');
    expect(unwanted).toEqual([]);
  });

  it('points main, types, exports and bin at files it ships', () => {
    expect(manifest.main).toBe('dist/index.js');
    for (const file of [manifest.main, manifest.types, manifest.bin.otpgate!]) expect(existsSync(join(unpacked, file)), file).toBe(true);
    const root = manifest.exports['.'] as Record<string, string>;
    for (const file of Object.values(root)) expect(existsSync(join(unpacked, file)), file).toBe(true);
    expect(readFileSync(join(unpacked, manifest.bin.otpgate!), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('imports at run time only what its dependencies declare (the linked node_modules holds dev ones too)', () => {
    const declared = new Set(Object.keys((JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies));
    const undeclared = new Set<string>();
    const seen = new Set<string>();
    for (const file of files.filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(join(unpacked, file), 'utf8');
      // Static imports and re-exports start a line in tsc's output; dynamic ones are import('…').
      const statics = text.matchAll(/^\s*(?:import|export)\s[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm);
      const dynamics = text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g);
      for (const match of [...statics, ...dynamics]) {
        const specifier = (match[1] ?? match[2])!;
        if (specifier.startsWith('.')) continue;
        if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        seen.add(name);
        if (!declared.has(name)) undeclared.add(`${name} (${file})`);
      }
    }
    expect([...undeclared]).toEqual([]);
    // The scan reads what it should: the server's main dependencies are among what it found.
    for (const name of ['fastify', 'better-sqlite3', 'pino', 'commander']) expect(seen.has(name), name).toBe(true);
  });

  it('runs `otpgate --help` (and `--version`, where the CLI has it) from the packed files', async () => {
    const bin = join(unpacked, manifest.bin.otpgate!);
    const help = await exec(process.execPath, [bin, '--help'], { cwd: work, timeout: 30_000 });
    expect(help.stdout).toMatch(/^Usage: otpgate/);
    expect(help.stdout).toContain('serve');
    if (/\.version\(/.test(readFileSync(join(ROOT, 'src/cli.ts'), 'utf8'))) {
      const version = await exec(process.execPath, [bin, '--version'], { cwd: work, timeout: 30_000 });
      expect(version.stdout).toContain(rootPackage.version);
    }
  });

  it('imports as a library through its exports: buildApp, createContainer, loadConfig', async () => {
    const consumer = join(work, 'consumer');
    mkdirSync(join(consumer, 'node_modules'), { recursive: true });
    symlinkSync(unpacked, join(consumer, 'node_modules/otpgate'), 'dir');
    writeFileSync(join(consumer, 'package.json'), '{"type":"module"}');
    const script = "const m = await import('otpgate'); console.log(Object.keys(m).sort().join(',')); console.log(typeof m.buildApp, typeof m.loadConfig);";
    const { stdout } = await exec(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer, timeout: 30_000 });
    expect(stdout).toContain('buildApp');
    expect(stdout).toContain('createContainer');
    expect(stdout).toContain('function function');
  });
});
