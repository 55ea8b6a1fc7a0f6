import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { createTestDatabase } from '../helpers/postgres.js';
import type { TestDatabase } from '../helpers/postgres.js';
import { skipUnless, tcpReachable } from '../helpers/services.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

const skip = skipUnless(await tcpReachable(5432));
const TO = '+14155550123';

/** The HTTP API on the PostgreSQL store: the same answers as on SQLite, and nothing readable at rest (C2, H1). */
describe.skipIf(skip)('HTTP API on PostgreSQL', () => {
  let db: TestDatabase;
  let url: string;
  let h: Harness;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());
  beforeEach(async () => {
    url = await db.schemaUrl(`h_${randomBytes(5).toString('hex')}`);
    h = await createHarness({ databaseUrl: url });
  });
  afterEach(async () => h.close());

  it('writes events with their state changes and delivers signed webhooks, retried under the same webhook-id', async () => {
    const wh = await createHarness({
      databaseUrl: await db.schemaUrl(`w_${randomBytes(5).toString('hex')}`), now: Date.now(), env: { OTPGATE_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1' },
    });
    const receiver = await startWebhookReceiver({ script: [500] });
    try {
      const a = await wh.service();
      const endpoint = await wh.app.inject({ method: 'POST', url: '/v1/webhooks', headers: a.auth, payload: { url: receiver.url } });
      receiver.secrets = [endpoint.json().secret as string];
      const started = await wh.app.inject({ method: 'POST', url: '/v1/verifications', headers: a.auth, payload: { to: TO } });
      const code = await wh.lastCode(a.key, TO);
      await wh.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: a.auth, payload: { to: TO, code } });
      await wh.c.webhookWorker.drainOnce();
      wh.clock.advance(5_000);
      await wh.c.webhookWorker.drainOnce();
      expect(receiver.rejected).toEqual([]);
      const delivered = receiver.received.filter((r) => r.answered === 200).map((r) => r.payload.type).sort();
      expect(delivered).toEqual(['message.sent', 'verification.approved', 'verification.created']);
      const retried = receiver.received.filter((r) => r.id === receiver.received[0]!.id).map((r) => r.answered);
      expect(retried).toEqual([500, 200]);
      const events = await wh.app.inject({ method: 'GET', url: `/v1/events?after=${receiver.received[0]!.id}`, headers: a.auth });
      expect(events.statusCode).toBe(200);
      expect(JSON.stringify(events.json()).replaceAll(TO, '')).not.toContain(code);
      expect(started.statusCode).toBe(201);
    } finally {
      await receiver.close();
      await wh.close();
    }
  });

  it('starts, replays an idempotent start, checks and reports readiness on postgres', async () => {
    const a = await h.service();
    const headers = { ...a.auth, 'idempotency-key': 'order-1' };
    const first = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers, payload: { to: TO } });
    expect(first.statusCode).toBe(201);
    const replay = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers, payload: { to: TO } });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(first.body);
    const other = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers, payload: { to: '+14155550124' } });
    expect(other.statusCode).toBe(422);
    const code = await h.lastCode(a.key, TO);
    const checked = await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: a.auth, payload: { to: TO, code } });
    expect(checked.json()).toMatchObject({ status: 'approved', valid: true, id: first.json().id });
    expect((await h.app.inject('/readyz')).json()).toEqual({ status: 'ready', store: 'postgres' });
  });

  it('C2: no cell of any table holds a code, a key, a context or a message body', async () => {
    const a = await h.service({ webotp_domain: 'acme.com' });
    const context = { payee: 'Mallory Inc', amount: '999.00' };
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: a.auth, payload: { to: TO, context } });
    const code = await h.lastCode(a.key, TO);
    await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: a.auth, payload: { to: TO, code: '99999999', context } });

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const cells: string[] = [];
    try {
      const tables = await client.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()");
      expect(tables.rows.length).toBeGreaterThanOrEqual(7);
      for (const { tablename } of tables.rows) {
        for (const row of (await client.query(`SELECT * FROM "${tablename}"`)).rows as Array<Record<string, unknown>>) {
          for (const value of Object.values(row)) {
            if (Buffer.isBuffer(value)) cells.push(value.toString('latin1'), value.toString('hex'), value.toString('base64'));
            // int8 epoch milliseconds arrive as strings of random digits here: they are not the code.
            else if (typeof value === 'string' && !/^\d{13}$/.test(value)) cells.push(value);
            else if (value !== null && typeof value === 'object') cells.push(JSON.stringify(value));
          }
        }
      }
    } finally {
      await client.end();
    }
    const everything = cells.join('\n');
    expect(everything).toContain(TO); // the number is stored; the secrets around it are not
    expect(everything).not.toContain(code);
    expect(everything).not.toContain(a.key);
    expect(everything).not.toContain(h.adminKey);
    expect(everything).not.toContain('Mallory');
    expect(everything).not.toContain('is your Acme');
  });
});
