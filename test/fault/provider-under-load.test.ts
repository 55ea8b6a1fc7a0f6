import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { startStub } from '../helpers/stub-server.js';
import type { StubAnswer, StubServer } from '../helpers/stub-server.js';
import { createService, eachLimited, get, put, startLoad, waitFor } from './load.js';

type Phase = 'healthy' | 'errors' | 'hang' | 'recovered';
type StubName = 'primary' | 'backup';

/** One request a provider stub received: which message, in which phase, and how it was answered. */
interface Call {
  stub: StubName;
  phase: Phase;
  ref: string;
  answer: 'accepted' | 'error' | 'hang';
}

const SEND_TIMEOUT_MS = 300;
const BREAKER_THRESHOLD = 5;
const BREAKER_OPEN_MS = 500;
/** The outbox worker's batch (OutboxWorkerOptions.batchSize default): all of a batch may call a still-closed circuit at once. */
const BATCH = 32;
const TRIES = 2;

/**
 * R2 under load: a real server sends through two generic HTTP providers (stubs), routed
 * primary → backup. While 12 clients keep starting verifications, the primary answers 500s, then
 * hangs (never answers), then recovers. Every acknowledged verification's SMS is accepted by a
 * provider under its own message id, the backup carries the traffic meanwhile, the circuit
 * breaker keeps the primary from being hammered, the primary takes over again once it answers,
 * and starts are answered 201 throughout.
 */
describe('a provider failing and hanging under load (R2)', () => {
  const adminKey = `og_admin_${randomBytes(24).toString('base64url')}`;
  let server: ServerProcess | null = null;
  const stubs: StubServer[] = [];

  afterAll(async () => {
    await server?.stop('SIGKILL');
    server?.cleanup();
    await Promise.all(stubs.map((s) => s.close()));
  });

  it('fails over, breaks the circuit, recovers, and loses no SMS', async () => {
    let phase: Phase = 'healthy';
    const calls: Call[] = [];
    const stubAnswer = (stub: StubName, body: string): StubAnswer => {
      const ref = (JSON.parse(body) as { ref: string }).ref;
      const failing = stub === 'primary' && (phase === 'errors' || phase === 'hang');
      const answer: Call['answer'] = !failing ? 'accepted' : phase === 'errors' ? 'error' : 'hang';
      calls.push({ stub, phase, ref, answer });
      if (answer === 'hang') return { hang: true };
      if (answer === 'error') return { status: 500, body: { error: 'E500' } };
      return { status: 200, body: { id: `${stub}-${ref}` } };
    };
    const primary = await startStub((req) => stubAnswer('primary', req.body));
    stubs.push(primary);
    const backup = await startStub((req) => stubAnswer('backup', req.body));
    stubs.push(backup);

    server = await startServer({
      OTPGATE_ADMIN_KEY: adminKey,
      OTPGATE_SMS_SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS),
      OTPGATE_SMS_PROVIDER_TRIES: String(TRIES),
      OTPGATE_SMS_BREAKER_THRESHOLD: String(BREAKER_THRESHOLD),
      OTPGATE_SMS_BREAKER_OPEN_MS: String(BREAKER_OPEN_MS),
      OTPGATE_WORKER_POLL_MS: '100',
    });
    const port = server.port;
    const service = await createService(port, adminKey);
    const provider = (name: StubName, stub: StubServer) => ({
      name,
      type: 'http',
      settings: { url: `${stub.url}/send`, body_template: '{"to":"{{to}}","text":"{{body}}","ref":"{{message_id}}"}', message_id_path: 'id', error_code_path: 'error' },
    });
    const routed = await put(port, `/v1/services/${service.id}/sms`, adminKey, { providers: [provider('primary', primary), provider('backup', backup)], route: ['primary', 'backup'] });
    expect(routed.status, JSON.stringify(routed.json)).toBe(200);

    const count = (stub: StubName, p: Phase, answer: Call['answer']) => calls.filter((c) => c.stub === stub && c.phase === p && c.answer === answer).length;
    const began = Date.now();
    const load = startLoad(port, service.key, 12, 4_000_000, { timeoutMs: 5000 });
    const phaseStarted: Partial<Record<Phase, number>> = { healthy: Date.now() };
    const enter = (next: Phase) => {
      phase = next;
      phaseStarted[next] = Date.now();
    };
    /** Each phase lasts at least `minMs` and until what it is about has been seen to happen. */
    const hold = async (what: string, minMs: number, seen: () => boolean) => {
      const from = Date.now();
      await waitFor(what, async () => Date.now() - from >= minMs && seen(), 15_000);
    };

    await hold('the primary sending', 500, () => count('primary', 'healthy', 'accepted') >= 50);
    enter('errors');
    await hold('500s from the primary and the backup sending', 1500, () => count('primary', 'errors', 'error') >= BREAKER_THRESHOLD && count('backup', 'errors', 'accepted') >= 50);
    enter('hang');
    // Probes of the open circuit hang until the send time-out.
    await hold('hung probes of the primary and the backup sending', 1500, () => count('primary', 'hang', 'hang') >= 2 && count('backup', 'hang', 'accepted') >= 50);
    enter('recovered');
    await hold('the primary sending again', 500, () => count('primary', 'recovered', 'accepted') >= 50);
    const failingMs = phaseStarted.recovered! - phaseStarted.errors!;
    await load.stop();
    const loadMs = Date.now() - began;

    // The process answered every start, at once, whatever the providers did: sending is not on
    // the request path. No connection was refused or cut, nothing timed out, no 5xx.
    expect(Object.fromEntries(load.statuses)).toEqual({ 201: load.accepted.length });
    expect(load.refused()).toBe(0);
    const slowest = Math.max(...load.answers.map((a) => a.answeredAt - a.sentAt));
    expect(slowest).toBeLessThan(5000);

    // Every acknowledged SMS is accepted by some provider, under the message id of its 201.
    const acknowledged = new Map<string, string>(); // message id → verification id
    for (const v of load.accepted) {
      expect(v.messageIds, v.id).toHaveLength(1);
      acknowledged.set(v.messageIds[0]!, v.id);
    }
    const acceptedBy = new Map<string, Set<StubName>>();
    await waitFor('every acknowledged SMS accepted by a provider', async () => {
      for (const c of calls) if (c.answer === 'accepted') acceptedBy.set(c.ref, (acceptedBy.get(c.ref) ?? new Set()).add(c.stub));
      return [...acknowledged.keys()].every((id) => acceptedBy.has(id));
    }, 20_000);
    // No provider was ever asked for a message nobody acknowledged: a retry or a failover carries
    // the message id it was acknowledged with (a duplicate is recognisable as one).
    const unknown = calls.filter((c) => !acknowledged.has(c.ref));
    expect(unknown).toEqual([]);
    expect(new Set(acceptedBy.keys())).toEqual(new Set(acknowledged.keys()));
    const duplicates = calls.filter((c) => c.answer === 'accepted').length - acceptedBy.size;

    // The backup carried the traffic while the primary failed, in both ways of failing.
    expect(count('backup', 'errors', 'accepted')).toBeGreaterThan(0);
    expect(count('backup', 'hang', 'accepted')).toBeGreaterThan(0);
    // The circuit breaker stopped hammering the failing primary: at most the batch in flight when
    // it started failing (each with its tries until the threshold was reached), then one probe per
    // open period — far fewer calls than messages the backup sent meanwhile.
    const primaryWhileFailing = calls.filter((c) => c.stub === 'primary' && (c.phase === 'errors' || c.phase === 'hang')).length;
    const backupWhileFailing = count('backup', 'errors', 'accepted') + count('backup', 'hang', 'accepted');
    expect(primaryWhileFailing).toBeLessThanOrEqual(BATCH * TRIES + 2 * (Math.ceil(failingMs / BREAKER_OPEN_MS) + 2));
    expect(primaryWhileFailing).toBeLessThan(backupWhileFailing);
    // And let the recovered primary back in (a probe closed the circuit).
    expect(count('primary', 'recovered', 'accepted')).toBeGreaterThan(0);

    // What the API shows: every verification pending, its one send `sent` through a provider
    // that did accept that message id.
    const byProvider: Record<string, number> = {};
    await eachLimited(load.accepted, 8, async (v) => {
      const found = await get(port, `/v1/verifications/${v.id}`, service.key);
      expect(found.status, v.id).toBe(200);
      expect(found.json.status).toBe('pending');
      expect(found.json.sends).toHaveLength(1);
      const send = found.json.sends[0] as { message_id: string; status: string; provider: StubName };
      expect(send).toMatchObject({ message_id: v.messageIds[0], status: 'sent' });
      expect(acceptedBy.get(send.message_id)?.has(send.provider), `${send.message_id} sent by ${send.provider}`).toBe(true);
      byProvider[send.provider] = (byProvider[send.provider] ?? 0) + 1;
    });

    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/otpgate_sms_sends_total\{provider="primary",channel="sms",outcome="circuit_open"\} [1-9]/);
    expect(metrics).toMatch(/otpgate_sms_sends_total\{provider="primary",channel="sms",outcome="failover"\} [1-9]/);
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    console.info(
      `provider-under-load: ${load.accepted.length} starts in ${loadMs} ms (failing ${failingMs} ms), slowest answer ${slowest} ms; ` +
        `sent by ${JSON.stringify(byProvider)}; primary calls while failing ${primaryWhileFailing} vs backup sends ${backupWhileFailing}; ` +
        `accepted duplicates ${duplicates}`,
    );
  }, 60_000);
});
