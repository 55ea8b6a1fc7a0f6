import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startPrivatePostgres } from '../helpers/postgres.js';
import type { PrivatePostgres } from '../helpers/postgres.js';
import { skipUnless, tcpReachable } from '../helpers/services.js';
import { until } from '../helpers/wait.js';

const skip = skipUnless(await tcpReachable(5432));
const TO = '+14155550123';
const TO2 = '+14155550124';


/** R3 on a private cluster (never the shared one): stop PostgreSQL under a running instance, then bring it back. */
describe.skipIf(skip)('PostgreSQL outage and recovery (R3)', () => {
  let pg: PrivatePostgres;
  let h: Harness;
  let svc: Awaited<ReturnType<Harness['service']>>;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    h = await createHarness({ databaseUrl: pg.url, overrides: { worker: { pollMs: 50, outageBackoffMaxMs: 400 } } });
    svc = await h.service();
    h.c.worker.start();
  });
  afterAll(async () => {
    await h?.close();
    await pg?.destroy();
  });

  const start = (to = TO) => h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to } });
  const outbox = (to = TO) => h.app.inject({ method: 'GET', url: `/v1/outbox?to=${encodeURIComponent(to)}`, headers: svc.auth });

  it('answers 503 problem+json while the database is down, fails /readyz, and recovers by itself', async () => {
    expect((await start()).statusCode).toBe(201);
    await until(async () => ((await outbox()).json().data.length === 1 ? true : undefined));
    expect((await h.app.inject('/readyz')).statusCode).toBe(200);

    await pg.stop();
    const refused = await start();
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.headers['retry-after']).toBe('1');
    const problem = refused.json();
    expect(problem).toMatchObject({ code: 'service_unavailable', status: 503 });
    // Nothing internal leaks: no driver message, address or SQL.
    expect(refused.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|SELECT|INSERT|connect/i);
    const check = await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload: { to: TO, code: '000000' } });
    expect(check.statusCode).toBe(503);
    expect(check.json().code).toBe('service_unavailable');
    const ready = await h.app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().code).toBe('service_unavailable');
    expect((await h.app.inject('/healthz')).statusCode).toBe(200);

    // The outbox worker backs off instead of hammering the database, and says so.
    const backoffs = await until(async () => {
      const lines = h.logs.filter((l) => l.msg === 'outbox round failed; backing off');
      return lines.length >= 3 ? lines : undefined;
    });
    const delays = backoffs.map((l) => l.retry_in_ms as number);
    expect(delays[1]).toBeGreaterThan(delays[0]!);
    expect(Math.max(...delays)).toBeLessThanOrEqual(400);

    await pg.start();
    // No restart of otpgate: the pool opens fresh connections and everything answers again.
    await until(async () => ((await h.app.inject('/readyz')).statusCode === 200 ? true : undefined));
    const started = await start(TO2);
    expect(started.statusCode).toBe(201);
    // The worker resumes on its own (nobody calls drainOnce here) and the new SMS goes out.
    const sent = await until(async () => {
      const data = (await outbox(TO2)).json().data as Array<{ verification_id: string; body: string }>;
      return data.find((e) => e.verification_id === started.json().id);
    });
    const code = /\d{6}/.exec(sent.body)![0];
    const approved = await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload: { to: TO2, code } });
    expect(approved.json()).toMatchObject({ status: 'approved', valid: true });
    await until(async () => (h.logs.some((l) => l.msg === 'outbox worker recovered') ? true : undefined));
  });
});
