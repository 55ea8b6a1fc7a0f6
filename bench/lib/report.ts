import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IdleRss } from './idle-rss.js';
import type { LoadSettings, Measurement } from './load.js';

export interface Row {
  store: string;
  scenario: string;
  m: Measurement;
  /** p99 when driven at half of this scenario's peak rate (full runs only). */
  halfPeakP99Ms?: number;
  halfPeakRps?: number;
  ratioToCeiling: number;
  /** Server CPU per request ÷ the ceiling's (how many hello worlds one request costs). */
  cpuToCeiling?: number;
  /** Growth rows: rate with the seeded store ÷ the same scenario on an empty store. */
  ratioToEmpty?: number;
}

export interface Report {
  startedAt: string;
  mode: 'quick' | 'full';
  machine: { node: string; cpus: number; loadAverage: number[] };
  settings: LoadSettings;
  ceilingRps: number;
  /** Resident memory of a freshly started, idle otpgate (default configuration) and of a bare Node process. */
  idleRss?: IdleRss;
  rows: Row[];
  notes: string[];
}

const fmt = (n: number | undefined, digits = 1) => (n === undefined ? '–' : n.toFixed(digits));

export function markdownTable(report: Report): string {
  const lines = [
    '| store | scenario | req/s | p50 ms | p99 ms | p99 ms at ½ peak | peak RSS MB | × ceiling | × empty | CPU µs/req | CPU × ceiling | failed |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of report.rows) {
    lines.push(
      `| ${r.store} | ${r.scenario} | ${Math.round(r.m.rps)} | ${fmt(r.m.p50Ms)} | ${fmt(r.m.p99Ms)} | ` +
        `${r.halfPeakP99Ms === undefined ? '–' : `${fmt(r.halfPeakP99Ms)} (${Math.round(r.halfPeakRps ?? 0)}/s)`} | ` +
        `${fmt(r.m.peakRssBytes / 1048576, 0)} | ${fmt(r.ratioToCeiling, 2)} | ${fmt(r.ratioToEmpty, 2)} | ` +
        `${fmt(r.m.cpuUsPerRequest, 0)} | ${fmt(r.cpuToCeiling, 1)} | ${r.m.failures} |`,
    );
  }
  return lines.join('\n');
}

export function idleLine(idle: IdleRss): string {
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  return `Idle memory: a fresh \`node dist/main.js\` on the default configuration holds ${mb(idle.otpgateBytes)} MB resident after ${idle.settleMs / 1000} s; a bare Node process ${mb(idle.bareNodeBytes)} MB.`;
}

export function markdown(report: Report): string {
  const s = report.settings;
  return [
    `# otpgate bench, ${report.startedAt} (${report.mode})`,
    '',
    `Node ${report.machine.node}, ${report.machine.cpus} CPUs, load average at start ${report.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}. ` +
      `${s.connections} connections, ${s.warmupS} s warm-up + ${s.durationS} s per scenario (one-use-code scenarios run a fixed number of requests). ` +
      `Ceiling (Fastify POST hello world, same settings): ${Math.round(report.ceilingRps)} req/s.`,
    '',
    ...(report.idleRss ? [idleLine(report.idleRss), ''] : []),
    markdownTable(report),
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

export function writeReport(dir: string, report: Report): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const base = join(dir, `${stamp}${report.mode === 'quick' ? '-quick' : ''}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.md`, markdown(report));
  return { json: `${base}.json`, md: `${base}.md` };
}
