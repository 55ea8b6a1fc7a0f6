import { request } from 'node:http';
import { LOAD_TEST_SETTINGS } from '../../bench/lib/otpgate-client.js';

export interface Answer {
  status: number;
  json: any;
  /** The response's Content-Type header ('' when none). */
  contentType: string;
  /** The response's Retry-After header, or null. */
  retryAfter: string | null;
}

/**
 * Minimal JSON-over-HTTP client for fault tests: new connection per call, never throws on status.
 * With `timeoutMs`, a request without a complete answer in that time rejects with a `TimeoutError`.
 */
export function post(port: number, path: string, key: string, body: unknown, timeoutMs?: number): Promise<Answer> {
  return send(port, 'POST', path, key, JSON.stringify(body), timeoutMs);
}

export function put(port: number, path: string, key: string, body: unknown, timeoutMs?: number): Promise<Answer> {
  return send(port, 'PUT', path, key, JSON.stringify(body), timeoutMs);
}

export function get(port: number, path: string, key: string, timeoutMs?: number): Promise<Answer> {
  return send(port, 'GET', path, key, undefined, timeoutMs);
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

function send(port: number, method: string, path: string, key: string, body: string | undefined, timeoutMs?: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
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
        res.on('end', () => {
          clearTimeout(timer);
          try {
            const retryAfter = res.headers['retry-after'];
            resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null, contentType: String(res.headers['content-type'] ?? ''), retryAfter: retryAfter === undefined ? null : String(retryAfter) });
          } catch (error) {
            reject(error);
          }
        });
        res.on('error', reject);
      },
    );
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        reject(new TimeoutError(`${method} ${path}: no answer within ${timeoutMs} ms`));
        req.destroy();
      }, timeoutMs);
    }
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}

export interface Accepted {
  id: string;
  to: string;
  messageIds: string[];
  /** When the start was sent and when its 201 arrived (Date.now()). */
  sentAt: number;
  at: number;
}

/** One start request of the load, as the client saw it. */
export interface LoadAnswer {
  /** When the request was sent and when its answer (or failure) came (Date.now()). */
  sentAt: number;
  answeredAt: number;
  /** 0 when there was no HTTP answer (connection refused or cut, time-out). */
  status: number;
  contentType: string;
  retryAfter: string | null;
  /** The problem's `code` for an error answer. */
  code: string | null;
  /** No answer within `timeoutMs`. */
  timedOut: boolean;
}

export interface LoadOptions {
  /** A start without an answer in this time counts as timed out (and is abandoned). Default: none. */
  timeoutMs?: number;
}

/**
 * Keeps `concurrency` start requests in flight to distinct numbers until `stop()` is called, and
 * records every verification that was answered 201. Requests cut off by a dying server are
 * simply not accepted: they never got their 201. `answers` holds every request as the client saw it.
 */
export function startLoad(port: number, key: string, concurrency: number, firstNumber: number, options: LoadOptions = {}) {
  const accepted: Accepted[] = [];
  const answers: LoadAnswer[] = [];
  const statuses = new Map<number, number>();
  let refused = 0;
  let next = firstNumber;
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const to = `+1415${next++}`;
      const sentAt = Date.now();
      try {
        const res = await post(port, '/v1/verifications', key, { to }, options.timeoutMs);
        const answeredAt = Date.now();
        answers.push({ sentAt, answeredAt, status: res.status, contentType: res.contentType, retryAfter: res.retryAfter, code: typeof res.json?.code === 'string' ? res.json.code : null, timedOut: false });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 201) accepted.push({ id: res.json.id, to, messageIds: res.json.sends.map((s: { message_id: string }) => s.message_id), sentAt, at: answeredAt });
      } catch (error) {
        answers.push({ sentAt, answeredAt: Date.now(), status: 0, contentType: '', retryAfter: null, code: null, timedOut: error instanceof TimeoutError });
        refused++;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    accepted,
    answers,
    statuses,
    refused: () => refused,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** A service with the abuse limits opened for load (LOAD_TEST_SETTINGS) and a key for it. */
export async function createService(port: number, adminKey: string): Promise<{ id: string; key: string }> {
  const service = await post(port, '/v1/services', adminKey, { name: 'Fault', ...LOAD_TEST_SETTINGS, max_check_attempts: 5 });
  if (service.status !== 201) throw new Error(`service: ${JSON.stringify(service.json)}`);
  const key = await post(port, `/v1/services/${service.json.id}/keys`, adminKey, {});
  if (key.status !== 201) throw new Error(`key: ${JSON.stringify(key.json)}`);
  return { id: service.json.id as string, key: key.json.key as string };
}

export async function createServiceAndKey(port: number, adminKey: string): Promise<string> {
  return (await createService(port, adminKey)).key;
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

export async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
