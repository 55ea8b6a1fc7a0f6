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
  it('lists every locale with its built-in text and segment check', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/templates`, headers: admin() });
    expect(res.statusCode).toBe(200);
    const data = res.json<{ data: Array<{ locale: string; source: string; check: { ok: boolean; segments: number } }> }>().data;
    expect(data.length).toBeGreaterThanOrEqual(47);
    expect(data.map((t) => t.locale)).toEqual(expect.arrayContaining(['ja', 'zh-HK', 'zh-TW', 'pt-BR', 'es-419', 'ar', 'he']));
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

  it('leaves out the "do not share" sentence when the service turns do_not_share_warning off (default on)', async () => {
    const created = await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}`, headers: admin() });
    expect(created.json().do_not_share_warning).toBe(true);
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+819012345678' } });
    expect(await h.lastSms(svc.key, '+819012345678')).toMatch(/^Acmeの認証コードは(\d{6})です。他人に教えないでください。\n\n@acme\.com #\1$/);

    const patched = await h.app.inject({ method: 'PATCH', url: `/v1/services/${svc.id}`, headers: admin(), payload: { do_not_share_warning: false } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().do_not_share_warning).toBe(false);
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550123' } });
    expect(await h.lastSms(svc.key, '+14155550123')).toMatch(/^(\d{6}) is your Acme verification code\.\n\n@acme\.com #\1$/);
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+819012345679' } });
    expect(await h.lastSms(svc.key, '+819012345679')).toMatch(/^Acmeの認証コードは(\d{6})です。\n\n@acme\.com #\1$/);
    // The list shows the text sends use.
    const list = await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/templates`, headers: admin() });
    const en = list.json<{ data: Array<{ locale: string; text: string }> }>().data.find((t) => t.locale === 'en');
    expect(en?.text).toBe('{code} is your {service} verification code.');
    // A service's own template is sent as written either way.
    await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/templates/en`, headers: admin(), payload: { text: '{code}: your {service} code. Never share it.' } });
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+14155550199' } });
    expect(await h.lastSms(svc.key, '+14155550199')).toMatch(/^\d{6}: your Acme code\. Never share it\./);
    for (const bad of ['no', 1, null]) {
      const res = await h.app.inject({ method: 'PATCH', url: `/v1/services/${svc.id}`, headers: admin(), payload: { do_not_share_warning: bad } });
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
  });

  it('sends a regional locale the service\'s own text for its language until it has its own', async () => {
    await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/templates/pt`, headers: admin(), payload: { text: 'Codigo {service}: {code}' } });
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+5511912345678' } });
    expect(await h.lastSms(svc.key, '+5511912345678')).toMatch(/^Codigo Acme: \d{6}\n/);
    const list = await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/templates`, headers: admin() });
    const byLocale = Object.fromEntries(list.json<{ data: Array<{ locale: string; source: string }> }>().data.map((t) => [t.locale, t.source]));
    expect(byLocale).toMatchObject({ pt: 'service', 'pt-BR': 'inherited', 'es-419': 'built_in' });
    await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/templates/pt-BR`, headers: admin(), payload: { text: 'Seu codigo {service}: {code}' } });
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+5511912345679' } });
    expect(await h.lastSms(svc.key, '+5511912345679')).toMatch(/^Seu codigo Acme: \d{6}\n/);
    // Dropping the language's own text is seen by the regional locale at once.
    await h.app.inject({ method: 'DELETE', url: `/v1/services/${svc.id}/templates/pt-BR`, headers: admin() });
    await h.app.inject({ method: 'DELETE', url: `/v1/services/${svc.id}/templates/pt`, headers: admin() });
    await h.app.inject({ method: 'POST', url: '/v1/verifications', headers: svc.auth, payload: { to: '+5511912345670' } });
    expect(await h.lastSms(svc.key, '+5511912345670')).toMatch(/^\d{6} é seu codigo de verificacao Acme\./);
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
