import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { createServiceAndKey, eachLimited, get, post, startLoad, waitFor } from './load.js';
import type { Accepted } from './load.js';

/**
 * R1: a 201 is a promise. Kill -9 a server under load, restart it on the same data dir: every
 * verification that was answered 201 exists, can be checked, and its SMS goes out — at least
 * once, and a duplicate carries the same message id.
 */
describe('kill -9 under load (R1)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-crash-'));
  const adminKey = `og_admin_${randomBytes(24).toString('base64url')}`;
  // The default 30 s lease: the restarted process takes over what the killed one had leased at
  // once (its predecessor's pid is dead), not when the lease runs out.
  const env = { OTPGATE_ADMIN_KEY: adminKey };
  let server: ServerProcess | null = null;

  afterAll(async () => {
    await server?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every acknowledged verification and sends its SMS after a restart', async () => {
    server = await startServer(env, { dataDir });
    const key = await createServiceAndKey(server.port, adminKey);

    const load = startLoad(server.port, key, 16, 2_000_000);
    await waitFor('300 acknowledged starts', async () => load.accepted.length >= 300, 20_000);
    server.child.kill('SIGKILL'); // mid-load: requests are in flight, sends are queued and leased
    await server.stop();
    await load.stop();
    const accepted: Accepted[] = [...load.accepted];
    expect(accepted.length).toBeGreaterThanOrEqual(300);

    const leased = (() => {
      const db = new Database(join(dataDir, 'otpgate.db'), { readonly: true });
      try {
        return (db.prepare("SELECT count(*) AS n FROM messages WHERE status = 'sending'").get() as { n: number }).n;
      } finally {
        db.close();
      }
    })();
    server = await startServer(env, { dataDir });
    const restarted = Date.now();
    const port = server.port;

    // Recovery in seconds: nothing the dead process had leased waits for its 30 s lease.
    const db = new Database(join(dataDir, 'otpgate.db'), { readonly: true });
    try {
      const left = () => db.prepare("SELECT count(*) AS n FROM messages WHERE status IN ('queued', 'sending')").get() as { n: number };
      await waitFor('no SMS left to send', async () => left().n === 0, 20_000);
    } finally {
      db.close();
    }
    const recoveryMs = Date.now() - restarted;
    console.log(`crash: ${accepted.length} acknowledged starts, ${leased} SMS leased by the killed process; every SMS sent ${recoveryMs} ms after the restart listened`);
    expect(recoveryMs).toBeLessThan(5000);

    // Every 201 survived, still pending, with the message it was acknowledged with.
    await eachLimited(accepted, 8, async (v) => {
      const found = await get(port, `/v1/verifications/${v.id}`, key);
      expect(found.status, v.id).toBe(200);
      expect(found.json.status).toBe('pending');
      expect(found.json.sends.map((s: { message_id: string }) => s.message_id)).toEqual(expect.arrayContaining(v.messageIds));
    });

    // Its SMS goes out (the restarted worker takes over what the dead one had leased).
    const codes = new Map<string, string>();
    await waitFor('every SMS in the outbox', async () => {
      await eachLimited(accepted.filter((v) => !codes.has(v.id)), 8, async (v) => {
        const outbox = await get(port, `/v1/outbox?to=${encodeURIComponent(v.to)}&limit=100`, key);
        const mine = (outbox.json.data as Array<{ verification_id: string; message_id: string; body: string }>).filter((e) => e.verification_id === v.id);
        for (const entry of mine) expect(v.messageIds, 'a duplicate send carries the same message id').toContain(entry.message_id);
        if (mine.length > 0) {
          codes.set(v.id, /\b(\d{6})\b/.exec(mine[0]!.body)![1]!);
        }
      });
      return codes.size === accepted.length;
    }, 30_000);

    // And it can be checked: the code that went out approves it.
    await eachLimited(accepted, 8, async (v) => {
      const checked = await post(port, '/v1/verifications/check', key, { id: v.id, code: codes.get(v.id) });
      expect(checked.status, JSON.stringify(checked.json)).toBe(200);
      expect(checked.json).toMatchObject({ status: 'approved', valid: true });
    });
  }, 90_000);
});
