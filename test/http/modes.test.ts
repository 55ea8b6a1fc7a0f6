import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sidOf } from '../../src/http/routes/twilio/sids.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/**
 * Rule T1, route by route: test mode is its own world. Each world (live, test) gets a verification,
 * a custom-code one, an idempotent start, a webhook endpoint, events, an outbox entry and an
 * attempt; then every route the app serves is called with a key of the other mode against them.
 * Tenant data answers exactly like something that does not exist; configuration is readable by
 * both modes and changed only by live keys (or admin keys); admin routes refuse service keys of
 * either mode. The table must name every route: a new route fails here until it says how it
 * keeps the two worlds apart.
 */

type Mode = 'live' | 'test';
const SHARED = '+14155550123';
const ONLY: Record<Mode, string> = { live: '+4915112345678', test: '+33612345678' };
const IDEMPOTENT: Record<Mode, string> = { live: '+14155550171', test: '+14155550172' };
const CUSTOM: Record<Mode, string> = { live: '+14155550181', test: '+14155550182' };
/** The Idempotency-Key each world's start used: the other world then sends the same key and body. */
const IDEMPOTENCY_KEY: Record<Mode, string> = { live: 'key-first-used-live', test: 'key-first-used-in-test' };

interface World {
  mode: Mode;
  key: string;
  bearer: Record<string, string>;
  basic: Record<string, string>;
  /** A pending verification to `ONLY[mode]`, and its code. */
  verificationId: string;
  code: string;
  /** A pending custom-code verification (the kind `approve` applies to). */
  customId: string;
  /** The start made with IDEMPOTENCY_KEY. */
  idempotentId: string;
  endpointId: string;
  eventId: string;
  /** A send (attempt) of `verificationId`. */
  messageId: string;
}

let h: Harness;
let serviceId: string;
let serviceSid: string;
let admin: Record<string, string>;
const worlds = {} as Record<Mode, World>;
let rateLimitSid: string;
let bucketSid: string;

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const sid = (prefix: Parameters<typeof sidOf>[0], id: string) => sidOf(prefix, id);
const MG = `MG${'ab'.repeat(16)}`;
const SAFE = '+447911123456';

async function call(options: InjectOptions): Promise<LightMyRequestResponse> {
  return h.app.inject(options);
}

async function expectStatus(options: InjectOptions, status: number, code?: string | number): Promise<LightMyRequestResponse> {
  const res = await call(options);
  expect(res.statusCode, `${options.method ?? 'GET'} ${options.url}: ${res.body}`).toBe(status);
  if (code !== undefined) expect(res.json().code).toBe(code);
  return res;
}

async function makeWorld(mode: Mode): Promise<World> {
  const issued = await call({ method: 'POST', url: `/v1/services/${serviceId}/keys`, headers: admin, payload: { mode } });
  const key = issued.json<{ key: string }>().key;
  const bearer = { authorization: `Bearer ${key}` };
  const creds = (await call({ method: 'POST', url: `/v1/services/${serviceId}/basic-credentials`, headers: admin, payload: { type: 'api_key', mode } })).json<{ sid: string; secret: string; mode: string }>();
  expect(creds.mode).toBe(mode);
  const basic = { authorization: `Basic ${Buffer.from(`${creds.sid}:${creds.secret}`).toString('base64')}` };

  const started = await expectStatus({ method: 'POST', url: '/v1/verifications', headers: bearer, payload: { to: ONLY[mode] } }, 201);
  expect(started.json().mode).toBe(mode);
  const code = await h.lastCode(key, ONLY[mode]);
  await expectStatus({ method: 'POST', url: '/v1/verifications', headers: bearer, payload: { to: SHARED } }, 201);
  const custom = await expectStatus({ method: 'POST', url: '/v1/verifications', headers: bearer, payload: { to: CUSTOM[mode], custom_code: '4711' } }, 201);
  const idempotent = await expectStatus({
    method: 'POST', url: '/v1/verifications', headers: { ...bearer, 'idempotency-key': IDEMPOTENCY_KEY[mode] }, payload: { to: IDEMPOTENT[mode] },
  }, 201);
  const endpoint = await expectStatus({ method: 'POST', url: '/v1/webhooks', headers: bearer, payload: { url: `https://hooks.example.com/${mode}` } }, 201);
  expect(endpoint.json().mode).toBe(mode);
  const events = (await call({ url: '/v1/events?limit=100', headers: bearer })).json<{ data: Array<{ id: string; mode: string }> }>().data;
  expect(events.length).toBeGreaterThan(0);
  for (const e of events) expect(e.mode).toBe(mode);
  const fetched = (await call({ url: `/v1/verifications/${started.json().id}`, headers: bearer })).json<{ sends: Array<{ message_id: string }> }>();
  return {
    mode, key, bearer, basic, code,
    verificationId: started.json().id,
    customId: custom.json().id,
    idempotentId: idempotent.json().id,
    endpointId: endpoint.json().id,
    eventId: events[0]!.id,
    messageId: fetched.sends[0]!.message_id,
  };
}

beforeAll(async () => {
  h = await createHarness();
  admin = { authorization: `Bearer ${h.adminKey}` };
  const svc = await h.service({ custom_code_enabled: true });
  serviceId = svc.id;
  serviceSid = sid('VA', serviceId);
  // A block of the pumping guard: what it knows about live traffic.
  const now = h.clock.now();
  await h.c.store.savePrefixBlock({ serviceId, prefix: '+447400', mode: 'enforced', reason: 'probe', sends: 41, approvals: 0, baselinePerWindow: 0, createdAt: now, expiresAt: now + 3_600_000 });
  worlds.live = await makeWorld('live');
  worlds.test = await makeWorld('test');
  const limit = await expectStatus({ method: 'POST', url: `/v2/Services/${serviceSid}/RateLimits`, headers: { ...worlds.live.basic, ...FORM }, payload: form({ UniqueName: 'end_user_ip' }) }, 201);
  rateLimitSid = limit.json().sid;
  const bucket = await expectStatus({
    method: 'POST', url: `/v2/Services/${serviceSid}/RateLimits/${rateLimitSid}/Buckets`, headers: { ...worlds.live.basic, ...FORM }, payload: form({ Max: '5', Interval: '60' }),
  }, 201);
  bucketSid = bucket.json().sid;
  await expectStatus({
    method: 'POST', url: `/v2/Services/${serviceSid}/MessagingConfigurations`, headers: { ...worlds.live.basic, ...FORM }, payload: form({ Country: 'GB', MessagingServiceSid: MG }),
  }, 201);
  await expectStatus({ method: 'POST', url: '/v2/SafeList/Numbers', headers: { ...worlds.live.basic, ...FORM }, payload: form({ PhoneNumber: SAFE }) }, 201);
});
afterAll(async () => h.close());

/** What one route does when `b` (the other mode) aims it at `a`'s objects. */
type Probe = (a: World, b: World) => Promise<void>;

/** Reached without a key (health, metrics, the contract) or authenticated the vendor's way (receipts): no world to cross. */
const KEYLESS: Probe = async () => {};

/** Admin routes: a service key of either mode is refused before anything is looked up. */
const adminOnly = (options: (a: World) => InjectOptions, twilio = false): Probe => async (a, b) => {
  for (const headers of twilio ? [a.basic, b.basic] : [a.bearer, b.bearer]) {
    const o = options(a);
    await expectStatus({ ...o, headers: { ...o.headers, ...headers } }, 403, twilio ? 20403 : 'forbidden');
  }
};

/** Configuration, one for both worlds: either mode reads the same answer. */
const configRead = (options: () => InjectOptions, twilio = false): Probe => async (a, b) => {
  const o = options();
  const seenByA = await expectStatus({ ...o, headers: twilio ? a.basic : a.bearer }, 200);
  const seenByB = await expectStatus({ ...o, headers: twilio ? b.basic : b.bearer }, 200);
  // The same, but for the account SID a Twilio resource names: each mode has its own account.
  const account = (body: string) => body.replace(/"account_sid":"AC[0-9a-f]{32}"/g, '"account_sid":"AC…"');
  expect(account(seenByB.body)).toBe(account(seenByA.body));
};

/** Configuration changes: a test-mode credential is refused (403) and nothing changes; a live one may. */
const configWrite = (options: () => InjectOptions): Probe => async (_a, b) => {
  if (b.mode === 'live') return;
  const o = options();
  await expectStatus({ ...o, headers: { ...o.headers, ...b.basic } }, 403, 20403);
};

/** Tenant data of `a` through `b`: the same answer as for an id that never existed. */
const notFound = (options: (a: World) => InjectOptions, ghost: (a: World) => InjectOptions, twilio = false): Probe => async (a, b) => {
  const headers = twilio ? b.basic : b.bearer;
  const o = options(a);
  const res = await call({ ...o, headers: { ...o.headers, ...headers } });
  const g = ghost(a);
  const never = await call({ ...g, headers: { ...g.headers, ...headers } });
  expect(res.statusCode, `${o.method} ${o.url}: ${res.body}`).toBe(404);
  expect(never.statusCode).toBe(404);
  const codeOf = (r: LightMyRequestResponse) => r.json().code as unknown;
  expect(codeOf(res)).toBe(codeOf(never));
};

const GHOST_VER = 'ver_01kaz000000000000000000000';
const GHOST_WHE = 'whe_01kaz000000000000000000000';
const GHOST_EVT = 'evt_01kaz000000000000000000000';
const GHOST_MSG = 'msg_01kaz000000000000000000000';

const table: Record<string, Probe> = {
  'GET /openapi.json': KEYLESS,
  'GET /healthz': KEYLESS,
  'GET /readyz': KEYLESS,
  'GET /metrics': KEYLESS,
  'GET /v1/dlr/:provider/:messageId': KEYLESS,
  'POST /v1/dlr/:provider/:messageId': KEYLESS,
  'GET /v1/dlr/:provider': KEYLESS,
  'POST /v1/dlr/:provider': KEYLESS,

  'POST /v1/services': adminOnly(() => ({ method: 'POST', url: '/v1/services', payload: { name: 'X' } })),
  'GET /v1/services': adminOnly(() => ({ url: '/v1/services' })),
  'GET /v1/services/:id': configRead(() => ({ url: `/v1/services/${serviceId}` })),
  'PATCH /v1/services/:id': adminOnly(() => ({ method: 'PATCH', url: `/v1/services/${serviceId}`, payload: { max_check_attempts: 9 } })),
  'DELETE /v1/services/:id': adminOnly(() => ({ method: 'DELETE', url: `/v1/services/${serviceId}` })),
  'POST /v1/services/:id/keys': adminOnly(() => ({ method: 'POST', url: `/v1/services/${serviceId}/keys`, payload: {} })),
  'GET /v1/services/:id/keys': adminOnly(() => ({ url: `/v1/services/${serviceId}/keys` })),
  'DELETE /v1/services/:id/keys/:keyId': adminOnly(() => ({ method: 'DELETE', url: `/v1/services/${serviceId}/keys/key_01kaz000000000000000000000` })),
  'GET /v1/services/:id/sms': adminOnly(() => ({ url: `/v1/services/${serviceId}/sms` })),
  'PUT /v1/services/:id/sms': adminOnly(() => ({ method: 'PUT', url: `/v1/services/${serviceId}/sms`, payload: { providers: [] } })),
  'DELETE /v1/services/:id/sms': adminOnly(() => ({ method: 'DELETE', url: `/v1/services/${serviceId}/sms` })),
  'GET /v1/services/:id/templates': adminOnly(() => ({ url: `/v1/services/${serviceId}/templates` })),
  'PUT /v1/services/:id/templates/:locale': adminOnly(() => ({ method: 'PUT', url: `/v1/services/${serviceId}/templates/en`, payload: { text: '{{code}} is your code' } })),
  'DELETE /v1/services/:id/templates/:locale': adminOnly(() => ({ method: 'DELETE', url: `/v1/services/${serviceId}/templates/en` })),
  'POST /v1/services/:id/basic-credentials': adminOnly(() => ({ method: 'POST', url: `/v1/services/${serviceId}/basic-credentials`, payload: { type: 'api_key' } })),
  'POST /v1/basic-credentials': adminOnly(() => ({ method: 'POST', url: '/v1/basic-credentials', payload: { type: 'api_key' } })),
  // The pumping guard's view of live traffic: live data, and the test world has none.
  'POST /v1/admin-keys': adminOnly(() => ({ method: 'POST', url: '/v1/admin-keys', payload: {} })),
  'GET /v1/admin-keys': adminOnly(() => ({ url: '/v1/admin-keys' })),
  'DELETE /v1/admin-keys/:id': adminOnly(() => ({ method: 'DELETE', url: '/v1/admin-keys/key_01kaz000000000000000000000' })),
  'GET /v1/audit-log': adminOnly(() => ({ url: '/v1/audit-log' })),
  'GET /v1/stats': adminOnly(() => ({ url: '/v1/stats' })),
  'POST /v1/services/:id/templates/:locale/preview': adminOnly(() => ({ method: 'POST', url: `/v1/services/${serviceId}/templates/en/preview`, payload: { text: '{code}' } })),
  // Statistics: a key sees its own world's figures, and asking for the other world's is refused.
  'GET /v1/services/:id/stats': async (a, b) => {
    const own = await expectStatus({ url: `/v1/services/${serviceId}/stats`, headers: b.bearer }, 200);
    expect(own.json().mode).toBe(b.mode);
    await expectStatus({ url: `/v1/services/${serviceId}/stats?mode=${a.mode}`, headers: b.bearer }, 403);
  },
  'GET /v1/services/:id/prefix-blocks': async (_a, b) => {
    const listed = await expectStatus({ url: `/v1/services/${serviceId}/prefix-blocks`, headers: b.bearer }, 200);
    expect(listed.json().data.map((x: { prefix: string }) => x.prefix)).toEqual(b.mode === 'live' ? ['+447400'] : []);
  },
  'DELETE /v1/services/:id/prefix-blocks/:prefix': adminOnly(() => ({ method: 'DELETE', url: `/v1/services/${serviceId}/prefix-blocks/%2B447400` })),

  // An Idempotency-Key first used in the other world is another key here: it starts a new verification of this world.
  'POST /v1/verifications': async (a, b) => {
    const res = await expectStatus({ method: 'POST', url: '/v1/verifications', headers: { ...b.bearer, 'idempotency-key': IDEMPOTENCY_KEY[a.mode] }, payload: { to: IDEMPOTENT[a.mode] } }, 201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(res.json()).toMatchObject({ mode: b.mode, status: 'pending' });
    expect(res.json().id).not.toBe(a.idempotentId);
    // And a start to a number pending in the other world starts its own: it never resends that one.
    const shared = await expectStatus({ method: 'POST', url: '/v1/verifications', headers: b.bearer, payload: { to: ONLY[a.mode] } }, 201);
    expect(shared.json().id).not.toBe(a.verificationId);
    expect(shared.json().mode).toBe(b.mode);
  },
  'POST /v1/verifications/check': async (a, b) => {
    await notFound(
      (w) => ({ method: 'POST', url: '/v1/verifications/check', payload: { id: w.verificationId, code: w.code } }),
      (w) => ({ method: 'POST', url: '/v1/verifications/check', payload: { id: GHOST_VER, code: w.code } }),
    )(a, b);
    // By number: b has its own verification to that number by now (the start probe above), so
    // a's code is just a wrong code there. It never approves.
    const byNumber = await call({ method: 'POST', url: '/v1/verifications/check', headers: b.bearer, payload: { to: ONLY[a.mode], code: a.code } });
    if (byNumber.statusCode === 200) expect(byNumber.json()).toMatchObject({ valid: false, status: 'pending' });
    else expect(byNumber.json().code).toBe('verification_not_found');
  },
  'GET /v1/verifications/:id': notFound((a) => ({ url: `/v1/verifications/${a.verificationId}` }), () => ({ url: `/v1/verifications/${GHOST_VER}` })),
  'POST /v1/verifications/:id/cancel': notFound((a) => ({ method: 'POST', url: `/v1/verifications/${a.verificationId}/cancel` }), () => ({ method: 'POST', url: `/v1/verifications/${GHOST_VER}/cancel` })),
  'POST /v1/verifications/:id/approve': notFound((a) => ({ method: 'POST', url: `/v1/verifications/${a.customId}/approve` }), () => ({ method: 'POST', url: `/v1/verifications/${GHOST_VER}/approve` })),
  'GET /v1/verifications': async (a, b) => {
    const all = (await expectStatus({ url: '/v1/verifications?limit=100', headers: b.bearer }, 200)).json<{ data: Array<{ id: string; mode: string }> }>().data;
    expect(all.map((v) => v.id)).not.toContain(a.verificationId);
    for (const v of all) expect(v.mode).toBe(b.mode);
    expect((await expectStatus({ url: `/v1/verifications?to=${encodeURIComponent(CUSTOM[a.mode])}`, headers: b.bearer }, 200)).json().data).toEqual([]);
  },
  'GET /v1/outbox': async (a, b) => {
    const entries = (await expectStatus({ url: '/v1/outbox?limit=100', headers: b.bearer }, 200)).json<{ data: Array<{ verification_id: string }> }>().data;
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.map((e) => e.verification_id)).not.toContain(a.verificationId);
    expect(entries.map((e) => e.verification_id)).not.toContain(a.customId);
  },
  'GET /v1/events': async (a, b) => {
    const events = (await expectStatus({ url: '/v1/events?limit=100', headers: b.bearer }, 200)).json<{ data: Array<{ id: string; mode: string }> }>().data;
    expect(events.map((e) => e.id)).not.toContain(a.eventId);
    for (const e of events) expect(e.mode).toBe(b.mode);
    // Another world's event is no cursor: the same answer as an event that never existed.
    const crossed = await expectStatus({ url: `/v1/events?after=${a.eventId}`, headers: b.bearer }, 400, 'invalid_cursor');
    const ghost = await expectStatus({ url: `/v1/events?after=${GHOST_EVT}`, headers: b.bearer }, 400, 'invalid_cursor');
    expect(crossed.json().detail.replace(a.eventId, 'X')).toBe(ghost.json().detail.replace(GHOST_EVT, 'X'));
  },
  'GET /v1/events/:id': notFound((a) => ({ url: `/v1/events/${a.eventId}` }), () => ({ url: `/v1/events/${GHOST_EVT}` })),
  'POST /v1/webhooks': async (a, b) => {
    const created = await expectStatus({ method: 'POST', url: '/v1/webhooks', headers: b.bearer, payload: { url: 'https://hooks.example.com/probe' } }, 201);
    expect(created.json().mode).toBe(b.mode);
    const seenByA = (await call({ url: '/v1/webhooks', headers: a.bearer })).json<{ data: Array<{ id: string }> }>().data;
    expect(seenByA.map((e) => e.id)).not.toContain(created.json().id);
    await expectStatus({ method: 'DELETE', url: `/v1/webhooks/${created.json().id}`, headers: b.bearer }, 204);
  },
  'GET /v1/webhooks': async (a, b) => {
    const listed = (await expectStatus({ url: '/v1/webhooks', headers: b.bearer }, 200)).json<{ data: Array<{ id: string; mode: string }> }>().data;
    expect(listed.map((e) => e.id)).toEqual([b.endpointId]);
    expect(listed.map((e) => e.id)).not.toContain(a.endpointId);
  },
  'GET /v1/webhooks/:id': notFound((a) => ({ url: `/v1/webhooks/${a.endpointId}` }), () => ({ url: `/v1/webhooks/${GHOST_WHE}` })),
  'PATCH /v1/webhooks/:id': notFound(
    (a) => ({ method: 'PATCH', url: `/v1/webhooks/${a.endpointId}`, payload: { url: 'https://attacker.example.com/' } }),
    () => ({ method: 'PATCH', url: `/v1/webhooks/${GHOST_WHE}`, payload: { url: 'https://attacker.example.com/' } }),
  ),
  'DELETE /v1/webhooks/:id': notFound((a) => ({ method: 'DELETE', url: `/v1/webhooks/${a.endpointId}` }), () => ({ method: 'DELETE', url: `/v1/webhooks/${GHOST_WHE}` })),
  'POST /v1/webhooks/:id/rotate-secret': notFound(
    (a) => ({ method: 'POST', url: `/v1/webhooks/${a.endpointId}/rotate-secret`, payload: {} }),
    () => ({ method: 'POST', url: `/v1/webhooks/${GHOST_WHE}/rotate-secret`, payload: {} }),
  ),
  'GET /v1/webhooks/:id/attempts': notFound((a) => ({ url: `/v1/webhooks/${a.endpointId}/attempts` }), () => ({ url: `/v1/webhooks/${GHOST_WHE}/attempts` })),
  'POST /v1/webhooks/:id/redeliver': async (a, b) => {
    await notFound(
      (w) => ({ method: 'POST', url: `/v1/webhooks/${w.endpointId}/redeliver`, payload: { event_id: w.eventId } }),
      (w) => ({ method: 'POST', url: `/v1/webhooks/${GHOST_WHE}/redeliver`, payload: { event_id: w.eventId } }),
    )(a, b);
    // Its own endpoint, the other world's event: that event does not exist here either.
    await notFound(
      (w) => ({ method: 'POST', url: `/v1/webhooks/${b.endpointId}/redeliver`, payload: { event_id: w.eventId } }),
      () => ({ method: 'POST', url: `/v1/webhooks/${b.endpointId}/redeliver`, payload: { event_id: GHOST_EVT } }),
    )(a, b);
  },

  'POST /v2/Services': adminOnly(() => ({ method: 'POST', url: '/v2/Services', headers: FORM, payload: form({ FriendlyName: 'X' }) }), true),
  'GET /v2/Services': configRead(() => ({ url: '/v2/Services' }), true),
  'GET /v2/Services/:ServiceSid': configRead(() => ({ url: `/v2/Services/${serviceSid}` }), true),
  'POST /v2/Services/:ServiceSid': adminOnly(() => ({ method: 'POST', url: `/v2/Services/${serviceSid}`, headers: FORM, payload: form({ CodeLength: '8' }) }), true),
  'DELETE /v2/Services/:ServiceSid': adminOnly(() => ({ method: 'DELETE', url: `/v2/Services/${serviceSid}` }), true),
  'POST /v2/Services/:ServiceSid/Verifications': async (a, b) => {
    const res = await expectStatus({ method: 'POST', url: `/v2/Services/${serviceSid}/Verifications`, headers: { ...b.basic, ...FORM }, payload: form({ To: CUSTOM[a.mode], Channel: 'sms' }) }, 201);
    expect(res.json().sid).not.toBe(sid('VE', a.customId));
  },
  'GET /v2/Services/:ServiceSid/Verifications/:Sid': notFound(
    (a) => ({ url: `/v2/Services/${serviceSid}/Verifications/${sid('VE', a.verificationId)}` }),
    () => ({ url: `/v2/Services/${serviceSid}/Verifications/${sid('VE', GHOST_VER)}` }),
    true,
  ),
  'POST /v2/Services/:ServiceSid/Verifications/:Sid': async (a, b) => {
    for (const [id, status] of [[a.verificationId, 'canceled'], [a.customId, 'approved']] as const) {
      await notFound(
        () => ({ method: 'POST', url: `/v2/Services/${serviceSid}/Verifications/${sid('VE', id)}`, headers: FORM, payload: form({ Status: status }) }),
        () => ({ method: 'POST', url: `/v2/Services/${serviceSid}/Verifications/${sid('VE', GHOST_VER)}`, headers: FORM, payload: form({ Status: status }) }),
        true,
      )(a, b);
    }
  },
  'POST /v2/Services/:ServiceSid/VerificationCheck': async (a, b) => {
    await notFound(
      (w) => ({ method: 'POST', url: `/v2/Services/${serviceSid}/VerificationCheck`, headers: FORM, payload: form({ VerificationSid: sid('VE', w.verificationId), Code: w.code }) }),
      (w) => ({ method: 'POST', url: `/v2/Services/${serviceSid}/VerificationCheck`, headers: FORM, payload: form({ VerificationSid: sid('VE', GHOST_VER), Code: w.code }) }),
      true,
    )(a, b);
    // By number, with a's (custom) code: b may have its own verification to that number by now
    // (the start probe), where the code is simply wrong; either way it never approves.
    const byNumber = await call({
      method: 'POST', url: `/v2/Services/${serviceSid}/VerificationCheck`, headers: { ...b.basic, ...FORM }, payload: form({ To: CUSTOM[a.mode], Code: '4711' }),
    });
    if (byNumber.statusCode === 200) expect(byNumber.json()).toMatchObject({ valid: false, status: 'pending' });
    else expect(byNumber.json()).toMatchObject({ status: 404, code: 20404 });
  },
  'GET /v2/Attempts': async (a, b) => {
    const attempts = (await expectStatus({ url: '/v2/Attempts?PageSize=100', headers: b.basic }, 200)).json<{ attempts: Array<{ sid: string; verification_sid: string }> }>().attempts;
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.map((x) => x.sid)).not.toContain(sid('VL', a.messageId));
    const filtered = await expectStatus({ url: `/v2/Attempts?VerificationSid=${sid('VE', a.verificationId)}`, headers: b.basic }, 200);
    expect(filtered.json().attempts).toEqual([]);
  },
  'GET /v2/Attempts/Summary': async (a, b) => {
    const prefix = encodeURIComponent(ONLY[a.mode].slice(0, 5));
    const seenByA = (await expectStatus({ url: `/v2/Attempts/Summary?DestinationPrefix=${prefix}`, headers: a.basic }, 200)).json();
    const seenByB = (await expectStatus({ url: `/v2/Attempts/Summary?DestinationPrefix=${prefix}`, headers: b.basic }, 200)).json();
    expect(seenByA.total_attempts).toBeGreaterThan(0);
    // b started its own verification to that number in the start probe; a's sends are not in its count.
    expect(seenByB.total_attempts).toBeLessThan(seenByA.total_attempts + 1);
    const own = (await call({ url: `/v2/Attempts?PageSize=100`, headers: b.basic })).json<{ attempts: Array<{ to?: string; channel_data?: { to: string } }> }>().attempts;
    expect(seenByB.total_attempts).toBe(own.filter((x) => (x.channel_data?.to ?? x.to ?? '').startsWith(ONLY[a.mode].slice(0, 5))).length);
  },
  'GET /v2/Attempts/:Sid': notFound((a) => ({ url: `/v2/Attempts/${sid('VL', a.messageId)}` }), () => ({ url: `/v2/Attempts/${sid('VL', GHOST_MSG)}` }), true),

  'POST /v2/Services/:ServiceSid/RateLimits': configWrite(() => ({ method: 'POST', url: `/v2/Services/${serviceSid}/RateLimits`, headers: FORM, payload: form({ UniqueName: 'probe' }) })),
  'GET /v2/Services/:ServiceSid/RateLimits': configRead(() => ({ url: `/v2/Services/${serviceSid}/RateLimits` }), true),
  'GET /v2/Services/:ServiceSid/RateLimits/:Sid': configRead(() => ({ url: `/v2/Services/${serviceSid}/RateLimits/${rateLimitSid}` }), true),
  'POST /v2/Services/:ServiceSid/RateLimits/:Sid': configWrite(() => ({ method: 'POST', url: `/v2/Services/${serviceSid}/RateLimits/${rateLimitSid}`, headers: FORM, payload: form({ Description: 'changed' }) })),
  'DELETE /v2/Services/:ServiceSid/RateLimits/:Sid': configWrite(() => ({ method: 'DELETE', url: `/v2/Services/${serviceSid}/RateLimits/${rateLimitSid}` })),
  'POST /v2/Services/:ServiceSid/RateLimits/:RateLimitSid/Buckets': configWrite(() => ({
    method: 'POST', url: `/v2/Services/${serviceSid}/RateLimits/${rateLimitSid}/Buckets`, headers: FORM, payload: form({ Max: '1', Interval: '10' }),
  })),
  'GET /v2/Services/:ServiceSid/RateLimits/:RateLimitSid/Buckets': configRead(() => ({ url: `/v2/Services/${serviceSid}/RateLimits/${rateLimitSid}/Buckets` }), true),
  'GET /v2/Services/:ServiceSid/RateLimits/:RateLimitSid/Buckets/:Sid': configRead(() => ({ url: `/v2/Services/${serviceSid}/RateLimits/${rateLimitSid}/Buckets/${bucketSid}` }), true),
  'POST /v2/Services/:ServiceSid/RateLimits/:RateLimitSid/Buckets/:Sid': configWrite(() => ({
    method: 'POST', url: `/v2/Services/${serviceSid}/RateLimits/${rateLimitSid}/Buckets/${bucketSid}`, headers: FORM, payload: form({ Max: '100' }),
  })),
  'DELETE /v2/Services/:ServiceSid/RateLimits/:RateLimitSid/Buckets/:Sid': configWrite(() => ({
    method: 'DELETE', url: `/v2/Services/${serviceSid}/RateLimits/${rateLimitSid}/Buckets/${bucketSid}`,
  })),

  // Webhooks are the /v1 endpoints, in the credentials' world.
  'POST /v2/Services/:ServiceSid/Webhooks': async (a, b) => {
    const created = await expectStatus({
      method: 'POST', url: `/v2/Services/${serviceSid}/Webhooks`, headers: { ...b.basic, ...FORM },
      payload: form({ FriendlyName: 'probe', EventTypes: '*', WebhookUrl: 'https://hooks.example.com/v2-probe' }),
    }, 201);
    const seenByA = (await call({ url: `/v2/Services/${serviceSid}/Webhooks`, headers: a.basic })).json<{ webhooks: Array<{ sid: string }> }>().webhooks;
    expect(seenByA.map((w) => w.sid)).not.toContain(created.json().sid);
    await expectStatus({ method: 'DELETE', url: `/v2/Services/${serviceSid}/Webhooks/${created.json().sid}`, headers: b.basic }, 204);
  },
  'GET /v2/Services/:ServiceSid/Webhooks': async (a, b) => {
    const listed = (await expectStatus({ url: `/v2/Services/${serviceSid}/Webhooks`, headers: b.basic }, 200)).json<{ webhooks: Array<{ sid: string }> }>().webhooks;
    expect(listed.map((w) => w.sid)).toEqual([sid('YW', b.endpointId)]);
    expect(listed.map((w) => w.sid)).not.toContain(sid('YW', a.endpointId));
  },
  'GET /v2/Services/:ServiceSid/Webhooks/:Sid': notFound(
    (a) => ({ url: `/v2/Services/${serviceSid}/Webhooks/${sid('YW', a.endpointId)}` }),
    () => ({ url: `/v2/Services/${serviceSid}/Webhooks/${sid('YW', GHOST_WHE)}` }),
    true,
  ),
  'POST /v2/Services/:ServiceSid/Webhooks/:Sid': notFound(
    (a) => ({ method: 'POST', url: `/v2/Services/${serviceSid}/Webhooks/${sid('YW', a.endpointId)}`, headers: FORM, payload: form({ WebhookUrl: 'https://attacker.example.com/' }) }),
    () => ({ method: 'POST', url: `/v2/Services/${serviceSid}/Webhooks/${sid('YW', GHOST_WHE)}`, headers: FORM, payload: form({ WebhookUrl: 'https://attacker.example.com/' }) }),
    true,
  ),
  'DELETE /v2/Services/:ServiceSid/Webhooks/:Sid': notFound(
    (a) => ({ method: 'DELETE', url: `/v2/Services/${serviceSid}/Webhooks/${sid('YW', a.endpointId)}` }),
    () => ({ method: 'DELETE', url: `/v2/Services/${serviceSid}/Webhooks/${sid('YW', GHOST_WHE)}` }),
    true,
  ),

  // Messaging configurations, the safe list and templates are configuration: both worlds read them, live changes them.
  'POST /v2/Services/:ServiceSid/MessagingConfigurations': configWrite(() => ({
    method: 'POST', url: `/v2/Services/${serviceSid}/MessagingConfigurations`, headers: FORM, payload: form({ Country: 'FR', MessagingServiceSid: MG }),
  })),
  'GET /v2/Services/:ServiceSid/MessagingConfigurations': configRead(() => ({ url: `/v2/Services/${serviceSid}/MessagingConfigurations` }), true),
  'GET /v2/Services/:ServiceSid/MessagingConfigurations/:Country': configRead(() => ({ url: `/v2/Services/${serviceSid}/MessagingConfigurations/GB` }), true),
  'POST /v2/Services/:ServiceSid/MessagingConfigurations/:Country': configWrite(() => ({
    method: 'POST', url: `/v2/Services/${serviceSid}/MessagingConfigurations/GB`, headers: FORM, payload: form({ MessagingServiceSid: MG }),
  })),
  'DELETE /v2/Services/:ServiceSid/MessagingConfigurations/:Country': configWrite(() => ({ method: 'DELETE', url: `/v2/Services/${serviceSid}/MessagingConfigurations/GB` })),
  'POST /v2/SafeList/Numbers': configWrite(() => ({ method: 'POST', url: '/v2/SafeList/Numbers', headers: FORM, payload: form({ PhoneNumber: '+447911123999' }) })),
  'GET /v2/SafeList/Numbers/:PhoneNumber': configRead(() => ({ url: `/v2/SafeList/Numbers/${encodeURIComponent(SAFE)}` }), true),
  'DELETE /v2/SafeList/Numbers/:PhoneNumber': configWrite(() => ({ method: 'DELETE', url: `/v2/SafeList/Numbers/${encodeURIComponent(SAFE)}` })),
  'GET /v2/Templates': configRead(() => ({ url: '/v2/Templates' }), true),
};

/** a's objects are exactly as a left them. */
async function expectUntouched(a: World): Promise<void> {
  const v = (await expectStatus({ url: `/v1/verifications/${a.verificationId}`, headers: a.bearer }, 200)).json();
  expect(v).toMatchObject({ status: 'pending', attempts_remaining: 5, mode: a.mode });
  expect((await call({ url: `/v1/verifications/${a.customId}`, headers: a.bearer })).json().status).toBe('pending');
  const endpoint = (await expectStatus({ url: `/v1/webhooks/${a.endpointId}`, headers: a.bearer }, 200)).json();
  expect(endpoint).toMatchObject({ url: `https://hooks.example.com/${a.mode}`, enabled: true, previous_secret_expires_at: null });
  const check = await call({ method: 'POST', url: '/v1/verifications/check', headers: a.bearer, payload: { id: a.verificationId, code: a.code } });
  expect(check.json()).toMatchObject({ valid: true, status: 'approved' });
}

describe('test mode is its own world, on every route (T1)', () => {
  it('names every route the app serves', () => {
    const served = h.app.routeTable.map((r) => `${r.method} ${r.url}`).sort();
    expect(Object.keys(table).sort()).toEqual(served);
  });

  it.each([
    ['a test-mode key', 'live', 'test'],
    ['a live key', 'test', 'live'],
  ] as const)('%s finds nothing of the other world, changes nothing of it, and changes configuration only when live', async (_name, owner, prober) => {
    const [a, b] = [worlds[owner], worlds[prober]];
    for (const [route, probe] of Object.entries(table)) {
      try {
        await probe(a, b);
      } catch (error) {
        throw new Error(`${route}: ${(error as Error).message}`, { cause: error });
      }
    }
    await expectUntouched(a);
  });

  it('keeps configuration writes working for live credentials', async () => {
    const res = await expectStatus({
      method: 'POST', url: `/v2/Services/${serviceSid}/RateLimits/${rateLimitSid}`, headers: { ...worlds.live.basic, ...FORM }, payload: form({ Description: 'per end-user IP' }),
    }, 200);
    expect(res.json().description).toBe('per end-user IP');
  });
});
