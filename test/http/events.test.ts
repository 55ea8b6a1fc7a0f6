import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { ORIGIN, live } from '../helpers/core-fixture.js';

const TO = '+14155550123';

let h: Harness;
let svc: Awaited<ReturnType<Harness['service']>>;

beforeEach(async () => {
  h = await createHarness();
  svc = await h.service();
});
afterEach(async () => h.close());

type EventJson = { id: string; type: string; data: Record<string, unknown> };

async function allEvents(): Promise<EventJson[]> {
  const res = await h.app.inject({ method: 'GET', url: '/v1/events?limit=100', headers: svc.auth });
  expect(res.statusCode).toBe(200);
  return res.json().data as EventJson[];
}

const start = async (to = TO, context?: Record<string, string>) => {
  const res = await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to, ...(context ? { context } : {}) } });
  expect(res.statusCode).toBe(201);
  // The SMS goes out (and message.sent is written) now, not at some later point of the test.
  await h.c.worker.drainOnce();
  return res.json<{ id: string }>().id;
};
const check = (id: string, code: string) => h.app.inject({ method: 'POST', url: '/v1/verifications/check', headers: svc.auth, payload: { id, code } });

describe('event types and payloads', () => {
  it('emits each verification outcome once, and no payload carries a code (C2)', async () => {
    const codes: string[] = [];
    // approved
    const approved = await start('+14155550101');
    codes.push(await h.lastCode(svc.key, '+14155550101'));
    expect((await check(approved, codes.at(-1)!)).json().status).toBe('approved');
    // max_attempts_reached
    const exhausted = await start('+14155550102');
    const right = await h.lastCode(svc.key, '+14155550102');
    codes.push(right);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) await check(exhausted, wrong);
    // canceled
    const canceled = await start('+14155550103');
    codes.push(await h.lastCode(svc.key, '+14155550103'));
    await h.app.inject({ method: 'POST', url: `/v1/verifications/${canceled}/cancel`, headers: svc.auth });
    // expired (noticed on read)
    const expired = await start('+14155550104');
    codes.push(await h.lastCode(svc.key, '+14155550104'));
    h.clock.advanceSeconds(300);
    expect((await check(expired, codes.at(-1)!)).statusCode).toBe(410);
    expect((await check(expired, codes.at(-1)!)).statusCode).toBe(410);

    const events = await allEvents();
    const of = (id: string) => events.filter((e) => e.data.id === id || e.data.verification_id === id).map((e) => e.type).sort();
    expect(of(approved)).toEqual(['message.sent', 'verification.approved', 'verification.created']);
    expect(of(exhausted)).toEqual(['message.sent', 'verification.created', 'verification.max_attempts_reached']);
    expect(of(canceled)).toEqual(['message.sent', 'verification.canceled', 'verification.created']);
    expect(of(expired)).toEqual(['message.sent', 'verification.created', 'verification.expired']);

    for (const event of events) {
      const json = JSON.stringify(event);
      expect(json).not.toMatch(/"(code|code_digest|code_sealed|codeDigest|codeSealed|body)"/);
      // The phone number is the only field where six digits of a code could occur by chance.
      const withoutNumber = json.replaceAll(String(event.data.to), '');
      for (const code of codes) expect(withoutNumber).not.toContain(code);
    }
  });

  it('emits verification.failed and message.failed when every send fails for good', async () => {
    await h.close();
    h = await createHarness({
      overrides: {
        worker: { maxAttempts: 1 },
        sender: () => ({
          name: 'broken',
          send: async () => {
            const { SendError } = await import('../../src/core/ports.js');
            throw new SendError('rejected', 'the provider refused the number', false);
          },
        }),
      },
    });
    svc = await h.service();
    const id = await start();
    await h.c.worker.drainOnce();
    const types = (await allEvents()).map((e) => e.type).sort();
    expect(types).toEqual(['message.failed', 'verification.created', 'verification.failed']);
    const failed = (await allEvents()).find((e) => e.type === 'message.failed')!;
    expect(failed.data).toMatchObject({ verification_id: id, status: 'failed', error_code: 'rejected', provider: 'broken' });
  });

  it('writes exactly one verification.approved for 20 concurrent right checks (B3 with events)', async () => {
    const id = await start();
    const code = await h.lastCode(svc.key, TO);
    const results = await Promise.all(Array.from({ length: 20 }, () => check(id, code)));
    expect(results.filter((r) => r.statusCode === 200 && r.json().valid === true)).toHaveLength(1);
    expect((await allEvents()).filter((e) => e.type === 'verification.approved')).toHaveLength(1);
  });

  it('writes verification.approved when a custom-code verification is approved without its code', async () => {
    const service = await h.c.tenancy.createService({ name: 'Acme', custom_code_enabled: true });
    const started = await h.c.verifications.start(live(service), { to: TO, customCode: '482913', origin: ORIGIN });
    await h.c.verifications.approve(live(service), started.verification.id);
    const events = (await h.c.store.listEvents(live(service), { limit: 10 })) ?? [];
    expect(events.map((e) => e.type)).toEqual(['verification.approved', 'verification.created']);
    for (const e of events) expect(JSON.stringify(e)).not.toContain('482913');
  });

  it('writes no event for a check that did not count', async () => {
    const id = await start();
    const code = await h.lastCode(svc.key, TO);
    await check(id, code);
    const before = (await allEvents()).length;
    expect((await check(id, code)).statusCode).toBe(409);
    expect(await allEvents()).toHaveLength(before);
  });
});

describe('GET /v1/events', () => {
  it('pages newest first with cursor, and catches up oldest first with after', async () => {
    for (let i = 0; i < 5; i++) {
      await start(`+1415555011${i}`);
      h.clock.advance(10);
    }
    const newest = await h.app.inject({ method: 'GET', url: '/v1/events?limit=2&type=verification.created', headers: svc.auth });
    const page1 = newest.json();
    expect(page1.data.map((e: EventJson) => e.data.to)).toEqual(['+14155550114', '+14155550113']);
    expect(page1.has_more).toBe(true);
    const page2 = (await h.app.inject({ method: 'GET', url: `/v1/events?limit=2&type=verification.created&cursor=${page1.next_cursor}`, headers: svc.auth })).json();
    expect(page2.data.map((e: EventJson) => e.data.to)).toEqual(['+14155550112', '+14155550111']);

    // Catching up from the oldest event: oldest first, then an empty page that keeps the position.
    const all = (await allEvents()).reverse();
    const first = all[0]!.id;
    const catchUp = (await h.app.inject({ method: 'GET', url: `/v1/events?after=${first}&limit=100`, headers: svc.auth })).json();
    expect(catchUp.data.map((e: EventJson) => e.id)).toEqual(all.slice(1).map((e) => e.id));
    expect(catchUp.has_more).toBe(false);
    const idle = (await h.app.inject({ method: 'GET', url: `/v1/events?after=${catchUp.next_cursor}`, headers: svc.auth })).json();
    expect(idle).toEqual({ data: [], next_cursor: catchUp.next_cursor, has_more: false });
    await start('+14155550199');
    const fresh = (await h.app.inject({ method: 'GET', url: `/v1/events?after=${idle.next_cursor}`, headers: svc.auth })).json();
    expect(fresh.data.map((e: EventJson) => e.type)).toEqual(['verification.created', 'message.sent']);
  });

  it('refuses malformed cursors with 400 and unknown events with 404', async () => {
    for (const query of ['after=nope', 'cursor=evt_zz', 'after=evt_00000000000000000000000000', 'type=verification.exploded']) {
      const res = await h.app.inject({ method: 'GET', url: `/v1/events?${query}`, headers: svc.auth });
      expect(res.statusCode, query).toBe(400);
    }
    const missing = await h.app.inject({ method: 'GET', url: '/v1/events/evt_00000000000000000000000000', headers: svc.auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('event_not_found');
  });
});

describe('docs/webhooks.md', () => {
  it('shows every event type with an example whose fields are the ones otpgate sends', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { EVENT_TYPES } = await import('../../src/core/events.js');
    const { ROOT } = await import('../helpers/server-process.js');
    const doc = readFileSync(join(ROOT, 'docs/webhooks.md'), 'utf8');
    // Real payloads of each emitted type, from a run through every outcome.
    const id = await start();
    await check(id, await h.lastCode(svc.key, TO));
    const real = new Map((await allEvents()).map((e) => [e.type, e]));
    for (const type of EVENT_TYPES) {
      const section = new RegExp('### `' + type.replace('.', '\\.') + '`[^\\n]*\\n[\\s\\S]*?```json\\n([\\s\\S]*?)```').exec(doc);
      expect(section, `docs/webhooks.md documents ${type}`).toBeTruthy();
      const example = JSON.parse(section![1]!) as EventJson & Record<string, unknown>;
      expect(example.type).toBe(type);
      expect(Object.keys(example).sort()).toEqual(['data', 'id', 'mode', 'service_id', 'timestamp', 'type']);
      const family = type.startsWith('verification.') ? real.get('verification.approved') : type.startsWith('message.') ? real.get('message.sent') : undefined;
      // A fallback is a verification event with the step it took.
      const extra = type === 'verification.fallback' ? ['fallback'] : [];
      if (family) expect(Object.keys(example.data).sort(), type).toEqual([...Object.keys(family.data), ...extra].sort());
    }
  });
});
