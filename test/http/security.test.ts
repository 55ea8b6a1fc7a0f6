import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

const TO = '+14155550123';

describe('tenant isolation (H3)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => h.close());

  it('a key of service A cannot read, check, cancel or list anything of service B: 404, never 403', async () => {
    const a = await h.service();
    const b = await h.service();
    const started = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: b.auth, payload: { to: TO } });
    const id = started.json().id as string;
    const code = await h.lastCode(b.key, TO);

    const fetch = await h.app.inject({ method: 'GET', url: `/v1/verifications/${id}`, headers: a.auth });
    expect(fetch.statusCode).toBe(404);
    const byId = await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: a.auth, payload: { id, code } });
    expect(byId.statusCode).toBe(404);
    const byNumber = await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: a.auth, payload: { to: TO, code } });
    expect(byNumber.statusCode).toBe(404);
    const cancel = await h.app.inject({ method: 'POST', url: `/v1/verifications/${id}/cancel`, headers: a.auth });
    expect(cancel.statusCode).toBe(404);
    const list = await h.app.inject({ method: 'GET', url: '/v1/verifications', headers: a.auth });
    expect(list.json().data).toEqual([]);
    const outbox = await h.app.inject({ method: 'GET', url: '/v1/outbox', headers: a.auth });
    expect(outbox.json().data).toEqual([]);
    const service = await h.app.inject({ method: 'GET', url: `/v1/services/${b.id}`, headers: a.auth });
    expect(service.statusCode).toBe(404);
    // The same requests and answers as for an id that never existed.
    const ghost = await h.app.inject({ method: 'GET', url: '/v1/verifications/ver_00000000000000000000000000', headers: a.auth });
    expect(ghost.statusCode).toBe(fetch.statusCode);
    expect(ghost.json().code).toBe(fetch.json().code);
    // And B's verification is untouched.
    const still = await h.app.inject({ method: 'GET', url: `/v1/verifications/${id}`, headers: b.auth });
    expect(still.json()).toMatchObject({ status: 'pending', attempts_remaining: 5 });
  });

  it('service keys cannot manage services or keys; admin keys cannot run verifications', async () => {
    const a = await h.service();
    expect((await h.app.inject({ method: 'GET', url: '/v1/services', headers: a.auth })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'POST', url: `/v1/services/${a.id}/keys`, headers: a.auth })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'PATCH', url: `/v1/services/${a.id}`, headers: a.auth, payload: { max_check_attempts: 20 } })).statusCode).toBe(403);
    const admin = { authorization: `Bearer ${h.adminKey}` };
    const res = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: admin, payload: { to: TO } });
    expect(res.statusCode).toBe(403);
  });

  it.each([
    [{}],
    [{ authorization: 'Bearer og_live_thisisnotakeythisisnotakey' }],
    [{ authorization: 'Basic dXNlcjpwYXNz' }],
    [{ authorization: 'Bearer ' }],
  ])('refuses %j with 401 problem+json', async (headers) => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers, payload: { to: TO } });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('unauthorized');
  });

  it('a revoked key stops working at once', async () => {
    const a = await h.service();
    const admin = { authorization: `Bearer ${h.adminKey}` };
    expect((await h.app.inject({ method: 'GET', url: '/v1/verifications', headers: a.auth })).statusCode).toBe(200);
    const keys = await h.app.inject({ method: 'GET', url: `/v1/services/${a.id}/keys`, headers: admin });
    const keyId = keys.json().data[0].id as string;
    expect(keys.json().data[0]).not.toHaveProperty('key');
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/services/${a.id}/keys/${keyId}`, headers: admin })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: '/v1/verifications', headers: a.auth })).statusCode).toBe(401);
  });
});

describe('nothing at rest or in the logs yields a code or a key (C2, H3)', () => {
  let dir: string;
  let h: Harness;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otpgate-rest-'));
    h = await createHarness({ databasePath: join(dir, 'otpgate.db') });
  });
  afterEach(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores keys hashed and codes, bodies and contexts only keyed or sealed', async () => {
    const a = await h.service({ webotp_domain: 'acme.com' });
    const context = { payee: 'Mallory Inc', amount: '999.00' };
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: a.auth, payload: { to: TO, context } });
    const code = await h.lastCode(a.key, TO);
    await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: a.auth, payload: { to: TO, code: '99999999', context } });
    // A webhook secret is needed to sign, so it is stored, but only sealed (H4).
    const hook = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: a.auth, payload: { url: 'https://hooks.example.com/otpgate' } });
    const webhookSecret = (hook.json().secret as string).slice('whsec_'.length);
    const rotated = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${hook.json().id}/rotate-secret`, headers: a.auth });
    const rotatedSecret = (rotated.json().secret as string).slice('whsec_'.length);

    // Twilio-style Basic credentials (an account token and an API key secret) are keys too: hashed only (H3).
    const basicSecrets: string[] = [];
    for (const type of ['account', 'api_key']) {
      const issued = await h.app.inject({
        method: 'POST', url: `/v1/services/${a.id}/basic-credentials`,
        headers: { authorization: `Bearer ${h.adminKey}` }, payload: { type },
      });
      expect(issued.statusCode).toBe(201);
      basicSecrets.push(issued.json<{ secret: string }>().secret);
    }

    // Read every cell of every table, as an attacker with a copy of the database would.
    const db = new Database(join(dir, 'otpgate.db'), { readonly: true });
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
    const cells: string[] = [];
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Array<Record<string, unknown>>) {
        for (const value of Object.values(row)) {
          if (Buffer.isBuffer(value)) cells.push(value.toString('latin1'), value.toString('hex'), value.toString('base64'));
          else if (value !== null) cells.push(String(value));
        }
      }
    }
    db.close();
    const everything = cells.join('\n');
    expect(everything).not.toContain(code);
    expect(everything).not.toContain(a.key);
    expect(everything).not.toContain(h.adminKey);
    expect(everything).not.toContain('Mallory');
    expect(everything).not.toContain('is your Acme');
    for (const secret of basicSecrets) expect(everything).not.toContain(secret);
    for (const secret of [webhookSecret, rotatedSecret]) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(Buffer.from(secret, 'base64').toString('hex'));
    }
    // Also the raw files (WAL included), in case something was written and then deleted.
    for (const file of ['otpgate.db', 'otpgate.db-wal']) {
      let raw = '';
      try {
        raw = readFileSync(join(dir, file)).toString('latin1');
      } catch {
        continue;
      }
      expect(raw).not.toContain(code);
      expect(raw).not.toContain(a.key);
      expect(raw).not.toContain(webhookSecret);
    }

    // Logs: no code, no key, no full number.
    const logs = JSON.stringify(h.logs);
    expect(h.logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(code);
    expect(logs).not.toContain(a.key);
    expect(logs).not.toContain(h.adminKey);
    expect(logs).not.toContain(webhookSecret);
    expect(logs).not.toContain(rotatedSecret);
    expect(logs).not.toContain('4155550123');
    expect(logs).toContain('0123');
  });
});
