import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';

/**
 * The official `twilio` npm package, unchanged, against a real otpgate process: only the Verify
 * base URL and the credentials differ from a Twilio integration.
 */
type Client = ReturnType<typeof twilio>;
interface Credential { sid: string; secret: string; account_sid: string; service_sid: string | null }

let server: ServerProcess;
const adminKey = `og_admin_${randomBytes(24).toString('base64url')}`;

async function native(method: string, path: string, body?: unknown, key = adminKey): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

function sdk(credential: Credential): Client {
  const client = twilio(credential.sid, credential.secret, credential.sid.startsWith('SK') ? { accountSid: credential.account_sid } : {});
  client.verify.baseUrl = server.url;
  return client;
}

/** The otpgate service id behind a VA SID, through the native API (as an operator would look it up). */
async function serviceIdOf(serviceSid: string): Promise<string> {
  const list = await native('GET', '/v1/services?limit=100');
  const found = (list.json.data as Array<{ id: string; twilio_service_sid: string }>).find((s) => s.twilio_service_sid === serviceSid);
  if (!found) throw new Error(`no service ${serviceSid}`);
  return found.id;
}

async function issue(serviceId: string | null, type: 'account' | 'api_key'): Promise<Credential> {
  const res = await native('POST', serviceId === null ? '/v1/basic-credentials' : `/v1/services/${serviceId}/basic-credentials`, { type });
  expect(res.status).toBe(201);
  return res.json;
}

/** The code in the newest SMS to `to`, read from the dev outbox (the SMS goes out just after the answer). */
async function codeSentTo(serviceId: string, to: string, notBefore = 0): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const res = await native('GET', `/v1/outbox?service_id=${serviceId}&to=${encodeURIComponent(to)}&limit=20`);
    const entries = res.json.data as Array<{ body: string }>;
    if (entries.length > notBefore) return /\b(\d{4,10})\b/.exec(entries[0]!.body)![1]!;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no SMS to ${to}`);
}

async function restError(promise: Promise<unknown>): Promise<{ code: number; status: number; name: string }> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(twilio.RestException);
    const e = error as InstanceType<typeof twilio.RestException>;
    return { code: e.code ?? 0, status: e.status, name: e.constructor.name };
  }
  throw new Error('expected a RestException');
}

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

let admin: Client;
let serviceSid: string;
let serviceId: string;
let client: Client;

beforeAll(async () => {
  server = await startServer({ OTPGATE_ADMIN_KEY: adminKey, OTPGATE_SECRET: randomBytes(32).toString('base64url') });
  admin = sdk(await issue(null, 'account'));
  const service = await admin.verify.v2.services.create({ friendlyName: 'Acme', codeLength: 6 });
  serviceSid = service.sid;
  serviceId = await serviceIdOf(serviceSid);
  // No resend cooldown, so the sixth send can be reached without waiting (the setting is native-only).
  expect((await native('PATCH', `/v1/services/${serviceId}`, { resend_cooldown_seconds: 0 })).status).toBe(200);
  client = sdk(await issue(serviceId, 'api_key'));
});
afterAll(async () => {
  await server?.stop();
  server?.cleanup();
});

describe('the official twilio SDK against otpgate', () => {
  it('creates and reads a service with Twilio\'s fields', async () => {
    const fetched = await client.verify.v2.services(serviceSid).fetch();
    expect(fetched.sid).toMatch(/^VA[0-9a-f]{32}$/);
    expect(fetched.friendlyName).toBe('Acme');
    expect(fetched.codeLength).toBe(6);
    expect(fetched.accountSid).toMatch(/^AC[0-9a-f]{32}$/);
    expect(fetched.dateCreated).toBeInstanceOf(Date);
    // Service credentials list their own service only.
    expect((await client.verify.v2.services.list()).map((s) => s.sid)).toEqual([serviceSid]);
  });

  it('starts, refuses a wrong code (pending, valid false), approves the right one, fetches it', async () => {
    const to = '+14155550101';
    const started = await client.verify.v2.services(serviceSid).verifications.create({ to, channel: 'sms' });
    expect(started).toMatchObject({ status: 'pending', valid: false, to, channel: 'sms', serviceSid });
    expect(started.sid).toMatch(/^VE[0-9a-f]{32}$/);
    expect(started.sendCodeAttempts).toHaveLength(1);
    const code = await codeSentTo(serviceId, to);
    expect(code).toHaveLength(6);

    const bad = await client.verify.v2.services(serviceSid).verificationChecks.create({ to, code: wrong(code) });
    expect(bad).toMatchObject({ status: 'pending', valid: false, sid: started.sid });
    const good = await client.verify.v2.services(serviceSid).verificationChecks.create({ verificationSid: started.sid, code });
    expect(good).toMatchObject({ status: 'approved', valid: true, sid: started.sid });

    const fetched = await client.verify.v2.services(serviceSid).verifications(started.sid).fetch();
    expect(fetched).toMatchObject({ status: 'approved', valid: true });
    // Single use (C5): the approved verification is gone for Twilio (20404).
    expect(await restError(client.verify.v2.services(serviceSid).verificationChecks.create({ to, code }))).toMatchObject({ code: 20404, status: 404 });
  });

  it('cancels another verification', async () => {
    const other = await client.verify.v2.services(serviceSid).verifications.create({ to: '+14155550102', channel: 'sms' });
    const canceled = await client.verify.v2.services(serviceSid).verifications(other.sid).update({ status: 'canceled' });
    expect(canceled.status).toBe('canceled');
    expect(await restError(client.verify.v2.services(serviceSid).verifications(other.sid).update({ status: 'canceled' }))).toMatchObject({ code: 20404 });
  });

  it('answers the sixth check with 60202, even with the right code (B1)', async () => {
    const to = '+14155550103';
    await client.verify.v2.services(serviceSid).verifications.create({ to, channel: 'sms' });
    const code = await codeSentTo(serviceId, to);
    const statuses: string[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await client.verify.v2.services(serviceSid).verificationChecks.create({ to, code: wrong(code) })).status);
    }
    expect(statuses).toEqual(['pending', 'pending', 'pending', 'pending', 'max_attempts_reached']);
    expect(await restError(client.verify.v2.services(serviceSid).verificationChecks.create({ to, code }))).toEqual({ code: 60202, status: 429, name: 'RestException' });
  });

  it('re-sends the same verification and answers the sixth send with 60203 (S1)', async () => {
    const to = '+14155550104';
    const sids = new Set<string>();
    for (let i = 0; i < 5; i++) sids.add((await client.verify.v2.services(serviceSid).verifications.create({ to, channel: 'sms' })).sid);
    expect(sids.size).toBe(1);
    expect(await restError(client.verify.v2.services(serviceSid).verifications.create({ to, channel: 'sms' }))).toEqual({ code: 60203, status: 429, name: 'RestException' });
  });

  it('pages through attempts with list() and each(), and summarises them', async () => {
    const all = await client.verify.v2.verificationAttempts.list({ pageSize: 3 });
    // 1 + 1 + 1 + 5 sends above, at least; more than one page of 3.
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(new Set(all.map((a) => a.sid)).size).toBe(all.length);
    expect(all.every((a) => /^VL[0-9a-f]{32}$/.test(a.sid) && a.serviceSid === serviceSid)).toBe(true);
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) =>
      client.verify.v2.verificationAttempts.each({ pageSize: 2, done: (error?: Error) => (error ? reject(error) : resolve()) }, (attempt) => {
        seen.push(attempt.sid);
      }),
    );
    expect(seen).toEqual(all.map((a) => a.sid));
    const converted = all.filter((a) => a.conversionStatus === 'converted');
    expect(converted).toHaveLength(1);
    const one = await client.verify.v2.verificationAttempts(converted[0]!.sid).fetch();
    expect(one.channelData).toMatchObject({ to: '+14155550101', status: 'confirmed' });
    const summary = await client.verify.v2.verificationAttemptsSummary().fetch({ verifyServiceSid: serviceSid });
    expect(summary.totalAttempts).toBe(all.length);
    expect(summary.totalConverted).toBe(1);
  });

  it('binds a code to Amount and Payee, and approves custom codes on request', async () => {
    const to = '+14155550105';
    const svc = client.verify.v2.services(serviceSid);
    const bound = await svc.verifications.create({ to, channel: 'sms', amount: '€49.90', payee: 'ACME Ltd' });
    expect(bound).toMatchObject({ amount: '€49.90', payee: 'ACME Ltd' });
    const code = await codeSentTo(serviceId, to);
    // The right digits for another amount do not approve (C6): by SID it is a wrong code; by number nothing matches.
    expect(await svc.verificationChecks.create({ verificationSid: bound.sid, code, amount: '€4990', payee: 'ACME Ltd' })).toMatchObject({ valid: false, status: 'pending' });
    expect(await restError(svc.verificationChecks.create({ to, code, payee: 'ACME Ltd' }))).toMatchObject({ code: 20404 });
    expect((await svc.verificationChecks.create({ to, code, amount: '€49.90', payee: 'ACME Ltd' })).status).toBe('approved');

    // A code otpgate made is approved only by that code; a custom code may be approved by its owner.
    const plain = await svc.verifications.create({ to: '+14155550106', channel: 'sms' });
    expect(await restError(svc.verifications(plain.sid).update({ status: 'approved' }))).toMatchObject({ code: 20403, status: 403 });
    expect(await restError(svc.verifications.create({ to: '+14155550107', channel: 'sms', customCode: '482915' }))).toMatchObject({ code: 60200 });
    await admin.verify.v2.services(serviceSid).update({ customCodeEnabled: true });
    const custom = await svc.verifications.create({ to: '+14155550107', channel: 'sms', customCode: '482915' });
    expect(await codeSentTo(serviceId, '+14155550107')).toBe('482915');
    expect((await svc.verifications(custom.sid).update({ status: 'approved' })).status).toBe('approved');
  });

  it('manages RateLimits and Buckets and answers a full bucket with 20429', async () => {
    const svc = client.verify.v2.services(serviceSid);
    const limit = await svc.rateLimits.create({ uniqueName: 'end_user_ip_address', description: 'per IP' });
    expect(limit.sid).toMatch(/^RK[0-9a-f]{32}$/);
    const bucket = await svc.rateLimits(limit.sid).buckets.create({ max: 1, interval: 60 });
    expect(bucket).toMatchObject({ max: 1, interval: 60, rateLimitSid: limit.sid });
    expect(bucket.sid).toMatch(/^BL[0-9a-f]{32}$/);
    expect((await svc.rateLimits(limit.sid).buckets(bucket.sid).update({ max: 2 })).max).toBe(2);
    expect((await svc.rateLimits.list()).map((r) => r.uniqueName)).toEqual(['end_user_ip_address']);
    expect(await svc.rateLimits(limit.sid).buckets.list()).toHaveLength(1);

    const rateLimits = { end_user_ip_address: '203.0.113.7' };
    await svc.verifications.create({ to: '+14155550121', channel: 'sms', rateLimits });
    await svc.verifications.create({ to: '+14155550122', channel: 'sms', rateLimits });
    expect(await restError(svc.verifications.create({ to: '+14155550123', channel: 'sms', rateLimits }))).toMatchObject({ code: 20429, status: 429 });
    expect(await restError(svc.verifications.create({ to: '+14155550123', channel: 'sms', rateLimits: { unknown: 'x' } }))).toMatchObject({ code: 60200 });
    await svc.verifications.create({ to: '+14155550123', channel: 'sms', rateLimits: { end_user_ip_address: '198.51.100.1' } });

    expect(await svc.rateLimits(limit.sid).remove()).toBe(true);
    expect(await restError(svc.rateLimits(limit.sid).buckets(bucket.sid).fetch())).toMatchObject({ code: 20404 });
  });

  it('refuses a channel the service has not enabled (60223), one otpgate lacks (60204) and bad numbers (60200)', async () => {
    const svc = client.verify.v2.services(serviceSid);
    expect(await restError(svc.verifications.create({ to: '+14155550108', channel: 'whatsapp' }))).toMatchObject({ code: 60223, status: 400 });
    expect(await restError(svc.verifications.create({ to: '+14155550108', channel: 'sna' }))).toMatchObject({ code: 60204, status: 400 });
    expect(await restError(svc.verifications.create({ to: '+1415', channel: 'sms' }))).toMatchObject({ code: 60200, status: 400 });
  });

  it('answers wrong credentials with 401 and 20003', async () => {
    const good = await issue(serviceId, 'account');
    const forged = sdk({ ...good, secret: '0'.repeat(32) });
    expect(await restError(forged.verify.v2.services(serviceSid).fetch())).toMatchObject({ code: 20003, status: 401 });
    const revokedKey = await issue(serviceId, 'api_key');
    const keys = await native('GET', `/v1/services/${serviceId}/keys`);
    const row = (keys.json.data as Array<{ id: string; prefix: string }>).find((k) => k.prefix === revokedKey.sid)!;
    expect((await native('DELETE', `/v1/services/${serviceId}/keys/${row.id}`)).status).toBe(204);
    expect(await restError(sdk(revokedKey).verify.v2.services(serviceSid).fetch())).toMatchObject({ code: 20003, status: 401 });
  });

  it('keeps tenants apart: another service\'s resources are 20404, and services need admin credentials (H3)', async () => {
    const to = '+14155550109';
    const mine = await client.verify.v2.services(serviceSid).verifications.create({ to, channel: 'sms' });
    const code = await codeSentTo(serviceId, to);
    const otherService = await admin.verify.v2.services.create({ friendlyName: 'Other' });
    const other = sdk(await issue(await serviceIdOf(otherService.sid), 'api_key'));

    expect(await restError(other.verify.v2.services(serviceSid).fetch())).toMatchObject({ code: 20404, status: 404 });
    expect(await restError(other.verify.v2.services(serviceSid).verifications(mine.sid).fetch())).toMatchObject({ code: 20404 });
    expect(await restError(other.verify.v2.services(serviceSid).verificationChecks.create({ to, code }))).toMatchObject({ code: 20404 });
    expect(await restError(other.verify.v2.services(serviceSid).verifications(mine.sid).update({ status: 'canceled' }))).toMatchObject({ code: 20404 });
    // Its own service id with the other's verification SID: still nothing.
    expect(await restError(other.verify.v2.services(otherService.sid).verifications(mine.sid).fetch())).toMatchObject({ code: 20404 });
    expect(await restError(other.verify.v2.verificationAttempts(mine.sendCodeAttempts[0]!.attempt_sid as string).fetch())).toMatchObject({ code: 20404 });
    expect(await other.verify.v2.verificationAttempts.list()).toEqual([]);
    expect(await restError(other.verify.v2.services.create({ friendlyName: 'Mine now' }))).toMatchObject({ code: 20403, status: 403 });
    expect(await restError(other.verify.v2.services(otherService.sid).remove())).toMatchObject({ code: 20403 });
    // Nothing of the above touched the verification: it still approves.
    expect((await client.verify.v2.services(serviceSid).verificationChecks.create({ to, code })).status).toBe('approved');
  });
});

/** One scenario, two surfaces: each driver maps its API's answers to the same outcome words. */
interface Driver {
  serviceId: string;
  start(to: string): Promise<string>;
  check(to: string, code: string): Promise<string>;
  fetch(id: string): Promise<string>;
  cancel(id: string): Promise<string>;
}

async function scenario(d: Driver, prefix: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const a = `${prefix}1`;
  const id = await d.start(a);
  const code = await codeSentTo(d.serviceId, a);
  out.wrong = await d.check(a, wrong(code));
  out.right = await d.check(a, code);
  out.again = await d.check(a, code);
  out.fetched = await d.fetch(id);
  out.canceled = await d.cancel(await d.start(`${prefix}2`));
  const b = `${prefix}3`;
  await d.start(b);
  const codeB = await codeSentTo(d.serviceId, b);
  out.fiveWrong = [];
  for (let i = 0; i < 5; i++) (out.fiveWrong as string[]).push(await d.check(b, wrong(codeB)));
  out.sixthCheck = await d.check(b, codeB);
  const c = `${prefix}4`;
  const ids = new Set<string>();
  for (let i = 0; i < 5; i++) ids.add(await d.start(c));
  out.sameIdOnResend = ids.size === 1;
  out.sixthSend = await d.start(c).catch((error: Error) => error.message);
  return out;
}

function twilioDriver(c: Client, sid: string, id: string): Driver {
  const word = (error: unknown): string => {
    const code = (error as { code?: number }).code;
    return code === 60202 ? 'max_attempts' : code === 60203 ? 'max_sends' : code === 20404 ? 'gone' : `error ${code}`;
  };
  const svc = c.verify.v2.services(sid);
  return {
    serviceId: id,
    start: (to) =>
      svc.verifications.create({ to, channel: 'sms' }).then(
        (v) => v.sid,
        (error: unknown) => {
          throw new Error(word(error));
        },
      ),
    check: (to, code) => svc.verificationChecks.create({ to, code }).then((r) => `${r.status}/${r.valid}`, word),
    fetch: async (vid) => (await svc.verifications(vid).fetch()).status,
    cancel: async (vid) => (await svc.verifications(vid).update({ status: 'canceled' })).status,
  };
}

function nativeDriver(id: string, key: string): Driver {
  const word = (res: { status: number; json: any }): string => {
    const code = res.json.code as string;
    if (code === 'max_attempts_reached') return 'max_attempts';
    if (code === 'max_sends_reached') return 'max_sends';
    if (['verification_already_approved', 'verification_canceled', 'verification_expired', 'verification_not_found'].includes(code)) return 'gone';
    return `error ${code}`;
  };
  return {
    serviceId: id,
    async start(to) {
      const res = await native('POST', '/v1/verifications', { to }, key);
      if (res.status !== 201) throw new Error(word(res));
      return res.json.id;
    },
    async check(to, code) {
      const res = await native('POST', '/v1/verifications/check', { to, code }, key);
      return res.status === 200 ? `${res.json.status}/${res.json.valid}` : word(res);
    },
    fetch: async (vid) => (await native('GET', `/v1/verifications/${vid}`, undefined, key)).json.status,
    cancel: async (vid) => (await native('POST', `/v1/verifications/${vid}/cancel`, undefined, key)).json.status,
  };
}

describe('the same scenarios through the native /v1 API', () => {
  it('give the same outcomes as through the Twilio SDK (one core)', async () => {
    const created = await native('POST', '/v1/services', { name: 'Native', resend_cooldown_seconds: 0 });
    const nativeKey = (await native('POST', `/v1/services/${created.json.id}/keys`)).json.key as string;
    const viaNative = await scenario(nativeDriver(created.json.id, nativeKey), '+1415555020');

    const twin = await admin.verify.v2.services.create({ friendlyName: 'Twin' });
    const twinId = await serviceIdOf(twin.sid);
    await native('PATCH', `/v1/services/${twinId}`, { resend_cooldown_seconds: 0 });
    const viaTwilio = await scenario(twilioDriver(sdk(await issue(twinId, 'account')), twin.sid, twinId), '+1415555030');

    expect(viaTwilio).toEqual(viaNative);
    expect(viaNative).toEqual({
      wrong: 'pending/false',
      right: 'approved/true',
      again: 'gone',
      fetched: 'approved',
      canceled: 'canceled',
      fiveWrong: ['pending/false', 'pending/false', 'pending/false', 'pending/false', 'max_attempts_reached/false'],
      sixthCheck: 'max_attempts',
      sameIdOnResend: true,
      sixthSend: 'max_sends',
    });
  });
});

describe('the official twilio SDK through every /v2 resource of issue 18', () => {
  it('sets booleans, refuses what otpgate cannot honour with 60204, and shows why in details', async () => {
    const created = await admin.verify.v2.services.create({ friendlyName: 'Flags', customCodeEnabled: true, lookupEnabled: false, skipSmsToLandlines: true });
    expect(created).toMatchObject({ customCodeEnabled: true, lookupEnabled: false, skipSmsToLandlines: true, psd2Enabled: true, defaultTemplateSid: `HJ${created.sid.slice(2)}` });
    const refused = await restError(admin.verify.v2.services.create({ friendlyName: 'Flags', psd2Enabled: false }));
    expect(refused).toMatchObject({ code: 60204, status: 400 });
    try {
      await admin.verify.v2.services(created.sid).update({ dtmfInputRequired: true });
      throw new Error('expected 60204');
    } catch (error) {
      const e = error as InstanceType<typeof twilio.RestException>;
      expect(e.code).toBe(60204);
      expect(JSON.stringify(e.details)).toContain('DtmfInputRequired');
    }
    expect((await restError(admin.verify.v2.services.create({ friendlyName: 'Visit acme-login.com' }))).code).toBe(60200);
    await admin.verify.v2.services(created.sid).remove();
  });

  it('explains a refused check in RestException.details', async () => {
    const to = '+14155550141';
    const started = await client.verify.v2.services(serviceSid).verifications.create({ to, channel: 'sms' });
    await client.verify.v2.services(serviceSid).verifications(started.sid).update({ status: 'canceled' });
    try {
      await client.verify.v2.services(serviceSid).verificationChecks.create({ verificationSid: started.sid, code: '123456' });
      throw new Error('expected 20404');
    } catch (error) {
      const e = error as InstanceType<typeof twilio.RestException>;
      expect(e.code).toBe(20404);
      expect(e.details).toMatchObject({ code: 'verification_canceled' });
    }
  });

  it('answers Twilio\'s codes for rate limits and buckets', async () => {
    const limits = client.verify.v2.services(serviceSid).rateLimits;
    const limit = await limits.create({ uniqueName: 'sdk_ip' });
    expect((await restError(limits.create({ uniqueName: 'sdk_ip' }))).code).toBe(60208);
    expect((await restError(limits.create({ uniqueName: 'not valid!' }))).code).toBe(60209);
    await limits(limit.sid).buckets.create({ max: 3, interval: 60 });
    expect((await restError(limits(limit.sid).buckets.create({ max: 4, interval: 60 }))).code).toBe(60211);
    await limits(limit.sid).remove();
  });

  it('manages webhooks, messaging configurations, the safe list and reads templates', async () => {
    const service = client.verify.v2.services(serviceSid);
    const hook = await service.webhooks.create({ friendlyName: 'sdk', eventTypes: ['verification.approved', 'message.failed'], webhookUrl: 'https://hooks.example.com/sdk' });
    expect(hook).toMatchObject({ status: 'enabled', version: 'v2', webhookMethod: 'POST', eventTypes: ['verification.approved', 'message.failed'] });
    expect(hook.sid).toMatch(/^YW[0-9a-f]{32}$/);
    expect((await service.webhooks(hook.sid).update({ status: 'disabled' })).status).toBe('disabled');
    expect((await service.webhooks.list()).map((w) => w.sid)).toContain(hook.sid);
    await service.webhooks(hook.sid).remove();
    expect((await restError(service.webhooks(hook.sid).fetch())).code).toBe(20404);

    const mg = `MG${'e'.repeat(32)}`;
    const config = await service.messagingConfigurations.create({ country: 'ES', messagingServiceSid: mg });
    expect(config).toMatchObject({ country: 'ES', messagingServiceSid: mg, serviceSid });
    expect((await restError(service.messagingConfigurations.create({ country: 'ES', messagingServiceSid: mg }))).code).toBe(60213);
    expect((await service.messagingConfigurations('ES').fetch()).messagingServiceSid).toBe(mg);
    expect((await service.messagingConfigurations.list()).map((m) => m.country)).toEqual(['ES']);
    await service.messagingConfigurations('ES').remove();

    const safe = await client.verify.v2.safelist.create({ phoneNumber: '+447911123458' });
    expect(safe).toMatchObject({ phoneNumber: '+447911123458' });
    expect(safe.sid).toMatch(/^GN[0-9a-f]{32}$/);
    expect((await client.verify.v2.safelist('+447911123458').fetch()).sid).toBe(safe.sid);
    await client.verify.v2.safelist('+447911123458').remove();
    expect((await restError(client.verify.v2.safelist('+447911123458').fetch())).code).toBe(20404);

    const templates = await client.verify.v2.templates.list();
    expect(templates.map((t) => t.sid)).toEqual([`HJ${'0'.repeat(32)}`, `HJ${serviceSid.slice(2)}`]);
    expect(templates[1]!.channels).toEqual(['sms']);
  });
});
