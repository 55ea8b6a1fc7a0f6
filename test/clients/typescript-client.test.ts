import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOtpgateClient, isProblem, OtpgateProblem } from '../../clients/typescript/src/index.js';
import type { OtpgateClient } from '../../clients/typescript/src/index.js';
import { ROOT, startServer } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { until } from '../helpers/wait.js';

/** @otpgate/client (clients/typescript) against a real otpgate process, as an integrator runs it. */
const run = promisify(execFile);
let server: ServerProcess;
const adminKey = `og_admin_${randomBytes(24).toString('base64url')}`;

beforeAll(async () => {
  server = await startServer({ OTPGATE_ADMIN_KEY: adminKey, OTPGATE_SECRET: randomBytes(32).toString('base64url') });
});
afterAll(async () => {
  await server?.stop();
  server?.cleanup();
});

/** A service with `settings` and a live key for it, made through the typed `api` with the admin key. */
async function serviceClient(settings: { max_check_attempts?: number } = {}, options: Partial<Parameters<typeof createOtpgateClient>[0]> = {}) {
  const admin = createOtpgateClient({ baseUrl: server.url, apiKey: adminKey });
  const service = await admin.api.POST('/v1/services', { body: { name: 'Acme', ...settings } });
  expect(service.response.status).toBe(201);
  const key = await admin.api.POST('/v1/services/{id}/keys', { params: { path: { id: service.data!.id } }, body: { name: 'client-test' } });
  expect(key.response.status).toBe(201);
  return createOtpgateClient({ baseUrl: `${server.url}/`, apiKey: key.data!.key, retryDelayMs: 20, ...options });
}

/** Every SMS the dev outbox holds for `to`, newest first (read as the test's stand-in for a phone). */
async function outbox(client: OtpgateClient, to: string) {
  const { data, response } = await client.api.GET('/v1/outbox', { params: { query: { to, limit: 100 } } });
  expect(response.status).toBe(200);
  return data!.data;
}
async function codeFor(client: OtpgateClient, to: string, verificationId: string): Promise<string> {
  return until(async () => {
    const entry = (await outbox(client, to)).find((e) => e.verification_id === verificationId);
    return entry ? /\b(\d{4,10})\b/.exec(entry.body)?.[1] : undefined;
  });
}

describe('@otpgate/client against a real server', () => {
  it('starts a verification, reads the code from the dev outbox, checks a wrong and the right code', async () => {
    const client = await serviceClient();
    const to = '+14155550101';
    const started = await client.startVerification({ to });
    expect(started).toMatchObject({ to, status: 'pending', attempts_remaining: 5 });
    expect(started.id).toMatch(/^ver_/);
    const code = await codeFor(client, to, started.id);
    const wrong = code === '000000' ? '111111' : '000000';

    const miss = await client.checkVerification({ to, code: wrong });
    expect(miss).toMatchObject({ id: started.id, status: 'pending', valid: false, attempts_remaining: 4 });
    const hit = await client.checkVerification({ to, code });
    expect(hit).toMatchObject({ id: started.id, status: 'approved', valid: true });
    expect((await client.getVerification(started.id)).status).toBe('approved');

    // A spent code is a typed problem, not a result.
    const again = await client.checkVerification({ id: started.id, code }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(OtpgateProblem);
    expect(again).toMatchObject({ code: 'verification_already_approved', status: 409 });
  });

  it('throws the typed problem of a verification killed by wrong codes, and of bad input', async () => {
    const client = await serviceClient({ max_check_attempts: 1 });
    const to = '+14155550102';
    const started = await client.startVerification({ to });
    const code = await codeFor(client, to, started.id);
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await client.checkVerification({ to, code: wrong })).toMatchObject({ valid: false, attempts_remaining: 0 });

    const dead = await client.checkVerification({ id: started.id, code }).catch((e: unknown) => e);
    expect(isProblem(dead, 'max_attempts_reached')).toBe(true);
    const problem = dead as OtpgateProblem;
    expect(problem.status).toBe(429);
    expect(problem.detail).toBeTruthy();
    expect(problem.requestId).toMatch(/^req_/);
    expect(problem.problem?.verification_id).toBe(started.id);
    expect(problem.message).toContain('max_attempts_reached');

    const calls: string[] = [];
    const counting = await serviceClient({}, { fetch: (request) => (calls.push(request.url), fetch(request)) });
    const invalid = await counting.startVerification({ to: '+1415' }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ code: 'invalid_phone_number', status: 400 });
    expect(calls, 'a 400 is not retried').toHaveLength(1);
    const missing = await counting.getVerification('ver_doesnotexist').catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'verification_not_found', status: 404 });
  });

  it('retries a start whose answer was lost with the same Idempotency-Key: one verification, one SMS', async () => {
    const sent: Array<{ key: string | null; replayed: string | null }> = [];
    let lose = true;
    const client = await serviceClient({}, {
      fetch: async (request) => {
        const key = request.headers.get('idempotency-key');
        const response = await fetch(request);
        sent.push({ key, replayed: response.headers.get('idempotent-replayed') });
        // The server did the work, but the answer never reaches us (a dropped connection).
        if (lose && request.url.endsWith('/v1/verifications')) {
          lose = false;
          throw new TypeError('fetch failed');
        }
        return response;
      },
    });
    const to = '+14155550103';
    const started = await client.startVerification({ to });
    expect(sent).toHaveLength(2);
    expect(sent[0]!.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent[1]!.key).toBe(sent[0]!.key);
    expect(sent[1]!.replayed).toBe('true');
    await codeFor(client, to, started.id);
    expect((await outbox(client, to)).filter((e) => e.verification_id === started.id)).toHaveLength(1);
    expect((await client.api.GET('/v1/verifications', { params: { query: { to } } })).data!.data).toHaveLength(1);
  });

  it('waits as a 503 asks (Retry-After) and sends the same key again; gives up after its retries', async () => {
    const keys: string[] = [];
    let unavailable = 1;
    const client = await serviceClient({}, {
      retries: 2,
      fetch: async (request) => {
        if (request.url.endsWith('/v1/verifications')) keys.push(request.headers.get('idempotency-key') ?? '');
        if (request.url.endsWith('/v1/verifications') && unavailable-- > 0) {
          return new Response(JSON.stringify({ type: 'urn:otpgate:error:service_unavailable', code: 'service_unavailable', title: 'Unavailable', status: 503, detail: 'down', request_id: 'req_x' }), {
            status: 503, headers: { 'content-type': 'application/problem+json', 'retry-after': '0' },
          });
        }
        return fetch(request);
      },
    });
    const started = await client.startVerification({ to: '+14155550104' }, { idempotencyKey: 'signin-attempt-42' });
    expect(started.status).toBe('pending');
    expect(keys).toEqual(['signin-attempt-42', 'signin-attempt-42']);

    unavailable = 10;
    keys.length = 0;
    const down = await client.startVerification({ to: '+14155550105' }).catch((e: unknown) => e);
    expect(down).toMatchObject({ code: 'service_unavailable', status: 503, retryAfterSeconds: 0 });
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
  });

  it('builds as its own package (tsc with its own tsconfig: DOM fetch types, declarations)', async () => {
    await run(process.execPath, [`${ROOT}/node_modules/typescript/bin/tsc`, '-p', `${ROOT}/clients/typescript/tsconfig.json`, '--noEmit'], { timeout: 60_000 });
  }, 90_000);
});
