import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { createServiceAndKey, get, startLoad, waitFor } from './load.js';

/**
 * R4: SIGTERM under load lets the requests already received finish (their 201s are real) and
 * sends every queued SMS before the process exits 0.
 */
describe('SIGTERM under load (R4)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-drain-'));
  const adminKey = `og_admin_${randomBytes(24).toString('base64url')}`;
  let server: ServerProcess | null = null;

  afterAll(async () => {
    await server?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes in-flight requests, drains the outbox and exits 0', async () => {
    server = await startServer({ OTPGATE_ADMIN_KEY: adminKey, OTPGATE_SHUTDOWN_TIMEOUT_MS: '15000' }, { dataDir });
    const key = await createServiceAndKey(server.port, adminKey);
    const load = startLoad(server.port, key, 16, 3_000_000);
    await waitFor('200 acknowledged starts', async () => load.accepted.length >= 200, 20_000);

    // A request whose body is still arriving when SIGTERM comes: it must be answered, not cut.
    const body = JSON.stringify({ to: '+14159999999' });
    const slow = connect(server.port, '127.0.0.1');
    let slowAnswer = '';
    slow.on('data', (d) => (slowAnswer += d.toString()));
    slow.on('error', (error) => (slowAnswer += `[${error.message}]`)); // a cut connection fails the assertion below, not the run
    const slowClosed = new Promise<void>((r) => slow.on('close', () => r()));
    await new Promise<void>((r) => slow.on('connect', () => r()));
    slow.write(`POST /v1/verifications HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
    // The server must have read those headers before SIGTERM (else the request is new to a closing
    // server: 503). A fixed wait is not enough on a busy machine; an answer to a request sent after
    // them is: the server reads the older connection's bytes no later than the newer one's.
    expect((await get(server.port, '/healthz', key)).status).toBe(200);

    const started = Date.now();
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    slow.end(body.slice(5));
    const code = await server.stop();
    await load.stop();
    await slowClosed;

    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(slowAnswer).toMatch(/^HTTP\/1\.1 201 /);
    // Requests that reach a closing server are told so (Fastify's 503 + Connection: close);
    // everything received before is answered as usual.
    for (const status of load.statuses.keys()) expect([201, 503]).toContain(status);

    // The outbox was drained before exit: nothing is left queued or leased, and every
    // acknowledged verification's SMS was sent.
    const slowId = /"id":"(ver_[0-9a-z]+)"/.exec(slowAnswer)![1]!;
    const db = new Database(join(dataDir, 'otpgate.db'), { readonly: true });
    try {
      const unsent = db.prepare("SELECT COUNT(*) AS n FROM messages WHERE status IN ('queued', 'sending')").get() as { n: number };
      expect(unsent.n).toBe(0);
      const sent = new Set((db.prepare("SELECT verification_id FROM messages WHERE status = 'sent'").all() as Array<{ verification_id: string }>).map((r) => r.verification_id));
      for (const v of [...load.accepted.map((a) => a.id), slowId]) expect(sent.has(v), v).toBe(true);
    } finally {
      db.close();
    }
  }, 60_000);
});
