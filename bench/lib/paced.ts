import { Agent, request } from 'node:http';
import type { Request as CannonRequest } from 'autocannon';

export interface PacedResult {
  requests: number;
  failures: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Open-loop load at a steady rate, for "p99 at half of peak": requests leave evenly spaced
 * (in 1 ms slots) whether or not earlier ones have been answered, so a stall of the server is
 * not hidden by the generator waiting for it (coordinated omission); latency counts from the
 * moment the request is handed to the HTTP client, waits for a free connection included. It
 * does not count from the scheduled moment: on a shared machine the generator itself gets
 * descheduled, and its own lateness is not the server's latency. autocannon's rate limit
 * sends each second's quota in a burst, which measures a burst, not a steady half load.
 */
export async function paced(url: string, requests: CannonRequest[], headers: Record<string, string>, rate: number, seconds: number, connections: number): Promise<PacedResult> {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let failures = 0;
  let sent = 0;
  const total = Math.max(1, Math.round(rate * seconds));
  const started = performance.now();
  const inflight: Array<Promise<void>> = [];
  let next = 0;

  const one = (spec: CannonRequest) =>
    new Promise<void>((done) => {
      const sentAt = performance.now();
      const prepared = typeof spec.setupRequest === 'function' ? spec.setupRequest({ ...spec }, {}) : spec;
      const body = typeof prepared.body === 'string' ? prepared.body : undefined;
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: prepared.method ?? 'GET',
          path: prepared.path ?? '/',
          headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - sentAt);
            if ((res.statusCode ?? 500) >= 300) failures++;
            done();
          });
        },
      );
      req.on('error', () => {
        failures++;
        done();
      });
      req.end(body);
    });

  await new Promise<void>((finish) => {
    const tick = () => {
      const elapsed = performance.now() - started;
      const due = Math.min(total, Math.floor((elapsed / 1000) * rate));
      while (sent < due) {
        inflight.push(one(requests[next++ % requests.length]!));
        sent++;
      }
      if (sent >= total) finish();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(inflight);
  const wall = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { requests: latencies.length, failures, rps: latencies.length / wall, p50Ms: at(0.5), p99Ms: at(0.99) };
}
