import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

let h: Harness;
let svc: Awaited<ReturnType<Harness['service']>>;
const admin = () => ({ authorization: `Bearer ${h.adminKey}` });

beforeEach(async () => {
  h = await createHarness();
  svc = await h.service({ name: 'Acme', webotp_domain: 'acme.com' });
});
afterEach(() => h.close());

describe('templates per service and locale', () => {
  it('lists at least 10 locales with their built-in text and segment check', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/templates`, headers: admin() });
    expect(res.statusCode).toBe(200);
    const data = res.json<{ data: Array<{ locale: string; source: string; check: { ok: boolean; segments: number } }> }>().data;
    expect(data.length).toBeGreaterThanOrEqual(10);
    expect(data.every((t) => t.source === 'built_in' && t.check.ok)).toBe(true);
  });

  it('uses the service\'s template for numbers of that locale, with the WebOTP line last', async () => {
    const put = await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/templates/fr`, headers: admin(), payload: { text: 'Code {service} : {code}' } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ locale: 'fr', source: 'service', check: { ok: true, encoding: 'GSM-7', segments: 1, warnings: [] } });
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+33612345678' } });
    const sms = await h.lastSms(svc.key, '+33612345678');
    const code = /: (\d{6})/.exec(sms)![1];
    expect(sms).toBe(`Code Acme : ${code}\n\n@acme.com #${code}`);
    // Other locales keep the built-in text.
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550123' } });
    expect(await h.lastSms(svc.key, '+14155550123')).toMatch(/is your Acme verification code/);
  });

  it('warns when a template leaves GSM-7 or one segment (M2), and refuses one without {code}', async () => {
    const ucs2 = await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/templates/en`, headers: admin(), payload: { text: 'Your code is {code} ✅' } });
    expect(ucs2.statusCode).toBe(200);
    expect(ucs2.json().check).toMatchObject({ ok: true, encoding: 'UCS-2' });
    expect(ucs2.json().check.warnings.join(' ')).toMatch(/UCS-2/);
    const long = await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/templates/en`, headers: admin(), payload: { text: `{code} ${'is your verification code for the service, please keep it secret. '.repeat(3)}` } });
    expect(long.json().check.segments).toBeGreaterThan(1);
    expect(long.json().check.warnings.join(' ')).toMatch(/segments/);
    const none = await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/templates/en`, headers: admin(), payload: { text: 'no code here' } });
    expect(none.statusCode).toBe(400);
    expect(none.json()).toMatchObject({ code: 'invalid_request' });
    expect(none.json().detail).toMatch(/\{code\}/);
  });

  it('drops a template back to the built-in one, and refuses unknown locales, services and keys', async () => {
    await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/templates/de`, headers: admin(), payload: { text: 'Code: {code}' } });
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/services/${svc.id}/templates/de`, headers: admin() })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/services/${svc.id}/templates/de`, headers: admin() })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/templates/xx`, headers: admin(), payload: { text: '{code}' } })).statusCode).toBe(400);
    expect((await h.app.inject({ method: 'GET', url: '/v1/services/svc_nope/templates', headers: admin() })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/templates/en`, headers: svc.auth, payload: { text: '{code}' } })).statusCode).toBe(403);
  });
});
