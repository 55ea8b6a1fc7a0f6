import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { privatePostgresAvailable, startPrivatePostgres } from '../helpers/postgres.js';
import type { PrivatePostgres } from '../helpers/postgres.js';
import { startServer } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { skipUnless } from '../helpers/services.js';
import { createService, eachLimited, get, startLoad, waitFor } from './load.js';
import type { LoadAnswer } from './load.js';

const skip = skipUnless(await privatePostgresAvailable());

/** The client gives up on a start after this; the server's request time-out is the same. */
const REQUEST_TIMEOUT_MS = 5000;
/** How long after PostgreSQL is back a new start must get its 201. */
const RECOVERY_BOUND_MS = 10_000;

/**
 * R3 under load, on a private cluster (never the shared one): 12 clients keep starting
 * verifications against a real server on PostgreSQL; the cluster is stopped mid-load and started
 * again a couple of seconds later. While it is down every start is answered 503 problem+json at
 * once (never another 5xx, never a 201, never a hang); then the same process recovers by itself,
 * and every 201 from before and after is in the database and its SMS reaches the dev outbox.
 */
describe.skipIf(skip)('PostgreSQL stopped and started under load (R3)', () => {
  const adminKey = `og_admin_${randomBytes(24).toString('base64url')}`;
  let cluster: PrivatePostgres | null = null;
  let server: ServerProcess | null = null;

  afterAll(async () => {
    await server?.stop('SIGKILL');
    server?.cleanup();
    await cluster?.destroy();
  }, 30_000);

  it('answers 503 while the database is down and recovers without a restart, losing nothing acknowledged', async () => {
    const t0 = Date.now();
    let finished = false;
    cluster = await startPrivatePostgres();
    server = await startServer({
      OTPGATE_ADMIN_KEY: adminKey,
      OTPGATE_DATABASE_URL: cluster.url,
      OTPGATE_SECRET: randomBytes(48).toString('base64url'),
      OTPGATE_WORKER_POLL_MS: '100',
      // SMS whose delivery was under way when the database went away stay leased (nothing can be
      // written then); another round takes them over when the lease runs out: 2 s here, not 30.
      OTPGATE_WORKER_LEASE_MS: '2000',
      OTPGATE_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      OTPGATE_HEADERS_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    });
    const port = server.port;
    const child = server.child;
    const output = server.output;
    child.once('exit', (code, signal) => {
      // The process must never exit here; if it does, show why (afterAll's SIGKILL comes after this test).
      if (!finished) console.error(`otpgate exited (${code ?? signal}) during the test; its last output:\n${output().slice(-6000)}`);
    });
    const service = await createService(port, adminKey);
    const tLoad = Date.now();
    const load = startLoad(port, service.key, 12, 5_000_000, { timeoutMs: REQUEST_TIMEOUT_MS });
    const hold = async (what: string, minMs: number, seen: () => boolean) => {
      const from = Date.now();
      await waitFor(what, async () => Date.now() - from >= minMs && seen(), 20_000);
    };

    await hold('60 acknowledged starts', 500, () => load.accepted.length >= 60);
    const stopping = Date.now();
    await cluster.stop();
    const stopped = Date.now();

    // Down: not ready (problem+json), still alive.
    const ready = await get(port, '/readyz', '', REQUEST_TIMEOUT_MS);
    expect(ready.status).toBe(503);
    expect(ready.contentType).toMatch(/^application\/problem\+json/);
    expect(ready.json.code).toBe('service_unavailable');
    expect((await get(port, '/healthz', '', REQUEST_TIMEOUT_MS)).status).toBe(200);
    const sentWhileDown = () => load.answers.filter((a) => a.sentAt >= stopped);
    await hold('2 s of starts while the database is down', 2000, () => sentWhileDown().length >= 50);

    const starting = Date.now();
    await cluster.start();
    const started = Date.now();
    // Recovery by itself (no restart of otpgate): new starts are acknowledged again, soon.
    await waitFor('a 201 for a start sent after the database came back', async () => load.accepted.some((a) => a.sentAt >= started), RECOVERY_BOUND_MS);
    const recoveredIn = Math.min(...load.accepted.filter((a) => a.sentAt >= started).map((a) => a.at)) - started;
    const acceptedBefore = load.accepted.filter((a) => a.at <= stopping).length;
    await hold('60 acknowledged starts after the restart', 500, () => load.accepted.filter((a) => a.sentAt >= started).length >= 60);
    await load.stop();
    const tStopped = Date.now();

    // Every start was answered, within the time-out: 201 or 503, nothing else, no cut connection.
    const statuses = Object.fromEntries(load.statuses);
    expect(load.answers.filter((a) => a.timedOut)).toEqual([]);
    expect(load.refused()).toBe(0);
    expect(Object.keys(statuses).sort()).toEqual(['201', '503']);
    const slowest = Math.max(...load.answers.map((a) => a.answeredAt - a.sentAt));
    expect(slowest).toBeLessThan(REQUEST_TIMEOUT_MS);
    // Each 503 is problem+json saying service_unavailable, and says when to retry.
    const refusals = load.answers.filter((a) => a.status === 503);
    const notProblem = refusals.filter((a) => !/^application\/problem\+json/.test(a.contentType) || a.code !== 'service_unavailable' || !/^\d+$/.test(a.retryAfter ?? ''));
    expect(notProblem.slice(0, 3)).toEqual<LoadAnswer[]>([]);
    // While the cluster was down (from a completed stop to the start of the restart), no start was
    // acknowledged: a 201 is only given for what the database holds.
    const whileDown = load.answers.filter((a) => a.sentAt >= stopped && a.answeredAt <= starting);
    expect(whileDown.length).toBeGreaterThan(0);
    expect(whileDown.filter((a) => a.status !== 503)).toEqual([]);

    // Up again, the same process (it never exited) is ready.
    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();
    expect((await get(port, '/readyz', '', REQUEST_TIMEOUT_MS)).status).toBe(200);

    // Every acknowledged verification, from before the stop and after the restart, is in the
    // database with its message, and that message reaches the dev outbox.
    const accepted = [...load.accepted];
    const tChecks = Date.now();
    const ids = accepted.map((a) => a.id);
    const messageIds = accepted.flatMap((a) => a.messageIds);
    const db = new pg.Client({ connectionString: cluster.url });
    await db.connect();
    try {
      const verifications = await db.query<{ n: string }>('SELECT count(*) AS n FROM verifications WHERE id = ANY($1)', [ids]);
      expect(Number(verifications.rows[0]!.n)).toBe(ids.length);
      const messages = await db.query<{ n: string }>('SELECT count(*) AS n FROM messages WHERE id = ANY($1)', [messageIds]);
      expect(Number(messages.rows[0]!.n)).toBe(messageIds.length);
      await waitFor('every acknowledged SMS in the dev outbox', async () => {
        const sent = await db.query<{ n: string }>('SELECT count(DISTINCT message_id) AS n FROM dev_outbox WHERE message_id = ANY($1)', [messageIds]);
        return Number(sent.rows[0]!.n) === messageIds.length;
      }, 20_000).catch(async (error: unknown) => {
        // Say where the missing ones are stuck, for whoever reads the failure.
        const missing = await db.query('SELECT m.id, m.status, m.attempts, m.error_code, m.lease_until, v.status AS verification FROM messages m JOIN verifications v ON v.id = m.verification_id WHERE m.id = ANY($1) AND NOT EXISTS (SELECT 1 FROM dev_outbox d WHERE d.message_id = m.id)', [messageIds]);
        throw new Error(`${(error as Error).message}: ${missing.rows.length} missing, e.g. ${JSON.stringify(missing.rows.slice(0, 5))}`);
      });
      // At least once: a second entry for a verification (a send taken over after its lease) carries
      // the message id that verification was acknowledged with.
      const entries = await db.query<{ verification_id: string; message_id: string }>('SELECT verification_id, message_id FROM dev_outbox WHERE verification_id = ANY($1)', [ids]);
      const acknowledged = new Map(accepted.map((a) => [a.id, a.messageIds]));
      expect(entries.rows.filter((e) => !acknowledged.get(e.verification_id)?.includes(e.message_id))).toEqual([]);
    } finally {
      await db.end();
    }
    // And the API shows it so: each verification pending, its send `sent`.
    await eachLimited(accepted, 8, async (v) => {
      const found = await get(port, `/v1/verifications/${v.id}`, service.key);
      expect(found.status, v.id).toBe(200);
      expect(found.json.status).toBe('pending');
      expect(found.json.sends).toMatchObject(v.messageIds.map((id) => ({ message_id: id, status: 'sent' })));
    });
    // The outbox worker went through the outage and says it recovered. The outage never counted
    // as the SMS provider failing (the console provider writes the dev outbox to the database):
    // no failed try, no open circuit, no SMS given up.
    const log = server.output();
    expect(log).toContain('outbox worker recovered');
    expect(log).not.toMatch(/"msg":"(send failed|provider skipped: circuit open|send failed for good)"/);

    finished = true;
    const acceptedAfter = accepted.filter((a) => a.sentAt >= started).length;
    console.info(
      `postgres-under-load: setup ${tLoad - t0} ms, load ${tStopped - tLoad} ms, checks ${Date.now() - tChecks} ms; ${accepted.length} acknowledged (${acceptedBefore} before the stop, ${acceptedAfter} after the restart), ` +
        `${refusals.length} answered 503 (${whileDown.length} while down), slowest answer ${slowest} ms; ` +
        `stop took ${stopped - stopping} ms, down ${starting - stopped} ms, start took ${started - starting} ms, first 201 ${recoveredIn} ms after`,
    );
  }, 90_000);
});
