import { request } from 'node:http';
import { LOAD_TEST_SETTINGS } from '../../bench/lib/otpgate-client.js';

/** Minimal JSON-over-HTTP client for fault tests: new connection per call, never throws on status. */
export function post(port: number, path: string, key: string, body: unknown): Promise<{ status: number; json: any }> {
  return send(port, 'POST', path, key, JSON.stringify(body));
}

export function get(port: number, path: string, key: string): Promise<{ status: number; json: any }> {
  return send(port, 'GET', path, key, undefined);
}

function send(port: number, method: string, path: string, key: string, body: string | undefined): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export interface Accepted {
  id: string;
  to: string;
  messageIds: string[];
}

/**
 * Keeps `concurrency` start requests in flight to distinct numbers until `stop()` is called, and
 * records every verification that was answered 201. Requests cut off by a dying server are
 * simply not accepted: they never got their 201.
 */
export function startLoad(port: number, key: string, concurrency: number, firstNumber: number) {
  const accepted: Accepted[] = [];
  const statuses = new Map<number, number>();
  let refused = 0;
  let next = firstNumber;
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const to = `+1415${next++}`;
      try {
        const res = await post(port, '/v1/verifications', key, { to });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 201) accepted.push({ id: res.json.id, to, messageIds: res.json.sends.map((s: { message_id: string }) => s.message_id) });
      } catch {
        refused++;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    accepted,
    statuses,
    refused: () => refused,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

export async function createServiceAndKey(port: number, adminKey: string): Promise<string> {
  const service = await post(port, '/v1/services', adminKey, { name: 'Fault', ...LOAD_TEST_SETTINGS, max_check_attempts: 5 });
  if (service.status !== 201) throw new Error(`service: ${JSON.stringify(service.json)}`);
  const key = await post(port, `/v1/services/${service.json.id}/keys`, adminKey, {});
  if (key.status !== 201) throw new Error(`key: ${JSON.stringify(key.json)}`);
  return key.json.key as string;
}

export async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
