import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MockInstance } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { startStub } from '../helpers/stub-server.js';
import type { StubAnswer, StubServer } from '../helpers/stub-server.js';
import { until } from '../helpers/wait.js';

/** Waits until `probe` holds. */
const waitFor = (probe: () => boolean | Promise<boolean>) => until(async () => ((await probe()) ? true : undefined), 5000);

/**
 * A start hands its SMS straight to this process's running delivery worker: the message is
 * written already leased (`sending`) with the verification, and sent without a claim statement
 * or reading anything back. When the worker is not running or is busy, the message is queued
 * and claimed by a round as before.
 */
let h: Harness;
let vendor: StubServer;
let svc: Awaited<ReturnType<Harness['service']>>;
let claims: MockInstance<Harness['c']['store']['claimDueMessages']>;

const TO = '+4915112345678';

async function setUp(maxHanded = 64) {
  vendor = await startStub({ status: 200, body: { id: 'v-1' } });
  // Polling far apart: a message that goes out was handed over, or claimed by a round we started.
  h = await createHarness({ env: { OTPGATE_WORKER_POLL_MS: '60000' }, overrides: { worker: { maxHanded } } });
  svc = await h.service();
  const routed = await h.app.inject({
    method: 'PUT',
    url: `/v1/services/${svc.id}/sms`,
    headers: { authorization: `Bearer ${h.adminKey}` },
    payload: {
      providers: [{ name: 'vendor', type: 'http', settings: { url: `${vendor.url}/send`, body_template: '{"to":"{{to}}","text":"{{body}}"}', message_id_path: 'id' } }],
      route: ['vendor'],
    },
  });
  expect(routed.statusCode, routed.body).toBe(200);
  h.c.worker.start();
  await h.c.worker.drainOnce(); // the first round of start(), so the claims counted below are ours
  claims = vi.spyOn(h.c.store, 'claimDueMessages');
}

const start = async (to = TO) => {
  const res = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string; sends: Array<{ message_id: string; status: string }> }>();
};
const sends = async (id: string) =>
  (await h.app.inject({ method: 'GET', url: `/v1/verifications/${id}`, headers: svc.auth })).json<{ sends: Array<{ status: string; provider: string | null }> }>().sends;

afterEach(async () => {
  await h.close();
  await vendor.close();
});

describe('a start hands its SMS to the running worker', () => {
  beforeEach(() => setUp());

  it('answers with the send already under way and sends it without a claim round', async () => {
    const started = await start();
    expect(started.sends).toEqual([expect.objectContaining({ status: 'sending' })]);
    await waitFor(async () => (await sends(started.id))[0]?.status === 'sent');
    expect(vendor.requests).toHaveLength(1);
    expect(JSON.parse(vendor.requests[0]!.body)).toMatchObject({ to: TO });
    expect(claims).not.toHaveBeenCalled();
    expect(await sends(started.id)).toEqual([expect.objectContaining({ status: 'sent', provider: 'vendor' })]);
  });

  it('hands over a resend too, with the same code', async () => {
    const first = await start();
    await waitFor(() => vendor.requests.length === 1);
    h.clock.advance(31_000); // past the resend cooldown
    const again = await start();
    expect(again.id).toBe(first.id);
    await waitFor(() => vendor.requests.length === 2);
    const texts = vendor.requests.map((r) => (JSON.parse(r.body) as { text: string }).text);
    expect(texts[1]).toBe(texts[0]);
    expect(claims).not.toHaveBeenCalled();
  });

  it('R4: stopping waits for a handed send that is still with the provider', async () => {
    let release!: (answer: StubAnswer) => void;
    vendor.answer(() => new Promise<StubAnswer>((resolve) => (release = resolve)));
    const started = await start();
    await waitFor(() => vendor.requests.length === 1);
    let stopped = false;
    const stopping = h.c.worker.stop(5000).then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stopped).toBe(false);
    release({ status: 200, body: { id: 'v-2' } });
    await stopping;
    expect(await sends(started.id)).toEqual([expect.objectContaining({ status: 'sent' })]);
  });
});

describe('when the worker cannot take it now', () => {
  it('queues the message past maxHanded sends under way, and a round sends it', async () => {
    await setUp(1);
    vendor.answer({ hang: true });
    const first = await start('+4915112345670');
    await waitFor(() => vendor.requests.length === 1);
    const second = await start('+4915112345671');
    expect(first.sends[0]!.status).toBe('sending');
    expect(second.sends[0]!.status).toBe('queued');
    vendor.answer({ status: 200, body: { id: 'v-3' } });
    await waitFor(async () => (await sends(second.id))[0]?.status === 'sent');
    expect(claims).toHaveBeenCalled();
  });

  it('queues it when the worker is not running, and frees a reservation whose insert failed', async () => {
    await setUp(1);
    await h.c.worker.stop(1000);
    expect(h.c.worker.reserve(h.clock.now())).toBeNull();
    const queued = await start();
    expect(queued.sends[0]!.status).toBe('queued');
    h.c.worker.start();
    const reservation = h.c.worker.reserve(h.clock.now());
    expect(reservation).not.toBeNull();
    expect(h.c.worker.reserve(h.clock.now())).toBeNull(); // maxHanded 1
    reservation!.cancel();
    expect(h.c.worker.reserve(h.clock.now())).not.toBeNull();
  });
});
