import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startStub } from '../helpers/stub-server.js';
import type { StubServer } from '../helpers/stub-server.js';

const TO = '+4915112345678';
let h: Harness;
let primary: StubServer;
let backup: StubServer;
let svc: Awaited<ReturnType<Harness['service']>>;

const provider = (name: string, stub: StubServer) => ({
  name,
  type: 'http',
  settings: { url: `${stub.url}/send`, body_template: '{"to":"{{to}}","text":"{{body}}","ref":"{{message_id}}","from":"{{from}}"}', message_id_path: 'id', error_code_path: 'error' },
});

async function useProviders(extra: Record<string, unknown> = {}) {
  const res = await h.app.inject({
    method: 'PUT',
    url: `/v1/services/${svc.id}/sms`,
    headers: { authorization: `Bearer ${h.adminKey}` },
    payload: { providers: [provider('primary', primary), provider('backup', backup)], route: ['primary', 'backup'], ...extra },
  });
  expect(res.statusCode, res.body).toBe(200);
}

const start = async () => {
  const res = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: TO } });
  expect(res.statusCode).toBe(201);
  return res.json<{ id: string }>().id;
};
const fetchVerification = async (id: string) =>
  (await h.app.inject({ method: 'GET', url: `/v1/verifications/${id}`, headers: svc.auth })).json<{ status: string; sends: Array<Record<string, unknown>> }>();
const metric = async (pattern: RegExp) => {
  const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
  return text.split('\n').filter((line) => pattern.test(line));
};

beforeEach(async () => {
  primary = await startStub({ status: 200, body: { id: 'p-1' } });
  backup = await startStub({ status: 200, body: { id: 'b-1' } });
  h = await createHarness({ env: { OTPGATE_SMS_SEND_TIMEOUT_MS: '300', OTPGATE_SMS_BREAKER_THRESHOLD: '4' } });
  svc = await h.service();
});
afterEach(async () => {
  await h.close();
  await primary.close();
  await backup.close();
});

describe('routing and failover (R2)', () => {
  it('sends through the first provider of the route, with the sender id of the country', async () => {
    await useProviders({ sender_id: 'Acme', country_sender_ids: { DE: 'AcmeDE' } });
    const id = await start();
    await h.c.worker.drainOnce();
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(0);
    const sent = JSON.parse(primary.requests[0]!.body) as Record<string, string>;
    expect(sent).toMatchObject({ to: TO, from: 'AcmeDE' });
    expect(sent.text).toMatch(/^\d{6} /);
    const v = await fetchVerification(id);
    expect(v.sends[0]).toMatchObject({ status: 'sent', provider: 'primary', error_code: null });
  });

  it('retries a provider answering 500, then fails over to the next', async () => {
    primary.answer({ status: 500, body: { error: 'E500' } });
    await useProviders();
    const id = await start();
    await h.c.worker.drainOnce();
    expect(primary.requests).toHaveLength(2); // OTPGATE_SMS_PROVIDER_TRIES default 2
    expect(backup.requests).toHaveLength(1);
    expect(JSON.parse(backup.requests[0]!.body).ref).toBe(JSON.parse(primary.requests[0]!.body).ref); // same message id
    expect((await fetchVerification(id)).sends[0]).toMatchObject({ status: 'sent', provider: 'backup' });
    expect(await metric(/otpgate_sms_sends_total\{provider="primary",channel="sms",outcome="failover"\} 1/)).toHaveLength(1);
  });

  it('treats a hanging provider as a retryable time-out and fails over', async () => {
    primary.answer({ hang: true });
    await useProviders();
    const id = await start();
    const began = Date.now();
    await h.c.worker.drainOnce();
    expect(Date.now() - began).toBeLessThan(3000);
    expect(primary.requests).toHaveLength(2);
    expect(backup.requests).toHaveLength(1);
    expect((await fetchVerification(id)).sends[0]).toMatchObject({ status: 'sent', provider: 'backup' });
  });

  it('routes a country to its own provider list', async () => {
    await useProviders({ country_routes: { DE: ['backup'] } });
    await start();
    await h.c.worker.drainOnce();
    expect(primary.requests).toHaveLength(0);
    expect(backup.requests).toHaveLength(1);
  });

  it('with every provider down the verification ends failed, visible in sends and metrics', async () => {
    primary.answer({ status: 503, body: { error: 'unavailable' } });
    backup.answer({ hang: true });
    await useProviders();
    const id = await start();
    for (let round = 0; round < 6; round++) {
      await h.c.worker.drainOnce();
      h.clock.advanceSeconds(31);
    }
    const v = await fetchVerification(id);
    expect(v.status).toBe('failed');
    expect(v.sends[0]).toMatchObject({ status: 'failed', error_code: expect.any(String) });
    expect(['timeout', 'unavailable']).toContain(v.sends[0]!.error_code);
    expect(await metric(/otpgate_verifications_finished_total\{.*status="failed"\} 1/)).toHaveLength(1);
    expect(await metric(/otpgate_sms_messages_total\{.*status="failed".*\} 1/)).toHaveLength(1);
    // The circuit breaker stopped calling the dead providers before the rounds ran out.
    expect(primary.requests.length).toBeLessThan(10);
  });

  it('does not fail over on a refusal that no provider can fix', async () => {
    primary.answer({ status: 400, body: { error: 'invalid_number' } });
    await useProviders();
    const id = await start();
    await h.c.worker.drainOnce();
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(0);
    const v = await fetchVerification(id);
    expect(v.status).toBe('failed');
    expect(v.sends[0]).toMatchObject({ status: 'failed', provider: 'primary', error_code: 'invalid_number' });
  });

  /** A start to `to` and one worker round. */
  const startAndDeliver = async (to: string) => {
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to } });
    await h.c.worker.drainOnce();
  };

  /** The primary answers 500 to two sends of two tries each: its breaker (threshold 4) opens. */
  const openPrimaryCircuit = async () => {
    primary.answer({ status: 500, body: {} });
    await useProviders();
    await start();
    await h.c.worker.drainOnce(); // 2 failures
    h.clock.advanceSeconds(31);
    await startAndDeliver('+4915112345679'); // 2 more: threshold 4 reached
  };

  it('opens the circuit of a failing provider and probes it again after the open time', async () => {
    await openPrimaryCircuit();
    expect(primary.requests).toHaveLength(4);
    await startAndDeliver('+4915112345670');
    expect(primary.requests).toHaveLength(4); // skipped while open
    expect(backup.requests).toHaveLength(3);
    primary.answer({ status: 200, body: { id: 'p-2' } });
    h.clock.advanceSeconds(31); // OTPGATE_SMS_BREAKER_OPEN_MS default 30 s
    await startAndDeliver('+4915112345671');
    expect(primary.requests).toHaveLength(5); // the probe went through and closed the circuit
    expect(backup.requests).toHaveLength(3);
  });

  it('a probe answered with a refusal no provider can fix still ends the half-open state', async () => {
    await openPrimaryCircuit();
    primary.answer({ status: 400, body: { error: 'invalid_number' } });
    h.clock.advanceSeconds(31);
    await startAndDeliver('+4915112345670'); // the probe: refused for this number only
    expect(primary.requests).toHaveLength(5);
    primary.answer({ status: 200, body: { id: 'p-3' } });
    await startAndDeliver('+4915112345671');
    expect(primary.requests).toHaveLength(6); // not skipped for good
  });
});

describe('a round never outlasts its lease', () => {
  it('stops trying when another try could end after the lease, so no other worker sends it twice', async () => {
    await h.close();
    h = await createHarness({ env: { OTPGATE_SMS_SEND_TIMEOUT_MS: '300', OTPGATE_WORKER_LEASE_MS: '1500' } });
    svc = await h.service();
    // Each call to the primary "takes" 600 ms of the clock that leases are measured on.
    primary.answer(() => {
      h.clock.advance(600);
      return { status: 503, body: { error: 'busy' } };
    });
    await useProviders();
    const id = await start();
    await h.c.worker.drainOnce();
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(0);
    expect((await fetchVerification(id)).sends[0]).toMatchObject({ status: 'queued', error_code: 'busy' });
  });

  it('gives the lease back instead of trying again when this instance stalled and may have been taken for dead', async () => {
    let alive = true;
    vi.spyOn(h.c.instance, 'holdsLeases').mockImplementation(() => alive);
    // The first try fails; meanwhile the process stalls (SIGSTOP, a blocked event loop) past the liveness limit.
    primary.answer(() => {
      alive = false;
      return { status: 503, body: { error: 'busy' } };
    });
    await useProviders();
    const id = await start();
    await h.c.worker.drainOnce();
    // No second try and no failover on a lease that may be another instance's now.
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(0);
    const [message] = await h.c.store.listMessages(id);
    // Queued again, free for any worker (this one too, once it knows itself alive again), the try not counted.
    expect(message).toMatchObject({ status: 'queued', leaseOwner: null, leaseUntil: null, attempts: 0 });
    alive = true;
    primary.answer({ status: 200, body: { id: 'p-2' } });
    await h.c.worker.drainOnce();
    expect((await fetchVerification(id)).sends[0]).toMatchObject({ status: 'sent', provider: 'primary' });
  });
});

describe('logs of provider failures', () => {
  it('never hold the full number or the code a vendor echoes in its error text', async () => {
    primary.answer((req) => {
      const sent = JSON.parse(req.body) as { to: string; text: string };
      return { status: 400, body: { error: 'E21211', message: `The 'To' number ${sent.to} is not valid for "${sent.text}"` } };
    });
    await h.close();
    h = await createHarness({ env: { OTPGATE_SMS_SEND_TIMEOUT_MS: '300' } });
    svc = await h.service();
    await useProviders();
    await start();
    await h.c.worker.drainOnce();
    const sent = JSON.parse(primary.requests[0]!.body) as { text: string };
    const code = /\d{6}/.exec(sent.text)![0];
    const text = JSON.stringify(h.logs);
    expect(text).toContain('message refused by the provider');
    expect(text).not.toContain(TO);
    expect(text).not.toContain(TO.slice(1));
    expect(text).not.toContain(code);
  });
});

describe('the database going away is not a provider failure (R2, R3)', () => {
  const unavailable = () => new AppError('service_unavailable', 'The database does not answer; retry shortly.', { retryAfterSeconds: 1 });
  type Patchable = Record<string, unknown>;

  it('a dev outbox write that fails does not open the console circuit or fail the message', async () => {
    await h.close();
    h = await createHarness({ env: { OTPGATE_SMS_BREAKER_THRESHOLD: '2' } });
    svc = await h.service();
    await h.c.worker.stop(1000); // rounds run only when this test calls drainOnce
    const store = h.c.store as unknown as Patchable;
    store.addDevOutboxEntry = async () => {
      throw unavailable();
    };
    const ids: string[] = [];
    for (const to of ['+4915112345601', '+4915112345602', '+4915112345603']) {
      const res = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to } });
      expect(res.statusCode).toBe(201);
      ids.push(res.json<{ id: string }>().id);
    }
    await expect(h.c.worker.drainOnce()).rejects.toMatchObject({ code: 'service_unavailable' });
    // Left leased for a later round, not counted against the provider.
    for (const id of ids) expect((await fetchVerification(id)).sends[0]).toMatchObject({ status: 'sending', error_code: null });
    expect(h.logs.filter((l) => l.msg === 'send failed' || l.msg === 'provider skipped: circuit open')).toEqual([]);

    Reflect.deleteProperty(store, 'addDevOutboxEntry'); // the database is back
    h.clock.advanceSeconds(31); // the leases (30 s) ran out
    await h.c.worker.drainOnce();
    for (const id of ids) {
      const v = await fetchVerification(id);
      expect(v.status).toBe('pending');
      expect(v.sends[0]).toMatchObject({ status: 'sent', provider: 'console' });
    }
  });

  it('a probe cut short by the database being down leaves the provider free to probe again', async () => {
    await h.close();
    h = await createHarness({ env: { OTPGATE_SMS_BREAKER_THRESHOLD: '1' } });
    svc = await h.service();
    await h.c.worker.stop(1000);
    const store = h.c.store as unknown as Patchable;
    store.addDevOutboxEntry = async () => {
      throw new Error('disk on fire'); // a console failure: opens its circuit (threshold 1)
    };
    const res = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+4915112345611' } });
    const id = res.json<{ id: string }>().id;
    await h.c.worker.drainOnce();
    h.clock.advanceSeconds(31); // open time over: the next try is the probe
    store.addDevOutboxEntry = async () => {
      throw unavailable(); // the probe meets our own database down
    };
    await expect(h.c.worker.drainOnce()).rejects.toMatchObject({ code: 'service_unavailable' });
    Reflect.deleteProperty(store, 'addDevOutboxEntry'); // the database is back
    h.clock.advanceSeconds(31); // the lease ran out
    await h.c.worker.drainOnce();
    expect((await fetchVerification(id)).sends[0]).toMatchObject({ status: 'sent', provider: 'console' });
  });

  it('a provider that accepted is not tried again, nor failed over, when recording the outcome fails', async () => {
    await useProviders();
    await h.c.worker.stop(1000); // rounds run only when this test calls drainOnce
    const store = h.c.store as unknown as Patchable & { updateMessage: (...args: unknown[]) => Promise<unknown> };
    const updateMessage = store.updateMessage.bind(store);
    store.updateMessage = async (...args: unknown[]) => {
      if ((args[1] as { status?: string }).status === 'sent') throw unavailable();
      return updateMessage(...args);
    };
    const id = await start();
    await expect(h.c.worker.drainOnce()).rejects.toMatchObject({ code: 'service_unavailable' });
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(0);
    expect((await fetchVerification(id)).sends[0]).toMatchObject({ status: 'sending' });

    Reflect.deleteProperty(store, 'updateMessage');
    h.clock.advanceSeconds(31);
    await h.c.worker.drainOnce();
    // At least once: sent again after the lease, under the same message id, through the same provider.
    expect(primary.requests).toHaveLength(2);
    expect(JSON.parse(primary.requests[1]!.body).ref).toBe(JSON.parse(primary.requests[0]!.body).ref);
    expect(backup.requests).toHaveLength(0);
    expect((await fetchVerification(id)).sends[0]).toMatchObject({ status: 'sent', provider: 'primary' });
  });
});
