/**
 * `npm run bench [-- --quick] [-- --profile] [-- --baseline=<built checkout>]`: drives a real otpgate process (console provider,
 * `node dist/main.js`, its own temp data dir) with autocannon from this process, and a minimal
 * Fastify POST hello world (a start's HTTP work, nothing else) with the same settings in the same run. Every figure is reported as a
 * ratio to that ceiling, because absolute numbers on a shared machine mean little.
 * See docs/benchmarks.md for what each scenario means.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Request as CannonRequest } from 'autocannon';
import { measure } from './lib/load.js';
import { paced } from './lib/paced.js';
import type { PacedResult } from './lib/paced.js';
import type { LoadSettings, Measurement } from './lib/load.js';
import { NumberSequence, createService, prepareVerifications, wrongCode } from './lib/otpgate-client.js';
import type { Prepared } from './lib/otpgate-client.js';
import { ProcessExitError, ROOT, startProcess } from './lib/processes.js';
import type { Proc } from './lib/processes.js';
import { measureIdleRss } from './lib/idle-rss.js';
import { markdownTable, writeReport } from './lib/report.js';
import type { Report, Row } from './lib/report.js';
import { seededDataDir } from './lib/seed.js';
import Database from 'better-sqlite3';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const profile = argv.includes('--profile');
// --baseline=<dir>: another checkout of otpgate, built (its dist/ and node_modules/), measured in
// the same run with the same ceiling: before/after figures that share one machine and minute.
const baselineDir = argv.find((a) => a.startsWith('--baseline='))?.slice('--baseline='.length);
const baselineLabel = baselineDir ? (() => {
  try {
    return execFileSync('git', ['-C', baselineDir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'baseline';
  }
})() : '';
// --only=<targets and/or scenarios>, e.g. --only=postgres or --only=sqlite,start; a group left
// out of the list runs in full.
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',') ?? [];
const TARGETS = ['sqlite', 'postgres', 'growth'];
const SCENARIOS = ['start', 'check-wrong', 'check-right', 'mix', 'queries', 'stats'];
const onlyTargets = only.filter((o) => TARGETS.includes(o));
const onlyScenarios = only.filter((o) => SCENARIOS.includes(o));
const unknown = only.filter((o) => !TARGETS.includes(o) && !SCENARIOS.includes(o));
if (unknown.length) throw new Error(`--only: unknown ${unknown.join(', ')} (targets: ${TARGETS.join(', ')}; scenarios: ${SCENARIOS.join(', ')})`);
const wantTarget = (t: string) => onlyTargets.length === 0 || onlyTargets.includes(t);

const settings: LoadSettings = quick ? { connections: 16, durationS: 2, warmupS: 1 } : { connections: 32, durationS: 10, warmupS: 3 };
/** One-use codes per "right code" measurement; the run length follows from the rate. */
const RIGHT_AMOUNT = quick ? 1000 : 20_000;
// Wrong-code checks cycle through this pool, 20 per verification (the bench service's
// max_check_attempts): the run is a fixed number of requests, 2 per verification to warm up
// and 18 measured, so the pool can never run dry whatever the rate.
const WRONG_POOL = quick ? 400 : 4000;
const CHECKS_PER_VERIFICATION = 20;
const WRONG_WARMUP_PER = 2;
const GROWTH_COUNT = quick ? 20_000 : 1_000_000;
const HALF_PEAK_S = 5;

const startedAt = new Date().toISOString();
const rows: Row[] = [];
const notes: string[] = [];
const log = (line: string) => process.stdout.write(`${line}\n`);

interface Target {
  store: string;
  server: Proc;
  key: string;
  numbers: NumberSequence;
}

// ── request builders ──────────────────────────────────────────────────────────────────────
const startRequest = (numbers: NumberSequence): CannonRequest => ({
  method: 'POST',
  path: '/v1/verifications',
  setupRequest: (req) => ({ ...req, body: JSON.stringify({ to: numbers.next() }) }),
});

function checkRequest(pool: Prepared[], pick: 'right' | 'wrong'): CannonRequest {
  let i = 0;
  return {
    method: 'POST',
    path: '/v1/verifications/check',
    setupRequest: (req) => {
      const v = pool[i++ % pool.length]!;
      return { ...req, body: JSON.stringify({ id: v.id, code: pick === 'right' ? v.code : wrongCode(v.code) }) };
    },
  };
}

/** A pool of one-use codes, consumed front to back. */
function takeFrom(pool: Prepared[], n: number): Prepared[] {
  if (pool.length < n) throw new Error(`pool of codes too small: ${pool.length} < ${n}`);
  return pool.splice(0, n);
}

// ── scenarios ─────────────────────────────────────────────────────────────────────────────
async function runScenarios(t: Target, ceilingRps: () => number, growthOf?: Map<string, number>): Promise<void> {
  const auth = { authorization: `Bearer ${t.key}` };
  const url = t.server.url;
  const add = async (scenario: string, m: Measurement, halfPeak?: () => Promise<PacedResult>) => {
    const row: Row = { store: t.store, scenario, m, ratioToCeiling: 0 };
    if (halfPeak && !quick) {
      const h = await halfPeak();
      row.halfPeakP99Ms = h.p99Ms;
      row.halfPeakRps = h.rps;
      if (h.failures > 0) row.m.failures += h.failures;
    }
    const empty = growthOf?.get(scenario);
    if (empty !== undefined) row.ratioToEmpty = m.rps / empty;
    rows.push(row);
    logRow(row, `  RSS ${Math.round(m.peakRssBytes / 1048576)} MB${m.failures ? `  FAILED ${m.failures}` : ''}`);
  };
  const want = (name: string) => onlyScenarios.length === 0 || onlyScenarios.includes(name);

  if (want('start')) {
    const drive = { url, requests: [startRequest(t.numbers)], settings, headers: auth };
    const m = await measure(t.server, drive);
    await add('start', m, () => paced(url, [startRequest(t.numbers)], auth, m.rps / 2, HALF_PEAK_S, settings.connections));
  }

  if (want('check-wrong')) {
    const pool = await prepareVerifications(url, t.key, t.numbers, WRONG_POOL);
    const drive = { url, requests: [checkRequest(pool, 'wrong')], settings, headers: auth, amount: WRONG_POOL * (CHECKS_PER_VERIFICATION - WRONG_WARMUP_PER) };
    const m = await measure(t.server, drive, { warmupAmount: WRONG_POOL * WRONG_WARMUP_PER });
    await add('check-wrong', m, async () => {
      const fresh = await prepareVerifications(url, t.key, t.numbers, Math.ceil((m.rps / 2) * HALF_PEAK_S / 20) + 50);
      return paced(url, [checkRequest(fresh, 'wrong')], auth, m.rps / 2, HALF_PEAK_S, settings.connections);
    });
  }

  if (growthOf) return; // the growth store runs start and wrong-code checks only

  if (want('check-right')) {
    const warm = Math.round(RIGHT_AMOUNT / 10);
    const pool = await prepareVerifications(url, t.key, t.numbers, RIGHT_AMOUNT + warm);
    const warmPool = takeFrom(pool, warm);
    const sequence = [...warmPool, ...pool];
    const drive = { url, requests: [checkRequest(sequence, 'right')], settings, headers: auth, amount: RIGHT_AMOUNT };
    const m = await measure(t.server, drive, { warmupAmount: warm });
    await add('check-right', m, async () => {
      const n = Math.round((m.rps / 2) * HALF_PEAK_S);
      const half = await prepareVerifications(url, t.key, t.numbers, n);
      return paced(url, [checkRequest(half, 'right')], auth, m.rps / 2, HALF_PEAK_S, settings.connections);
    });
  }

  if (want('mix')) {
    // 1:1: each connection alternates a start and a right-code check.
    const pool = await prepareVerifications(url, t.key, t.numbers, RIGHT_AMOUNT / 2);
    const drive = { url, requests: [startRequest(t.numbers), checkRequest(pool, 'right')], settings, headers: auth, amount: RIGHT_AMOUNT };
    const m = await measure(t.server, drive);
    await add('mix 1:1', m, async () => {
      const n = Math.round((m.rps / 2) * HALF_PEAK_S / 2);
      const half = await prepareVerifications(url, t.key, t.numbers, n);
      return paced(url, [startRequest(t.numbers), checkRequest(half, 'right')], auth, m.rps / 2, HALF_PEAK_S, settings.connections);
    });
  }
  void ceilingRps;
}

/** One progress line per measured row (the table comes at the end). */
function logRow(row: Row, extra = ''): void {
  const { m } = row;
  log(`  ${row.store.padEnd(18)} ${row.scenario.padEnd(20)} ${Math.round(m.rps).toString().padStart(6)} req/s  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms  CPU ${Math.round(m.cpuUsPerRequest)} µs/req` +
    `${row.halfPeakP99Ms === undefined ? '' : `  p99 at ½ peak ${row.halfPeakP99Ms.toFixed(1)} ms`}${extra}`);
}

// ── servers ───────────────────────────────────────────────────────────────────────────────
async function startOtpgate(env: Record<string, string>, label: string, cwd = ROOT): Promise<Proc> {
  return startProcess({
    cwd,
    args: ['dist/main.js'],
    // A secret of its own per server (PostgreSQL requires one to be given; SQLite would make one).
    env: { OTPGATE_PORT: '0', OTPGATE_LOG_LEVEL: 'info', OTPGATE_SHUTDOWN_TIMEOUT_MS: '20000', OTPGATE_SECRET: randomBytes(32).toString('base64url'), ...env },
    nodeFlags: profile ? ['--cpu-prof', `--cpu-prof-dir=${join(ROOT, 'bench/results/profiles')}`, `--cpu-prof-name=${label}-${Date.now()}.cpuprofile`] : [],
  });
}

async function ceiling(): Promise<number> {
  const server = await startProcess({ args: ['bench/ceiling-server.mjs'], env: {} });
  try {
    // A start's request: a POST with a JSON body of the same size, schema-checked (bench/ceiling-server.mjs).
    const hello = [{ method: 'POST' as const, path: '/', body: JSON.stringify({ to: '+14152000000' }) }];
    const m = await measure(server, { url: server.url, requests: hello, settings });
    const row: Row = { store: 'ceiling', scenario: 'fastify POST hello world', m, ratioToCeiling: 1 };
    if (!quick) {
      // The same open-loop measurement as the scenarios', on the server that does nothing: what
      // this machine and this load generator can show at all. And at a fixed 1,000 req/s, a rate
      // like otpgate's half peaks, as the floor under those figures.
      const half = await paced(server.url, hello, {}, m.rps / 2, HALF_PEAK_S, settings.connections);
      row.halfPeakP99Ms = half.p99Ms;
      row.halfPeakRps = half.rps;
      const floor = await paced(server.url, hello, {}, 1000, HALF_PEAK_S, settings.connections);
      notes.push(`Measurement floor: the hello world driven open-loop at 1,000 req/s had p99 ${floor.p99Ms.toFixed(1)} ms (at half its peak, ${Math.round(half.rps)} req/s: ${half.p99Ms.toFixed(1)} ms).`);
    }
    rows.push(row);
    logRow(row);
    return m.rps;
  } finally {
    await server.stop();
  }
}

async function sqliteTarget(root = ROOT, store = 'sqlite'): Promise<{ dir: string; measured: Map<string, number> }> {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-bench-'));
  const adminKey = `og_admin_${randomBytes(24).toString('base64url')}`;
  const server = await startOtpgate({ OTPGATE_DATA_DIR: dir, OTPGATE_ADMIN_KEY: adminKey }, store.replace(/\W+/g, '-'), root);
  try {
    const service = await createService(server.url, adminKey, 'Bench');
    await runScenarios({ store, server, key: service.key, numbers: new NumberSequence(2_000_000) }, () => 0);
  } finally {
    await server.stop();
  }
  const measured = new Map(rows.filter((r) => r.store === store).map((r) => [r.scenario, r.m.rps]));
  return { dir, measured };
}

async function postgresTarget(root = ROOT, store = 'postgres'): Promise<void> {
  const base = process.env.OTPGATE_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432';
  const name = `otpgate_bench_${randomBytes(4).toString('hex')}`;
  const psql = (sql: string) => execFileSync('psql', [`${base}/postgres`, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { stdio: 'pipe' });
  try {
    psql(`CREATE DATABASE ${name}`);
  } catch (error) {
    notes.push(`PostgreSQL scenarios skipped: could not create a database at ${base} (${String(error).split('\n')[0]}).`);
    log(`  postgres: skipped (no database server reachable at ${base})`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-bench-pg-'));
  const adminKey = `og_admin_${randomBytes(24).toString('base64url')}`;
  try {
    let server: Proc;
    try {
      server = await startOtpgate({ OTPGATE_DATA_DIR: dir, OTPGATE_ADMIN_KEY: adminKey, OTPGATE_DATABASE_URL: `${base}/${name}` }, store.replace(/\W+/g, '-'), root);
    } catch (error) {
      if (!(error instanceof ProcessExitError)) throw error;
      const reason = /invalid configuration: (.*)/.exec(error.output)?.[1] ?? error.output.trim().split('\n').pop();
      notes.push(`PostgreSQL scenarios skipped: this build of otpgate refused OTPGATE_DATABASE_URL=postgres://… (${reason}).`);
      log(`  postgres: skipped — the server refused a postgres:// URL (${reason})`);
      return;
    }
    try {
      const service = await createService(server.url, adminKey, 'Bench');
      await runScenarios({ store, server, key: service.key, numbers: new NumberSequence(5_000_000) }, () => 0);
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    try {
      psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } catch {
      notes.push(`Could not drop the bench database ${name}.`);
    }
  }
}

async function growthTarget(empty: Map<string, number>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-bench-growth-'));
  try {
    const seeded = await seededDataDir(GROWTH_COUNT, dir);
    if (onlyScenarios.length === 0 || onlyScenarios.includes('queries')) summaryQueryCost(join(dir, 'otpgate.db'));
    const server = await startOtpgate(
      { OTPGATE_DATA_DIR: dir, OTPGATE_ADMIN_KEY: seeded.adminKey, OTPGATE_SECRET: seeded.secret },
      'growth',
    );
    try {
      const label = `sqlite, ${GROWTH_COUNT >= 1e6 ? `${GROWTH_COUNT / 1e6}M` : `${GROWTH_COUNT / 1e3}k`} stored`;
      if (onlyScenarios.length === 0 || onlyScenarios.some((s) => s !== 'stats')) {
        await runScenarios({ store: label, server, key: seeded.serviceKey, numbers: new NumberSequence(7_000_000) }, () => 0, empty);
      }
      if (onlyScenarios.length === 0 || onlyScenarios.includes('stats')) await statsQueries(label, server, seeded.adminKey);
      if (onlyScenarios.length === 0 || onlyScenarios.includes('queries')) await tenantQueries(label, server, seeded.adminKey);
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The attempts summary's SQL, before and after the counters, on the same seeded file: the old
 * statement counted every message of the service; the new one sums the hourly counter rows.
 */
function summaryQueryCost(file: string): void {
  const db = new Database(file, { readonly: true });
  try {
    const serviceId = (db.prepare('SELECT id FROM services ORDER BY id DESC LIMIT 1').get() as { id: string }).id;
    const time = (sql: string) => {
      const statement = db.prepare(sql);
      const runs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        statement.get(serviceId);
        runs.push(performance.now() - t0);
      }
      return runs.sort((a, b) => a - b)[2]!;
    };
    const scan = time(`SELECT COUNT(*), SUM(CASE WHEN v.status = 'approved' THEN 1 ELSE 0 END) FROM messages m JOIN verifications v ON v.id = m.verification_id
      WHERE m.service_id = ? AND m.mode = 'live' AND m.status <> 'suppressed'`);
    const counters = time("SELECT SUM(attempts), SUM(converted) FROM attempt_counts WHERE service_id = ? AND mode = 'live'");
    const line = `attempts summary SQL on ${GROWTH_COUNT.toLocaleString('en')} stored sends, median of 5: scanning the sends (before) ${scan.toFixed(1)} ms, summing the hourly counters (now) ${counters.toFixed(2)} ms.`;
    notes.push(line);
    log(`  ${line}`);
  } finally {
    db.close();
  }
}

/**
 * What one tenant's reporting costs everyone else (rule T8), on the seeded store: the attempts
 * summary and a filtered attempts list that matches nothing (the worst case for a scan) under
 * load, then the liveness probe paced at 100/s while those requests run flat out. Before the
 * counters the summary scanned every message on the event loop and /healthz waited behind it.
 */
/** The console's statistics (GET /v1/services/{id}/stats) over the seeded store: counters, not a scan. */
async function statsQueries(store: string, server: Proc, adminKey: string): Promise<void> {
  const admin = { authorization: `Bearer ${adminKey}` };
  const services = (await (await fetch(`${server.url}/v1/services`, { headers: admin })).json()) as { data: Array<{ id: string }> };
  const serviceId = services.data.at(-1)!.id;
  const check = (await (await fetch(`${server.url}/v1/services/${serviceId}/stats`, { headers: admin })).json()) as { totals: { started: number } };
  notes.push(`${store}: GET /v1/services/{id}/stats (30 days) reports ${check.totals.started} verifications started.`);
  const querySettings = { ...settings, connections: 8 };
  for (const [scenario, path] of [
    ['stats, 30 days by day', `/v1/services/${serviceId}/stats?group_by=day`],
    ['stats, 30 days by country', `/v1/services/${serviceId}/stats?group_by=country`],
    ['stats, all services, 400 days', `/v1/stats?group_by=day&from=${new Date(Date.now() - 399 * 86_400_000).toISOString().slice(0, 10)}`],
  ] as const) {
    const m = await measure(server, { url: server.url, requests: [{ method: 'GET', path }], settings: querySettings, headers: admin });
    const row: Row = { store, scenario, m, ratioToCeiling: 0 };
    rows.push(row);
    logRow(row, `  RSS ${Math.round(m.peakRssBytes / 1048576)} MB${m.failures ? `  FAILED ${m.failures}` : ''}`);
  }
}

async function tenantQueries(store: string, server: Proc, adminKey: string): Promise<void> {
  const admin = { authorization: `Bearer ${adminKey}` };
  const services = (await (await fetch(`${server.url}/v1/services`, { headers: admin })).json()) as { data: Array<{ id: string }> };
  const serviceId = services.data.at(-1)!.id;
  const issued = await fetch(`${server.url}/v1/services/${serviceId}/basic-credentials`, {
    method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'api_key' }),
  });
  const credential = (await issued.json()) as { sid: string; secret: string; service_sid: string };
  const basic = { authorization: `Basic ${Buffer.from(`${credential.sid}:${credential.secret}`).toString('base64')}` };
  const summary: CannonRequest = { method: 'GET', path: `/v2/Attempts/Summary?VerifyServiceSid=${credential.service_sid}` };
  const filtered: CannonRequest = { method: 'GET', path: `/v2/Attempts?VerifyServiceSid=${credential.service_sid}&Country=GB&PageSize=50` };
  const querySettings = { ...settings, connections: 8 };
  for (const [scenario, request] of [['attempts summary', summary], ['attempts, rare filter', filtered]] as const) {
    const m = await measure(server, { url: server.url, requests: [request], settings: querySettings, headers: basic });
    const row: Row = { store, scenario, m, ratioToCeiling: 0 };
    rows.push(row);
    logRow(row, `  RSS ${Math.round(m.peakRssBytes / 1048576)} MB${m.failures ? `  FAILED ${m.failures}` : ''}`);
  }
  // The probe, paced at 100/s, behind one tenant's queries back to back (1 connection: what one
  // request can hold the event loop for), then behind 8 connections of them (a flood that
  // saturates the process, where any request waits its turn).
  for (const connections of [1, 8]) {
    const load = measure(server, { url: server.url, requests: [summary, filtered], settings: { ...querySettings, connections, warmupS: 0 }, headers: basic });
    await new Promise((r) => setTimeout(r, 500));
    const probe = await paced(server.url, [{ method: 'GET', path: '/healthz' }], {}, 100, Math.max(2, querySettings.durationS - 2), 4);
    const under = await load;
    const line = `${store}: /healthz paced at 100/s while the attempts summary and a rare-filter list ran back to back on ${connections} connection${connections > 1 ? 's' : ''} ` +
      `(${Math.round(under.rps)} req/s): p50 ${probe.p50Ms.toFixed(1)} ms, p99 ${probe.p99Ms.toFixed(1)} ms, ${probe.failures} failed.`;
    notes.push(line);
    log(`  ${line}`);
    if (probe.failures > 0) rows.push({ store, scenario: `/healthz under queries (${connections})`, m: { ...under, failures: probe.failures }, ratioToCeiling: 0 });
  }
}

// ── main ──────────────────────────────────────────────────────────────────────────────────
async function main(): Promise<void> {
  log(`otpgate bench (${quick ? 'quick' : 'full'}): ${settings.connections} connections, ${settings.warmupS} s warm-up + ${settings.durationS} s per scenario`);
  // Idle memory first, on a quiet machine: a fresh `npm start` on the default configuration.
  const idleRss = await measureIdleRss();
  log(`idle RSS: otpgate ${Math.round(idleRss.otpgateBytes / 1048576)} MB, bare node ${Math.round(idleRss.bareNodeBytes / 1048576)} MB`);
  const ceilingBefore = await ceiling();
  let measured = new Map<string, number>();
  // The baseline first, then this build, each store in turn: before and after side by side.
  if (wantTarget('sqlite')) {
    if (baselineDir) rmSync((await sqliteTarget(baselineDir, `sqlite (${baselineLabel})`)).dir, { recursive: true, force: true });
    const sqlite = await sqliteTarget();
    rmSync(sqlite.dir, { recursive: true, force: true });
    measured = sqlite.measured;
  }
  if (wantTarget('postgres')) {
    if (baselineDir) await postgresTarget(baselineDir, `postgres (${baselineLabel})`);
    await postgresTarget();
  }
  if (wantTarget('growth')) await growthTarget(measured);
  // On a shared machine the ceiling drifts; measuring it at both ends and using the mean keeps
  // the ratios honest about the conditions the scenarios actually ran in.
  const ceilingAfter = quick ? ceilingBefore : await ceiling();
  const ceilingRps = (ceilingBefore + ceilingAfter) / 2;
  for (const row of rows) if (row.store !== 'ceiling') row.ratioToCeiling = row.m.rps / ceilingRps;
  const ceilingRows = rows.filter((r) => r.store === 'ceiling');
  const ceilingCpuUs = ceilingRows.reduce((sum, r) => sum + r.m.cpuUsPerRequest, 0) / ceilingRows.length;
  if (ceilingCpuUs > 0) for (const row of rows) row.cpuToCeiling = row.m.cpuUsPerRequest / ceilingCpuUs;

  const report: Report = {
    startedAt,
    mode: quick ? 'quick' : 'full',
    machine: { node: process.version, cpus: cpus().length, loadAverage: loadavg() },
    settings,
    ceilingRps,
    idleRss,
    rows,
    notes: [
      ...notes,
      'p99 at ½ peak: the same scenario driven at half its measured peak rate for 5 s (full runs only).',
      'Growth rows: the same scenarios against a store that already holds the seeded verifications (and their messages); × empty compares with the sqlite rows above.',
    ],
  };
  log('');
  log(markdownTable(report));
  const written = writeReport(join(ROOT, 'bench/results'), report);
  log(`\nwrote ${written.json} and ${written.md}`);

  // The smoke test asserts that the harness works — every scenario ran and every request it
  // sent was answered as the API promises — never a speed.
  const broken = rows.filter((r) => r.m.requests === 0 || r.m.failures > 0);
  if (broken.length > 0) {
    log(`\nharness problem: ${broken.map((r) => `${r.store}/${r.scenario} (${r.m.requests} requests, ${r.m.failures} failed)`).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
