/**
 * The bench talks to otpgate only through its public API, as an integrator would: services and
 * keys with the admin key, codes from the console provider's dev outbox (never the database).
 */

export interface Prepared {
  id: string;
  code: string;
}

/** Distinct, valid US numbers (+1 415 2000000 …): a start never meets a pending one and resends. */
export class NumberSequence {
  #next: number;
  constructor(first = 2_000_000) {
    this.#next = first;
  }
  next(): string {
    if (this.#next > 9_999_999) throw new Error('the bench ran out of numbers');
    return `+1415${this.#next++}`;
  }
}

async function call(url: string, key: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

const OPEN: { limit: number; window_seconds: number } = { limit: 10_000_000, window_seconds: 1 };

/**
 * Service settings for load: the abuse controls (velocity limits, the SMS-pumping guard) are
 * opened wide through the API, as an operator would for a load test — otherwise they would
 * rightly refuse thousands of sends a second to one prefix. Shared with the fault suites.
 */
export const LOAD_TEST_SETTINGS = {
  max_check_attempts: 20,
  resend_cooldown_seconds: 0,
  max_sends: 20,
  velocity_limits: Object.fromEntries(
    ['sends_per_phone', 'sends_per_client_ip', 'sends_per_prefix', 'sends_per_service', 'checks_per_phone', 'checks_per_client_ip',
      'checks_per_service', 'requests_per_source_ip'].map((budget) => [budget, OPEN]),
  ),
  pumping_guard: { mode: 'off' },
  // The default 10,000 SMS a day would refuse a full run's starts half-way.
  daily_message_cap: null,
};

/**
 * A service with generous per-verification limits (20 checks, so the wrong-code pool lasts),
 * and a key for it.
 */
export async function createService(url: string, adminKey: string, name: string): Promise<{ id: string; key: string }> {
  const created = await call(url, adminKey, 'POST', '/v1/services', { name, ...LOAD_TEST_SETTINGS });
  if (created.status !== 201) throw new Error(`creating a service failed: ${JSON.stringify(created.json)}`);
  const key = await call(url, adminKey, 'POST', `/v1/services/${created.json.id}/keys`);
  if (key.status !== 201) throw new Error(`creating a key failed: ${JSON.stringify(key.json)}`);
  return { id: created.json.id as string, key: key.json.key as string };
}

/**
 * Starts `count` verifications and reads their codes from the dev outbox, 100 at a time (the
 * outbox lists at most 100, newest first), waiting for the delivery worker to send each batch.
 */
export async function prepareVerifications(url: string, key: string, numbers: NumberSequence, count: number): Promise<Prepared[]> {
  const prepared: Prepared[] = [];
  while (prepared.length < count) {
    const batch = Math.min(100, count - prepared.length);
    const started = await Promise.all(
      Array.from({ length: batch }, async () => {
        const res = await call(url, key, 'POST', '/v1/verifications', { to: numbers.next() });
        if (res.status !== 201) throw new Error(`start failed during preparation: ${JSON.stringify(res.json)}`);
        return res.json.id as string;
      }),
    );
    const wanted = new Set(started);
    const codes = new Map<string, string>();
    // Generous: after a start scenario the delivery worker may still be sending tens of
    // thousands of queued SMS, oldest first, before it reaches these.
    const deadline = Date.now() + 120_000;
    while (codes.size < wanted.size) {
      if (Date.now() > deadline) throw new Error(`only ${codes.size} of ${wanted.size} SMS reached the dev outbox within 120 s`);
      const outbox = await call(url, key, 'GET', '/v1/outbox?limit=100');
      for (const entry of outbox.json.data as Array<{ verification_id: string; body: string }>) {
        if (!wanted.has(entry.verification_id)) continue;
        const code = /\b(\d{6})\b/.exec(entry.body)?.[1];
        if (code) codes.set(entry.verification_id, code);
      }
      if (codes.size < wanted.size) await new Promise((r) => setTimeout(r, 20));
    }
    for (const id of started) prepared.push({ id, code: codes.get(id)! });
  }
  return prepared;
}

/** A six-digit code that is certainly not `code`. */
export function wrongCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}
