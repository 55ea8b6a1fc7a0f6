import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { live } from '../store/store.records.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import type { WebhookReceiver } from '../helpers/webhook-receiver.js';

const TO = '+14155550123';
/** The receivers listen on loopback, which webhooks may not reach by default. */
const LOCAL_RECEIVERS = { OTPGATE_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1' };

let h: Harness;
let receiver: WebhookReceiver;
let svc: Awaited<ReturnType<Harness['service']>>;

beforeEach(async () => {
  // The fake clock starts at the real time: receivers refuse timestamps more than 5 minutes off.
  h = await createHarness({ now: Date.now(), env: { ...LOCAL_RECEIVERS, OTPGATE_WEBHOOK_TIMEOUT_MS: '5000' } });
  receiver = await startWebhookReceiver();
  svc = await h.service();
});
afterEach(async () => {
  await h.close();
  await receiver.close();
});

async function register(body: Record<string, unknown> = {}, auth = svc.auth) {
  const res = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: auth, payload: { url: receiver.url, ...body } });
  expect(res.statusCode).toBe(201);
  const endpoint = res.json<{ id: string; secret: string }>();
  receiver.secrets = [endpoint.secret];
  return endpoint;
}

async function startVerification(to = TO) {
  const res = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to } });
  expect(res.statusCode).toBe(201);
  return res.json<{ id: string }>().id;
}

const deliver = () => h.c.webhookWorker.drainOnce();

describe('delivery (Standard Webhooks, H4)', () => {
  it('sends signed events that the official standardwebhooks package verifies; webhook-id is the event id', async () => {
    await register();
    const id = await startVerification();
    const code = await h.lastCode(svc.key, TO);
    const check = await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload: { id, code } });
    expect(check.json().status).toBe('approved');
    await deliver();
    expect(receiver.rejected).toEqual([]);
    const types = receiver.received.map((r) => r.payload.type).sort();
    expect(types).toEqual(['message.sent', 'verification.approved', 'verification.created']);
    for (const r of receiver.received) {
      expect(r.id).toBe(r.payload.id);
      expect(r.id).toMatch(/^evt_/);
      expect(r.payload.service_id).toBe(svc.id);
      expect(Math.abs(Number(r.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    }
    const approved = receiver.received.find((r) => r.payload.type === 'verification.approved')!;
    expect(approved.payload.data).toMatchObject({ id, to: TO, status: 'approved', attempts: 1, attempts_remaining: 4 });
    // The same events can be read back.
    const events = await h.app.inject({ method: 'GET', url: '/v1/events', headers: svc.auth });
    expect(events.json().data.map((e: { id: string }) => e.id).sort()).toEqual(receiver.received.map((r) => r.id).sort());
  });

  it('a stalled instance gives a delivery back instead of sending on a lease that may be another\'s', async () => {
    await register({ event_types: ['verification.created'] });
    // Alive when the round claims; stalled by the time the request would go out.
    let alive = false;
    let asked = 0;
    vi.spyOn(h.c.instance, 'holdsLeases').mockImplementation(() => alive || ++asked === 1);
    await startVerification();
    await deliver();
    expect(asked).toBeGreaterThan(1);
    expect(receiver.received).toEqual([]);
    const [endpoint] = (await h.app.inject({ method: 'GET', url: '/v1/webhooks', headers: svc.auth })).json().data;
    const log = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${endpoint.id}/attempts`, headers: svc.auth });
    expect(log.json().data).toEqual([]); // no attempt was made
    // Alive again (or another instance): the delivery is pending as it was, and goes out once.
    alive = true;
    await deliver();
    expect(receiver.received.map((r) => r.payload.type)).toEqual(['verification.created']);
  });

  it('filters by event type and skips disabled endpoints', async () => {
    await register({ event_types: ['verification.canceled'] });
    const id = await startVerification();
    await h.app.inject({ method: 'POST', url: `/v1/verifications/${id}/cancel`, headers: svc.auth });
    await deliver();
    expect(receiver.received.map((r) => r.payload.type)).toEqual(['verification.canceled']);
  });

  it('retries a 500 with the same webhook-id on the Standard Webhooks schedule, and logs both attempts', async () => {
    const endpoint = await register({ event_types: ['verification.created'] });
    receiver.script = [500];
    await startVerification();
    await deliver();
    expect(receiver.received.map((r) => r.answered)).toEqual([500]);
    h.clock.advance(4_900);
    await deliver();
    expect(receiver.received).toHaveLength(1); // the first retry waits 5 s
    h.clock.advance(100);
    await deliver();
    expect(receiver.received.map((r) => r.answered)).toEqual([500, 200]);
    expect(receiver.received[1]!.id).toBe(receiver.received[0]!.id);
    expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body);
    h.clock.advance(120_000);
    await deliver();
    expect(receiver.received).toHaveLength(2); // delivered: never again

    const log = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${endpoint.id}/attempts`, headers: svc.auth });
    const attempts = log.json().data as Array<Record<string, unknown>>;
    expect(attempts.map((a) => [a.attempt, a.status_code, a.error])).toEqual([[2, 200, null], [1, 500, 'http_500']]);
    for (const a of attempts) expect(a.latency_ms).toEqual(expect.any(Number));
    const metrics = (await h.app.inject('/metrics')).body;
    expect(metrics).toContain('otpgate_webhook_attempts_total{outcome="retry"} 1');
    expect(metrics).toContain('otpgate_webhook_attempts_total{outcome="succeeded"} 1');
  });

  it('counts a receiver that does not answer in time as a failed attempt, and retries it', async () => {
    await h.close();
    h = await createHarness({ now: Date.now(), env: { ...LOCAL_RECEIVERS, OTPGATE_WEBHOOK_TIMEOUT_MS: '500' } });
    svc = await h.service();
    const endpoint = await register({ event_types: ['verification.created'] });
    receiver.delayNextMs = 1_500; // longer than the 500 ms time-out
    await startVerification();
    await deliver();
    h.clock.advance(5_000);
    await receiver.waitFor(1); // the slow first answer still arrives at the receiver, late
    await deliver();
    await receiver.waitFor(2);
    const log = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${endpoint.id}/attempts`, headers: svc.auth });
    expect(log.json().data.map((a: Record<string, unknown>) => [a.status_code, a.error])).toEqual([[200, null], [null, 'timeout']]);
  });

  it('disables the endpoint on 410 and sends it nothing more', async () => {
    const endpoint = await register({ event_types: ['verification.created'] });
    receiver.script = [410];
    await startVerification();
    await deliver();
    const after = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${endpoint.id}`, headers: svc.auth });
    expect(after.json()).toMatchObject({ enabled: false, disabled_reason: 'gone' });
    await startVerification('+14155550124');
    h.clock.advance(60_000);
    await deliver();
    expect(receiver.received.map((r) => r.answered)).toEqual([410]);
    // Enabled again, it receives new events.
    const enabled = await h.app.inject({ method: 'PATCH', url: `/v1/webhooks/${endpoint.id}`, headers: svc.auth, payload: { enabled: true } });
    expect(enabled.json()).toMatchObject({ enabled: true, disabled_reason: null });
    await startVerification('+14155550125');
    await deliver();
    expect(receiver.received.map((r) => r.answered)).toEqual([410, 200]);
  });

  it('redelivers an event on request, under the same webhook-id', async () => {
    const endpoint = await register({ event_types: ['verification.created'] });
    await startVerification();
    await deliver();
    const first = receiver.received[0]!;
    const res = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${endpoint.id}/redeliver`, headers: svc.auth, payload: { event_id: first.id } });
    expect(res.statusCode).toBe(202);
    await deliver();
    expect(receiver.received.map((r) => r.id)).toEqual([first.id, first.id]);
    const unknown = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${endpoint.id}/redeliver`, headers: svc.auth, payload: { event_id: 'evt_00000000000000000000000000' } });
    expect(unknown.statusCode).toBe(404);
  });
});

describe('events that nobody reads or that no request causes', () => {
  it('sends verification.expired from the sweeper, once, without any read of the verification', async () => {
    await register({ event_types: ['verification.expired'] });
    const id = await startVerification();
    h.clock.advanceSeconds(299);
    expect(await h.c.expirySweeper.sweep()).toBe(0);
    h.clock.advanceSeconds(1);
    expect(await h.c.expirySweeper.sweep()).toBe(1);
    await deliver();
    expect(receiver.received.map((r) => [r.payload.type, r.payload.data.id, r.payload.data.status])).toEqual([['verification.expired', id, 'expired']]);
    // A later read agrees and does not emit it again.
    const read = await h.app.inject({ method: 'GET', url: `/v1/verifications/${id}`, headers: svc.auth });
    expect(read.json().status).toBe('expired');
    expect(await h.c.expirySweeper.sweep()).toBe(0);
    await deliver();
    expect(receiver.received).toHaveLength(1);
  });

  it('publishes an event in one line (c.events.publish), fanned out like any other', async () => {
    await register({ event_types: ['quota.warning'] });
    const event = await h.c.events.publish(live(svc.id), 'quota.warning', { quota: 'daily_sends', used: 900, limit: 1000 });
    await deliver();
    expect(receiver.received.map((r) => [r.id, r.payload.type, r.payload.data])).toEqual([[event.id, 'quota.warning', { quota: 'daily_sends', used: 900, limit: 1000 }]]);
  });
});

describe('secret rotation', () => {
  it('signs with both secrets during the overlap, then with the new one only', async () => {
    const endpoint = await register({ event_types: ['verification.created'] });
    const oldSecret = endpoint.secret;
    const rotated = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${endpoint.id}/rotate-secret`, headers: svc.auth, payload: { overlap_seconds: 60 } });
    expect(rotated.statusCode).toBe(200);
    const newSecret = rotated.json().secret as string;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    expect(rotated.json().previous_secret_expires_at).toBe(new Date(h.clock.now() + 60_000).toISOString());

    receiver.secrets = [oldSecret, newSecret]; // the receiver verifies each request with both
    await startVerification();
    await deliver();
    expect(receiver.rejected).toEqual([]);
    expect(receiver.received[0]!.signature.split(' ')).toHaveLength(2);

    h.clock.advance(60_000);
    receiver.secrets = [newSecret];
    await startVerification('+14155550124');
    await deliver();
    const last = receiver.received[1]!;
    expect(last.signature.split(' ')).toHaveLength(1);
    const headers = { 'webhook-id': last.id, 'webhook-timestamp': last.timestamp, 'webhook-signature': last.signature };
    expect(() => new Webhook(oldSecret).verify(last.body, headers)).toThrow();
  });

  it('never shows a secret again', async () => {
    const endpoint = await register();
    const one = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${endpoint.id}`, headers: svc.auth });
    const all = await h.app.inject({ method: 'GET', url: '/v1/webhooks', headers: svc.auth });
    expect(one.body).not.toContain(endpoint.secret.slice(6));
    expect(all.body).not.toContain(endpoint.secret.slice(6));
    expect(one.json()).not.toHaveProperty('secret');
  });
});

describe('endpoint validation', () => {
  it.each(['ftp://example.com/hook', 'javascript:alert(1)', 'file:///etc/passwd', 'not a url', 'https://user:pass@example.com/hook', '/relative'])(
    'refuses %s with 400 invalid_webhook_url',
    async (url) => {
      const res = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: svc.auth, payload: { url } });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('invalid_webhook_url');
    },
  );

  it('refuses unknown event types and admin keys', async () => {
    const bad = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: svc.auth, payload: { url: receiver.url, event_types: ['verification.exploded'] } });
    expect(bad.statusCode).toBe(400);
    const admin = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: { authorization: `Bearer ${h.adminKey}` }, payload: { url: receiver.url } });
    expect(admin.statusCode).toBe(403);
  });
});

describe('tenant isolation (H3)', () => {
  it("a service never sees, changes or triggers another service's endpoints and events: 404", async () => {
    const endpoint = await register();
    await startVerification();
    await deliver();
    const eventId = receiver.received[0]!.id;
    const other = await h.service();
    const mine = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: other.auth, payload: { url: receiver.url } });
    const requests = [
      { method: 'GET' as const, url: `/v1/webhooks/${endpoint.id}` },
      { method: 'PATCH' as const, url: `/v1/webhooks/${endpoint.id}`, payload: { enabled: false } },
      { method: 'DELETE' as const, url: `/v1/webhooks/${endpoint.id}` },
      { method: 'POST' as const, url: `/v1/webhooks/${endpoint.id}/rotate-secret`, payload: {} },
      { method: 'GET' as const, url: `/v1/webhooks/${endpoint.id}/attempts` },
      { method: 'POST' as const, url: `/v1/webhooks/${endpoint.id}/redeliver`, payload: { event_id: eventId } },
      { method: 'POST' as const, url: `/v1/webhooks/${mine.json().id}/redeliver`, payload: { event_id: eventId } },
      { method: 'GET' as const, url: `/v1/events/${eventId}` },
    ];
    for (const request of requests) {
      const res = await h.app.inject({ ...request, headers: other.auth });
      expect(res.statusCode, `${request.method} ${request.url}`).toBe(404);
    }
    expect((await h.app.inject({ method: 'GET', url: '/v1/webhooks', headers: other.auth })).json().data.map((e: { id: string }) => e.id)).toEqual([mine.json().id]);
    expect((await h.app.inject({ method: 'GET', url: '/v1/events', headers: other.auth })).json().data).toEqual([]);
    const after = await h.app.inject({ method: 'GET', url: `/v1/events?after=${eventId}`, headers: other.auth });
    expect(after.statusCode).toBe(400);
    // The owner's endpoint is untouched.
    expect((await h.app.inject({ method: 'GET', url: `/v1/webhooks/${endpoint.id}`, headers: svc.auth })).json().enabled).toBe(true);
  });
});

describe('a changed server secret', () => {
  it('fails deliveries it cannot sign (no endless retries) until the endpoint secret is rotated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-webhook-secret-'));
    const databasePath = join(dir, 'otpgate.db');
    const first = await createHarness({ now: Date.now(), databasePath, env: LOCAL_RECEIVERS });
    const owner = await first.service();
    const created = await first.app.inject({ method: 'POST', url: '/v1/webhooks', headers: owner.auth, payload: { url: receiver.url, event_types: ['verification.created'] } });
    const endpointId = created.json().id as string;
    await first.close();

    const second = await createHarness({ now: Date.now(), databasePath, env: { ...LOCAL_RECEIVERS, OTPGATE_SECRET: randomBytes(32).toString('base64url') } });
    try {
      const start = () => second.app.inject({ method: 'POST', url: '/v1/verifications', headers: owner.auth, payload: { to: TO } });
      expect((await start()).statusCode).toBe(201);
      await second.c.webhookWorker.drainOnce();
      second.clock.advance(60_000);
      await second.c.webhookWorker.drainOnce();
      expect(receiver.received).toHaveLength(0);
      const log = await second.app.inject({ method: 'GET', url: `/v1/webhooks/${endpointId}/attempts`, headers: owner.auth });
      expect(log.json().data.map((a: Record<string, unknown>) => a.error)).toEqual(['secret_unreadable']);

      const rotated = await second.app.inject({ method: 'POST', url: `/v1/webhooks/${endpointId}/rotate-secret`, headers: owner.auth });
      expect(rotated.statusCode).toBe(200);
      expect(rotated.json().previous_secret_expires_at).toBeNull();
      receiver.secrets = [rotated.json().secret as string];
      await second.app.inject({ method: 'POST', url: `/v1/verifications/${(await second.app.inject({ method: 'GET', url: '/v1/verifications', headers: owner.auth })).json().data[0].id}/cancel`, headers: owner.auth });
      expect((await start()).statusCode).toBe(201);
      await second.c.webhookWorker.drainOnce();
      expect(receiver.received.map((r) => r.payload.type)).toEqual(['verification.created']);
    } finally {
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a slow receiver', () => {
  it('holds one request slot, not the whole round: other endpoints keep receiving meanwhile', async () => {
    await h.close();
    h = await createHarness({ now: Date.now(), env: LOCAL_RECEIVERS, overrides: { webhookWorker: { batchSize: 2, timeoutMs: 5_000 } } });
    svc = await h.service();
    const slow = await startWebhookReceiver();
    try {
      const slowEndpoint = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: svc.auth, payload: { url: slow.url, event_types: ['quota.warning'] } });
      slow.secrets = [slowEndpoint.json().secret as string];
      slow.delayNextMs = 1_500;
      await register({ event_types: ['fraud.prefix_blocked'] });
      await h.c.events.publish(live(svc.id), 'quota.warning', { n: 0 }); // due first, so it is in the first claim
      h.clock.advance(1);
      for (let n = 1; n <= 4; n++) await h.c.events.publish(live(svc.id), 'fraud.prefix_blocked', { n });
      const started = Date.now();
      await deliver();
      expect(slow.received).toHaveLength(1);
      expect(receiver.received).toHaveLength(4);
      // All four fast deliveries were answered while the slow one was still waiting.
      expect(Math.max(...receiver.received.map((r) => r.at))).toBeLessThan(slow.received[0]!.at);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await slow.close();
    }
  });
});

describe('destinations (server-side request forgery, OWASP API7)', () => {
  // By default a service key may only point webhooks at public addresses.
  let open: Harness;
  let tenant: Awaited<ReturnType<Harness['service']>>;
  beforeEach(async () => {
    open = await createHarness({ now: Date.now() });
    tenant = await open.service();
  });
  afterEach(() => open.close());

  it('refuses loopback, private, link-local, CGNAT, unique-local, multicast and unspecified addresses, in any spelling, at registration and on update', async () => {
    const endpoint = await open.app.inject({ method: 'POST', url: '/v1/webhooks', headers: tenant.auth, payload: { url: 'https://hooks.example.com/otp' } });
    expect(endpoint.statusCode).toBe(201);
    for (const url of [
      'http://127.0.0.1:8080/hooks', 'http://[::1]/hooks', 'http://169.254.169.254/latest/meta-data/', 'http://10.1.2.3/hooks',
      'http://172.16.0.1/hooks', 'http://192.168.1.10/hooks', 'http://100.64.0.1/hooks', 'http://0.0.0.0/hooks', 'http://[::ffff:127.0.0.1]/hooks',
      'http://[fd00::1]/hooks', 'http://[fe80::1]/hooks', 'http://224.0.0.1/hooks', 'http://localhost:3000/hooks', 'http://api.localhost/hooks',
      'http://2130706433/hooks', 'http://0x7f.1/hooks', 'http://[::127.0.0.1]/hooks', 'http://[::7f00:1]/hooks', 'http://[::a9fe:a9fe]/hooks',
      'http://[64:ff9b::7f00:1]/hooks', 'http://[2002:7f00:1::1]/hooks',
    ]) {
      const created = await open.app.inject({ method: 'POST', url: '/v1/webhooks', headers: tenant.auth, payload: { url } });
      expect(created.statusCode, url).toBe(400);
      expect(created.json().code, url).toBe('invalid_webhook_url');
      expect(created.json().detail, url).toContain('OTPGATE_WEBHOOK_ALLOWED_NETWORKS');
      const patched = await open.app.inject({ method: 'PATCH', url: `/v1/webhooks/${endpoint.json().id}`, headers: tenant.auth, payload: { url } });
      expect(patched.statusCode, url).toBe(400);
      expect(patched.json().code, url).toBe('invalid_webhook_url');
    }
  });

  it('accepts public names and addresses', async () => {
    for (const url of ['https://hooks.example.com/otp', 'http://93.184.215.14/otp', 'https://[2606:4700::6810:84e5]/otp']) {
      const res = await open.app.inject({ method: 'POST', url: '/v1/webhooks', headers: tenant.auth, payload: { url } });
      expect(res.statusCode, url).toBe(201);
    }
  });

  it('checks the address where the connection is made: a stored loopback URL, by address or by name, over http or https, is never called', async () => {
    // Endpoints registered while the operator allowed loopback; the setting is then removed.
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-webhook-ssrf-'));
    const env = { OTPGATE_SECRET: randomBytes(32).toString('base64url') };
    const databasePath = join(dir, 'otpgate.db');
    const allowing = await createHarness({ now: Date.now(), databasePath, env: { ...env, ...LOCAL_RECEIVERS } });
    const owner = await allowing.service();
    const byName = receiver.url.replace('127.0.0.1', 'localhost');
    const ids: string[] = [];
    for (const url of [receiver.url, byName, receiver.url.replace('http:', 'https:')]) {
      const created = await allowing.app.inject({ method: 'POST', url: '/v1/webhooks', headers: owner.auth, payload: { url, event_types: ['verification.created'] } });
      expect(created.statusCode).toBe(201);
      ids.push(created.json().id as string);
    }
    await allowing.close();

    const strict = await createHarness({ now: Date.now(), databasePath, env });
    try {
      expect((await strict.app.inject({ method: 'POST', url: '/v1/verifications', headers: owner.auth, payload: { to: TO } })).statusCode).toBe(201);
      await strict.c.webhookWorker.drainOnce();
      expect(receiver.received).toHaveLength(0);
      expect(receiver.rejected).toHaveLength(0);
      for (const id of ids) {
        const log = await strict.app.inject({ method: 'GET', url: `/v1/webhooks/${id}/attempts`, headers: owner.auth });
        expect(log.json().data.map((a: Record<string, unknown>) => [a.status_code, a.error])).toEqual([[null, 'destination_not_allowed']]);
      }
    } finally {
      await strict.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with the network allowed, a name is called on its allowed address', async () => {
    // localhost resolves to 127.0.0.1 and often ::1 too; only 127.0.0.1 is allowed, and the receiver listens there.
    await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: svc.auth, payload: { url: receiver.url.replace('127.0.0.1', 'localhost'), event_types: ['verification.created'] } })
      .then((res) => {
        expect(res.statusCode).toBe(201);
        receiver.secrets = [res.json().secret as string];
      });
    await startVerification();
    await deliver();
    expect(receiver.rejected).toEqual([]);
    expect(receiver.received.map((r) => r.payload.type)).toEqual(['verification.created']);
  });
});

describe("a receiver's answer", () => {
  it('is read up to 64 KiB and dropped: a receiver that never stops answering is cut off, and the attempt counts', async () => {
    let written = 0;
    let closed!: () => void;
    const cut = new Promise<void>((resolve) => (closed = resolve));
    const endless = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16_384, 'x');
      const pump = () => {
        while (!response.destroyed) {
          written += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
      };
      response.on('close', closed);
      pump();
    });
    await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(endless.address() as AddressInfo).port}/hooks`;
      const endpoint = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: svc.auth, payload: { url, event_types: ['verification.created'] } });
      expect(endpoint.statusCode).toBe(201);
      await startVerification();
      await deliver();
      await cut;
      // Cut off after 64 KiB plus what the kernel buffers (about 4 MB here); without the cut, it reads gigabytes until the 5 s time-out.
      expect(written).toBeLessThan(16 * 1024 * 1024);
      const log = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${endpoint.json().id}/attempts`, headers: svc.auth });
      expect(log.json().data.map((a: Record<string, unknown>) => [a.status_code, a.error])).toEqual([[200, null]]);
    } finally {
      endless.closeAllConnections();
      await new Promise((resolve) => endless.close(resolve));
    }
  });
});

describe('one tenant cannot slow another (T8)', () => {
  it('twenty hanging endpoints of one service hold a quarter of the slots; another service is delivered at once', async () => {
    await h.close();
    h = await createHarness({ now: Date.now(), env: { ...LOCAL_RECEIVERS, OTPGATE_WEBHOOK_TIMEOUT_MS: '4000' } });
    // A receiver that never answers: every request to it waits out the whole time-out.
    const hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const slowUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    try {
      const slowTenant = await h.service({ webhook_endpoints_max: 25 });
      for (let i = 0; i < 20; i++) {
        const res = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: slowTenant.auth, payload: { url: `${slowUrl}/hook/${i}` } });
        expect(res.statusCode).toBe(201);
      }
      svc = await h.service();
      await register();
      h.c.webhookWorker.start();
      await h.c.events.publish(live(slowTenant.id), 'quota.warning', { n: 1 });
      await new Promise((r) => setTimeout(r, 300)); // the slow tenant's twenty requests are under way
      const published = Date.now();
      await h.c.events.publish(live(svc.id), 'quota.warning', { n: 2 });
      const [arrived] = await receiver.waitFor(1, 3_000);
      expect(arrived!.at - published).toBeLessThan(1_000);
      const metrics = await h.app.inject({ url: '/metrics' });
      expect(metrics.body).toMatch(/otpgate_webhook_delivery_delay_seconds_count \d+/);
    } finally {
      await h.c.webhookWorker.stop(100);
      hanging.closeAllConnections();
      hanging.close();
    }
  });

  it('caps the endpoints of a service per mode (webhook_endpoints_max)', async () => {
    svc = await h.service({ webhook_endpoints_max: 2 });
    for (let i = 0; i < 2; i++) expect((await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: svc.auth, payload: { url: `https://hooks.example.com/${i}` } })).statusCode).toBe(201);
    const refused = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: svc.auth, payload: { url: 'https://hooks.example.com/3' } });
    expect(refused.json()).toMatchObject({ status: 409, code: 'too_many_webhook_endpoints' });
    // The test world has a cap of its own: a test key cannot use up the live one, nor the reverse.
    const testKey = (await h.app.inject({ method: 'POST', url: `/v1/services/${svc.id}/keys`, headers: { authorization: `Bearer ${h.adminKey}` }, payload: { mode: 'test' } })).json().key;
    const inTest = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: { authorization: `Bearer ${testKey}` }, payload: { url: 'https://hooks.example.com/t' } });
    expect(inTest.statusCode).toBe(201);
  });
});
