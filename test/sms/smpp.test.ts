import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import smpp from 'smpp';
import type { PDU, Server, Session } from 'smpp';
import type { AddressInfo } from 'node:net';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * A small SMSC made with the smpp library's server side: checks the bind, accepts (or throttles)
 * submit_sm, sends a delivery receipt as deliver_sm, and counts enquire_links.
 */
class TestSmsc {
  server!: Server;
  port = 0;
  sessions = new Set<Session>();
  submits: PDU[] = [];
  accepted: Array<{ id: string; to: string; text: string }> = [];
  enquireLinks = 0;
  throttleNext = 0;
  private counter = 0;
  /** Message ids differ between SMSC runs, as a real SMSC's do. */
  private readonly run = Math.random().toString(36).slice(2, 8);

  async start(port = 0): Promise<void> {
    this.server = smpp.createServer((session) => {
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
      session.on('error', () => {});
      session.on('bind_transceiver', (pdu: PDU) => {
        const ok = pdu.system_id === 'otpgate' && pdu.password === 'pw123';
        session.send(pdu.response({ command_status: ok ? 0 : Number(smpp.ESME_RBINDFAIL) }));
      });
      session.on('enquire_link', (pdu: PDU) => {
        this.enquireLinks++;
        session.send(pdu.response());
      });
      session.on('unbind', (pdu: PDU) => session.send(pdu.response()));
      session.on('submit_sm', (pdu: PDU) => {
        this.submits.push(pdu);
        if (this.throttleNext > 0) {
          this.throttleNext--;
          session.send(pdu.response({ command_status: Number(smpp.ESME_RTHROTTLED) }));
          return;
        }
        const id = `${this.run}-${++this.counter}`;
        const raw = pdu.short_message as { message: string | Buffer };
        const text = typeof raw.message === 'string' ? raw.message : raw.message.toString();
        this.accepted.push({ id, to: String(pdu.destination_addr), text });
        session.send(pdu.response({ message_id: id }));
        if (pdu.registered_delivery === 1) {
          setTimeout(() => session.deliver_sm({
            source_addr: pdu.destination_addr,
            destination_addr: pdu.source_addr,
            esm_class: 0x04,
            short_message: `id:${id} sub:001 dlvrd:001 submit date:2611251200 done date:2611251200 stat:DELIVRD err:000 text:${text.slice(0, 20)}`,
          }), 20);
        }
      });
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Pings the ESME; resolves with the answer's status. */
  ping(): Promise<number> {
    const session = [...this.sessions][0];
    if (!session) throw new Error('no ESME connected');
    return new Promise((resolve) => session.enquire_link({}, (pdu) => resolve(pdu.command_status)));
  }

  async stop(): Promise<void> {
    // Stop accepting first: the ESME reconnects eagerly and would otherwise keep close() waiting.
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.sessions) session.destroy();
    await closed;
  }
}

const TO = '+4915112345678';
let smsc: TestSmsc;
let h: Harness;
let svc: Awaited<ReturnType<Harness['service']>>;

async function waitFor<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const start = async (to = TO) => (await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to } })).json<{ id: string }>().id;
const sends = async (id: string) => (await h.app.inject({ method: 'GET', url: `/v1/verifications/${id}`, headers: svc.auth })).json<{ sends: Array<Record<string, unknown>> }>().sends;

beforeEach(async () => {
  smsc = new TestSmsc();
  await smsc.start();
  h = await createHarness({
    env: {
      OTPGATE_SMS_PROVIDER: 'smpp',
      OTPGATE_SMPP_HOST: '127.0.0.1',
      OTPGATE_SMPP_PORT: String(smsc.port),
      OTPGATE_SMPP_SYSTEM_ID: 'otpgate',
      OTPGATE_SMPP_PASSWORD: 'pw123',
      OTPGATE_SMPP_ENQUIRE_LINK_MS: '100',
      OTPGATE_SMPP_THROTTLE_BACKOFF_MS: '50',
      OTPGATE_SMPP_TIMEOUT_MS: '2000',
      OTPGATE_SMS_SENDER_ID: 'Acme',
    },
  });
  svc = await h.service();
});
afterEach(async () => {
  await h.close();
  await smsc.stop();
});

describe('SMPP 3.4 provider against an SMSC built on the smpp library', () => {
  it('binds as transceiver, submits with registered_delivery, and a deliver_sm receipt makes the message delivered', async () => {
    const id = await start();
    await h.c.worker.drainOnce();
    expect(smsc.accepted).toHaveLength(1);
    const [submit] = smsc.submits;
    expect(submit).toMatchObject({ destination_addr: '4915112345678', source_addr: 'Acme', source_addr_ton: 5, registered_delivery: 1 });
    const code = /\b(\d{6})\b/.exec(smsc.accepted[0]!.text)![1]!;
    const check = await h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload: { id, code } });
    expect(check.json()).toMatchObject({ status: 'approved', valid: true });
    const delivered = await waitFor(async () => ((await sends(id))[0]?.status === 'delivered' ? (await sends(id))[0] : null), 'the receipt');
    expect(delivered).toMatchObject({ status: 'delivered', provider: 'smpp', error_code: null });
  });

  it('keeps the bind alive with enquire_link and answers the SMSC\'s own', async () => {
    await start();
    await h.c.worker.drainOnce();
    await waitFor(() => smsc.enquireLinks >= 2, 'two enquire_links');
    expect(await smsc.ping()).toBe(0);
  });

  it('backs off on ESME_RTHROTTLED and submits again, without a duplicate SMS', async () => {
    smsc.throttleNext = 2;
    const id = await start();
    const began = Date.now();
    await h.c.worker.drainOnce();
    expect(Date.now() - began).toBeGreaterThanOrEqual(150 - 10); // 50 ms, then 100 ms
    expect(smsc.submits).toHaveLength(3);
    expect(smsc.accepted).toHaveLength(1);
    expect((await sends(id))[0]).toMatchObject({ status: 'sent' });
  });

  it('survives the SMSC restarting by reconnecting and binding again', async () => {
    await start();
    await h.c.worker.drainOnce();
    expect(smsc.accepted).toHaveLength(1);
    const port = smsc.port;
    await smsc.stop();
    smsc = new TestSmsc();
    await smsc.start(port);
    const id = await start('+4915112345679');
    await h.c.worker.drainOnce();
    expect(smsc.accepted).toHaveLength(1);
    expect(smsc.accepted[0]!.to).toBe('4915112345679');
    await waitFor(async () => (await sends(id))[0]?.status === 'delivered', 'the receipt after the restart');
  });

  it('fails over to the next provider when the SMSC refuses the bind', async () => {
    await smsc.stop();
    smsc = new TestSmsc();
    await smsc.start();
    const other = await createHarness({
      env: { OTPGATE_SMS_PROVIDER: 'smpp,console', OTPGATE_SMPP_HOST: '127.0.0.1', OTPGATE_SMPP_PORT: String(smsc.port), OTPGATE_SMPP_SYSTEM_ID: 'otpgate', OTPGATE_SMPP_PASSWORD: 'wrong' },
    });
    try {
      const s = await other.service();
      const res = await other.app.inject({ method: 'POST', url: '/v1/verifications', headers: s.auth, payload: { to: TO } });
      await other.c.worker.drainOnce();
      const v = (await other.app.inject({ method: 'GET', url: `/v1/verifications/${res.json().id}`, headers: s.auth })).json();
      expect(v.sends[0]).toMatchObject({ status: 'sent', provider: 'console' });
      expect(smsc.submits).toHaveLength(0);
      const log = other.logs.find((line) => line.error_code === 'smpp_ESME_RBINDFAIL');
      expect(log).toMatchObject({ provider: 'smpp', msg: 'send failed' });
    } finally {
      await other.close();
    }
  });
});
