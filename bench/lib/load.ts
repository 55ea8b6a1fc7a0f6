import autocannon from 'autocannon';
import type { Request as CannonRequest } from 'autocannon';
import type { Proc } from './processes.js';
import { sampleRss } from './processes.js';

/** The load settings every scenario of one run shares, the ceiling included. */
export interface LoadSettings {
  connections: number;
  /** Seconds of measurement per scenario. */
  durationS: number;
  /** Seconds of unmeasured load before it, so the JIT and caches are warm. */
  warmupS: number;
}

export interface Measurement {
  requests: number;
  /** Responses that were not 2xx, plus socket errors and timeouts. */
  failures: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  peakRssBytes: number;
  /**
   * The server's own CPU time per answered request over the measured window (µs), from /proc:
   * far steadier than req/s on a shared machine, since other work slows it down less.
   */
  cpuUsPerRequest: number;
}

export interface Drive {
  url: string;
  requests: CannonRequest[];
  settings: LoadSettings;
  /** Stop after this many requests instead of after `durationS` (pools of one-use codes). */
  amount?: number;
  headers?: Record<string, string>;
}

interface Fired {
  result: autocannon.Result;
  /** When the last response arrived (hrtime ns): autocannon itself only ticks once a second. */
  lastResponseAt: bigint;
}

function fire(drive: Drive, seconds: number, amount: number | undefined): Promise<Fired> {
  let lastResponseAt = process.hrtime.bigint();
  return new Promise((resolveRun, reject) => {
    const instance = autocannon(
      {
        url: drive.url,
        connections: drive.settings.connections,
        pipelining: 1,
        ...(amount === undefined ? { duration: seconds } : { amount }),
        requests: drive.requests,
        headers: { 'content-type': 'application/json', ...drive.headers },
        timeout: 10,
      },
      (error, result) => (error ? reject(error) : resolveRun({ result, lastResponseAt })),
    );
    instance.on('response', () => {
      lastResponseAt = process.hrtime.bigint();
    });
  });
}

/** Warms up (unmeasured), then measures, sampling the server's RSS throughout. */
export async function measure(server: Proc, drive: Drive, options: { warmupAmount?: number } = {}): Promise<Measurement> {
  const rss = sampleRss(server);
  if (drive.amount === undefined) {
    if (drive.settings.warmupS > 0) await fire(drive, drive.settings.warmupS, undefined);
  } else if (options.warmupAmount) {
    await fire(drive, 0, options.warmupAmount);
  }
  const started = process.hrtime.bigint();
  const cpuBefore = server.cpuMs();
  const { result, lastResponseAt } = await fire(drive, drive.settings.durationS, drive.amount);
  const seconds = drive.amount === undefined ? drive.settings.durationS : Number(lastResponseAt - started) / 1e9;
  const requests = result.requests.total;
  const cpuMs = server.cpuMs() - cpuBefore;
  return {
    requests,
    failures: result.non2xx + result.errors + result.timeouts,
    seconds,
    rps: requests / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    peakRssBytes: rss.stop(),
    cpuUsPerRequest: requests > 0 ? (cpuMs * 1000) / requests : 0,
  };
}
