import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sidOf } from '../../src/http/routes/twilio/sids.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';
import { expectTwilioShape } from '../helpers/twilio-spec.js';

/** Issue 18: the /v2 surface answers as Twilio's spec and error dictionary say (wire level; the SDK suites drive the same through the SDKs). */
let h: Harness;
let admin: Record<string, string>;
let basic: Record<string, string>;
let testBasic: Record<string, string>;
let serviceSid: string;
let serviceId: string;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (fields: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) params.append(k, one);
  return params.toString();
};

async function credentials(path: string, payload: Record<string, unknown>) {
  const res = await h.app.inject({ method: 'POST', url: path, headers: { authorization: `Bearer ${h.adminKey}` }, payload });
  expect(res.statusCode).toBe(201);
  const c = res.json<{ sid: string; secret: string }>();
  return { authorization: `Basic ${Buffer.from(`${c.sid}:${c.secret}`).toString('base64')}` };
}

async function v2(options: InjectOptions & { as?: Record<string, string> }, status: number) {
  const { as, ...rest } = options;
  const res = await h.app.inject({ ...rest, headers: { ...(rest.payload ? FORM : {}), ...(as ?? basic), ...rest.headers } });
  expect(res.statusCode, `${rest.method ?? 'GET'} ${rest.url}: ${res.body}`).toBe(status);
  return res.body === '' ? null : res.json();
}

beforeAll(async () => {
  h = await createHarness();
  const svc = await h.service();
  serviceId = svc.id;
  serviceSid = sidOf('VA', svc.id);
  admin = await credentials('/v1/basic-credentials', { type: 'account' });
  basic = await credentials(`/v1/services/${svc.id}/basic-credentials`, { type: 'api_key' });
  testBasic = await credentials(`/v1/services/${svc.id}/basic-credentials`, { type: 'api_key', mode: 'test' });
});
afterAll(async () => h.close());

describe('/v2 Services parameters (issue 18)', () => {
  it('reads booleans in any case, as the Python SDK sends them', async () => {
    const created = await v2({ method: 'POST', url: '/v2/Services', as: admin, payload: form({ FriendlyName: 'Bools', CustomCodeEnabled: 'True', SkipSmsToLandlines: 'TRUE', LookupEnabled: 'False' }) }, 201);
    expect(created).toMatchObject({ custom_code_enabled: true, skip_sms_to_landlines: true, lookup_enabled: false });
    expectTwilioShape('service', created);
    const updated = await v2({ method: 'POST', url: `/v2/Services/${created.sid}`, as: admin, payload: form({ CustomCodeEnabled: 'fAlSe' }) }, 200);
    expect(updated.custom_code_enabled).toBe(false);
    // Only boolean parameters are touched: a name "True" stays as written.
    expect((await v2({ method: 'POST', url: `/v2/Services/${created.sid}`, as: admin, payload: form({ FriendlyName: 'True' }) }, 200)).friendly_name).toBe('True');
    await v2({ method: 'POST', url: `/v2/Services/${created.sid}`, as: admin, payload: form({ CustomCodeEnabled: 'yes' }) }, 400);
  });

  it.each([
    ['LookupEnabled', 'true'], ['Psd2Enabled', 'false'], ['SkipSmsToLandlines', 'false'], ['DtmfInputRequired', 'true'],
    ['VerifyEventSubscriptionEnabled', 'true'],
    ['Push.IncludeDate', 'true'], ['Totp.Issuer', 'Acme'], ['Whatsapp.From', '+14155550100'], ['Passkeys.RelyingParty.Id', 'acme.com'],
  ])('refuses %s=%s with 60204 instead of echoing it wrong', async (name, value) => {
    const body = await v2({ method: 'POST', url: '/v2/Services', as: admin, payload: form({ FriendlyName: 'Refused', [name]: value }) }, 400);
    expect(body).toMatchObject({ code: 60204, status: 400, message: 'Service does not support this feature' });
    expect(body.details.message).toContain(name);
    await v2({ method: 'POST', url: `/v2/Services/${serviceSid}`, as: admin, payload: form({ [name]: value }) }, 400);
  });

  it('accepts each parameter at the value otpgate does, and says so', async () => {
    const created = await v2({
      method: 'POST', url: '/v2/Services', as: admin,
      payload: form({ FriendlyName: 'Honest', LookupEnabled: 'false', Psd2Enabled: 'true', SkipSmsToLandlines: 'true', DtmfInputRequired: 'false', DoNotShareWarningEnabled: 'true' }),
    }, 201);
    expect(created).toMatchObject({ lookup_enabled: false, psd2_enabled: true, skip_sms_to_landlines: true, dtmf_input_required: false, do_not_share_warning_enabled: true, tts_name: null });
    expect(created.default_template_sid).toBe(`HJ${created.sid.slice(2)}`);
  });

  it('maps DoNotShareWarningEnabled and TtsName onto the service settings they stand for', async () => {
    const created = await v2({ method: 'POST', url: '/v2/Services', as: admin, payload: form({ FriendlyName: 'Mapped', DoNotShareWarningEnabled: 'False', TtsName: 'Polly.Joanna' }) }, 201);
    expect(created).toMatchObject({ do_not_share_warning_enabled: false, tts_name: 'Polly.Joanna' });
    // Read back as stored (the answer is built from the service's settings).
    expect(await v2({ method: 'GET', url: `/v2/Services/${created.sid}`, as: admin }, 200)).toMatchObject({ do_not_share_warning_enabled: false, tts_name: 'Polly.Joanna' });
    const back = await v2({ method: 'POST', url: `/v2/Services/${created.sid}`, as: admin, payload: form({ DoNotShareWarningEnabled: 'true', TtsName: '' }) }, 200);
    expect(back).toMatchObject({ do_not_share_warning_enabled: true, tts_name: null });
    await v2({ method: 'POST', url: `/v2/Services/${created.sid}`, as: admin, payload: form({ TtsName: 'no spaces allowed' }) }, 400);
  });

  it('validates FriendlyName as Twilio does: ≤ 32 characters, no URL, at most 4 digits', async () => {
    for (const name of ['x'.repeat(33), 'Acme acme-login.com', 'Call 0800 555 123', 'www.acme', 'bit.ly/abc']) {
      expect((await v2({ method: 'POST', url: '/v2/Services', as: admin, payload: form({ FriendlyName: name }) }, 400)).code, name).toBe(60200);
    }
    await v2({ method: 'POST', url: '/v2/Services', as: admin, payload: form({ FriendlyName: 'Acme 2026 Inc.' }) }, 201);
  });

  it('takes the service\'s template (or the built-in one while it has none) as DefaultTemplateSid', async () => {
    const templateSid = `HJ${serviceSid.slice(2)}`;
    expect((await v2({ method: 'POST', url: `/v2/Services/${serviceSid}`, as: admin, payload: form({ DefaultTemplateSid: templateSid }) }, 200)).default_template_sid).toBe(templateSid);
    await v2({ method: 'POST', url: `/v2/Services/${serviceSid}`, as: admin, payload: form({ DefaultTemplateSid: `HJ${'0'.repeat(32)}` }) }, 200);
    expect((await v2({ method: 'POST', url: `/v2/Services/${serviceSid}`, as: admin, payload: form({ DefaultTemplateSid: 'HJ123' }) }, 400)).code).toBe(60200);
    expect((await v2({ method: 'POST', url: `/v2/Services/${serviceSid}`, as: admin, payload: form({ DefaultTemplateSid: `HJ${'1'.repeat(32)}` }) }, 400)).code).toBe(60200);
  });
});

describe('/v2 errors with Twilio\'s codes (issue 18)', () => {
  it('rate limits: 60208 duplicate, 60209 bad name, 60211 second bucket of one interval', async () => {
    const limit = await v2({ method: 'POST', url: `/v2/Services/${serviceSid}/RateLimits`, payload: form({ UniqueName: 'per_ip' }) }, 201);
    expectTwilioShape('rate_limit', limit);
    expect((await v2({ method: 'POST', url: `/v2/Services/${serviceSid}/RateLimits`, payload: form({ UniqueName: 'per_ip' }) }, 400)).code).toBe(60208);
    expect((await v2({ method: 'POST', url: `/v2/Services/${serviceSid}/RateLimits`, payload: form({ UniqueName: 'bad name!' }) }, 400)).code).toBe(60209);
    const url = `/v2/Services/${serviceSid}/RateLimits/${limit.sid}/Buckets`;
    const bucket = await v2({ method: 'POST', url, payload: form({ Max: '5', Interval: '60' }) }, 201);
    expectTwilioShape('bucket', bucket);
    expect((await v2({ method: 'POST', url, payload: form({ Max: '9', Interval: '60' }) }, 400)).code).toBe(60211);
    const other = await v2({ method: 'POST', url, payload: form({ Max: '50', Interval: '3600' }) }, 201);
    expect((await v2({ method: 'POST', url: `${url}/${other.sid}`, payload: form({ Interval: '60' }) }, 400)).code).toBe(60211);
    await v2({ method: 'POST', url: `${url}/${other.sid}`, payload: form({ Interval: '3600', Max: '40' }) }, 200);
  });

  it('an unsupported Locale is 404 (Twilio\'s answer), a bad TemplateSid or DeviceIp 60200, a link in CustomFriendlyName 60200', async () => {
    const url = `/v2/Services/${serviceSid}/Verifications`;
    const locale = await v2({ method: 'POST', url, payload: form({ To: '+14155550181', Channel: 'sms', Locale: 'xx-YY' }) }, 404);
    expect(locale).toMatchObject({ code: 20404, status: 404 });
    expect(locale.details).toMatchObject({ code: 'unsupported_locale' });
    expect((await v2({ method: 'POST', url, payload: form({ To: '+14155550181', Channel: 'sms', TemplateSid: 'HJnope' }) }, 400)).code).toBe(60200);
    expect((await v2({ method: 'POST', url, payload: form({ To: '+14155550181', Channel: 'sms', DeviceIp: '999.1.1.1' }) }, 400)).code).toBe(60200);
    for (const name of ['Pay at evil.io', 'Acme 555 0100 12']) {
      expect((await v2({ method: 'POST', url, payload: form({ To: '+14155550181', Channel: 'sms', CustomFriendlyName: name }) }, 400)).code, name).toBe(60200);
    }
    const started = await v2({ method: 'POST', url, payload: form({ To: '+14155550181', Channel: 'sms', TemplateSid: `HJ${serviceSid.slice(2)}`, DeviceIp: '203.0.113.9' }) }, 201);
    expectTwilioShape('verification', started);
  });

  it('puts the reason of a refused check in `details`, where the SDKs read it', async () => {
    const url = `/v2/Services/${serviceSid}/Verifications`;
    const started = await v2({ method: 'POST', url, payload: form({ To: '+14155550182', Channel: 'sms' }) }, 201);
    await v2({ method: 'POST', url: `${url}/${started.sid}`, payload: form({ Status: 'canceled' }) }, 200);
    const refused = await v2({ method: 'POST', url: `/v2/Services/${serviceSid}/VerificationCheck`, payload: form({ VerificationSid: started.sid, Code: '123456' }) }, 404);
    expect(refused).toMatchObject({ code: 20404, details: { code: 'verification_canceled' } });
    expect(refused.details.message).toMatch(/cancel/i);
    expect(refused).not.toHaveProperty('detail');
  });

  it('paging: Page without PageToken is refused rather than answered as page 0', async () => {
    const body = await v2({ url: '/v2/Attempts?Page=1&PageSize=1' }, 400);
    expect(body.code).toBe(60200);
    expect(body.message).toContain('PageToken');
    const first = await v2({ url: '/v2/Attempts?Page=0&PageSize=1' }, 200);
    expect(first.meta.page).toBe(0);
    const next = await v2({ url: first.meta.next_page_url.replace(/^https?:\/\/[^/]+/, '') }, 200);
    expect(next.meta.page).toBe(1);
    expect(next.attempts[0].sid).not.toBe(first.attempts[0].sid);
  });
});

describe('/v2 resources SDK users call (issue 18)', () => {
  it('Webhooks are the service\'s webhook endpoints, by world', async () => {
    const url = `/v2/Services/${serviceSid}/Webhooks`;
    const created = await v2({ method: 'POST', url, payload: form({ FriendlyName: 'Approvals', EventTypes: ['verification.approved', 'message.failed'], WebhookUrl: 'https://hooks.example.com/otp' }) }, 201);
    expectTwilioShape('webhook', created);
    expect(created).toMatchObject({ status: 'enabled', version: 'v2', webhook_method: 'POST', event_types: ['verification.approved', 'message.failed'] });
    expect(created.secret).toMatch(/^whsec_/);
    const updated = await v2({ method: 'POST', url: `${url}/${created.sid}`, payload: form({ Status: 'disabled', EventTypes: '*' }) }, 200);
    expect(updated).toMatchObject({ status: 'disabled', event_types: ['*'] });
    expect((await v2({ url }, 200)).webhooks.map((w: { sid: string }) => w.sid)).toContain(created.sid);
    expect((await v2({ url, as: testBasic }, 200)).webhooks).toEqual([]);
    expect((await v2({ method: 'POST', url, payload: form({ FriendlyName: 'x', EventTypes: 'factor.created', WebhookUrl: 'https://hooks.example.com/x' }) }, 400)).code).toBe(60204);
    expect((await v2({ method: 'POST', url, payload: form({ FriendlyName: 'x', EventTypes: 'nope', WebhookUrl: 'https://hooks.example.com/x' }) }, 400)).code).toBe(60200);
    expect((await v2({ method: 'POST', url, payload: form({ FriendlyName: 'x', EventTypes: '*', WebhookUrl: 'https://hooks.example.com/x', Version: 'v1' }) }, 400)).code).toBe(60204);
    await v2({ method: 'DELETE', url: `${url}/${created.sid}` }, 204);
    await v2({ url: `${url}/${created.sid}` }, 404);
  });

  it('MessagingConfigurations put a Twilio Messaging Service on a country of the service\'s SMS routing', async () => {
    const url = `/v2/Services/${serviceSid}/MessagingConfigurations`;
    const mg = `MG${'c'.repeat(32)}`;
    const created = await v2({ method: 'POST', url, payload: form({ Country: 'de', MessagingServiceSid: mg }) }, 201);
    expectTwilioShape('messaging_configuration', created);
    expect(created).toMatchObject({ country: 'DE', messaging_service_sid: mg });
    expect((await v2({ method: 'POST', url, payload: form({ Country: 'DE', MessagingServiceSid: mg }) }, 400)).code).toBe(60213);
    expect((await v2({ method: 'POST', url, payload: form({ Country: 'FR', MessagingServiceSid: 'MG1' }) }, 400)).code).toBe(60200);
    const sms = await h.app.inject({ url: `/v1/services/${serviceId}/sms`, headers: { authorization: `Bearer ${h.adminKey}` } });
    expect(sms.json()).toMatchObject({ source: 'service', country_messaging_services: { DE: mg } });
    expect((await h.c.router.plan(serviceId, 'sms', 'DE')).messagingServiceSid).toBe(mg);
    expect((await h.c.router.plan(serviceId, 'sms', 'FR')).messagingServiceSid).toBeNull();
    const other = `MG${'d'.repeat(32)}`;
    expect((await v2({ method: 'POST', url: `${url}/DE`, payload: form({ MessagingServiceSid: other }) }, 200)).messaging_service_sid).toBe(other);
    expect((await v2({ url }, 200)).messaging_configurations).toHaveLength(1);
    await v2({ method: 'POST', url, as: testBasic, payload: form({ Country: 'IT', MessagingServiceSid: mg }) }, 403);
    await v2({ method: 'DELETE', url: `${url}/DE` }, 204);
    await v2({ url: `${url}/DE` }, 404);
  });

  it('SafeList numbers are the service\'s safelist', async () => {
    const number = '+447911123457';
    const created = await v2({ method: 'POST', url: '/v2/SafeList/Numbers', payload: form({ PhoneNumber: number }) }, 201);
    expectTwilioShape('safelist', created);
    expect((await h.c.tenancy.getService(serviceId)).settings.safelist).toContain(number);
    expect(await v2({ url: `/v2/SafeList/Numbers/${encodeURIComponent(number)}` }, 200)).toEqual(created);
    await v2({ method: 'POST', url: '/v2/SafeList/Numbers', as: admin, payload: form({ PhoneNumber: number }) }, 403);
    await v2({ method: 'DELETE', url: `/v2/SafeList/Numbers/${encodeURIComponent(number)}`, as: testBasic }, 403);
    await v2({ method: 'DELETE', url: `/v2/SafeList/Numbers/${encodeURIComponent(number)}` }, 204);
    expect((await h.c.tenancy.getService(serviceId)).settings.safelist).not.toContain(number);
    await v2({ url: `/v2/SafeList/Numbers/${encodeURIComponent(number)}` }, 404);
  });

  it('Templates list the built-in texts and the service\'s', async () => {
    const page = await v2({ url: '/v2/Templates' }, 200);
    expect(page.templates.map((t: { sid: string }) => t.sid)).toEqual([`HJ${'0'.repeat(32)}`, `HJ${serviceSid.slice(2)}`]);
    for (const t of page.templates) expectTwilioShape('template', t);
    expect(page.templates[1].translations.sms.en.sample).toMatch(/^123456 /);
    const everything = await v2({ url: '/v2/Templates?PageSize=1000', as: admin }, 200);
    expect(everything.templates.length).toBeGreaterThan(2);
  });
});
