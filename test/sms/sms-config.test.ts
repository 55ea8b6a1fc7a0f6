import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

describe('instance SMS config from env', () => {
  it('reads providers in order, their settings, country routes and sender ids', () => {
    const config = loadConfig({
      OTPGATE_SMS_PROVIDER: 'kannel, console',
      OTPGATE_KANNEL_URL: 'http://127.0.0.1:13013',
      OTPGATE_KANNEL_USERNAME: 'otp',
      OTPGATE_KANNEL_PASSWORD: 'pw',
      OTPGATE_SMS_COUNTRY_ROUTES: 'DE=console;fr=kannel,console',
      OTPGATE_SMS_SENDER_ID: 'Acme',
      OTPGATE_SMS_COUNTRY_SENDER_IDS: 'US=+14155550100',
    });
    expect(config.sms.route).toEqual(['kannel', 'console']);
    expect(config.sms.providers[0]).toMatchObject({ name: 'kannel', type: 'kannel', settings: { url: 'http://127.0.0.1:13013', username: 'otp', password: 'pw' } });
    expect(config.sms.countryRoutes).toEqual({ DE: ['console'], FR: ['kannel', 'console'] });
    expect(config.sms.senderId).toBe('Acme');
    expect(config.sms.countrySenderIds).toEqual({ US: '+14155550100' });
  });

  it.each([
    [{ OTPGATE_SMS_PROVIDER: 'carrier-pigeon' }, 'OTPGATE_SMS_PROVIDER'],
    [{ OTPGATE_SMS_PROVIDER: 'kannel', OTPGATE_KANNEL_USERNAME: 'u', OTPGATE_KANNEL_PASSWORD: 'p' }, 'OTPGATE_KANNEL_URL'],
    [{ OTPGATE_SMS_PROVIDER: 'kannel', OTPGATE_KANNEL_URL: 'ftp://x', OTPGATE_KANNEL_USERNAME: 'u', OTPGATE_KANNEL_PASSWORD: 'p' }, 'OTPGATE_KANNEL_URL'],
    [{ OTPGATE_SMS_COUNTRY_ROUTES: 'DE=twilio' }, 'OTPGATE_SMS_COUNTRY_ROUTES'],
    [{ OTPGATE_SMS_COUNTRY_ROUTES: 'nonsense' }, 'OTPGATE_SMS_COUNTRY_ROUTES'],
    [{ OTPGATE_SMS_SENDER_ID: 'Way Too Long Name' }, 'OTPGATE_SMS_SENDER_ID'],
    [{ OTPGATE_SMS_COUNTRY_SENDER_IDS: 'DE=Acme-Bank' }, 'OTPGATE_SMS_COUNTRY_SENDER_IDS'],
    [{ OTPGATE_SMS_NUMERIC_SENDER: 'Acme' }, 'OTPGATE_SMS_NUMERIC_SENDER'],
    [{ OTPGATE_PUBLIC_URL: 'not a url' }, 'OTPGATE_PUBLIC_URL'],
    [{ OTPGATE_SMS_SEND_TIMEOUT_MS: '5' }, 'OTPGATE_SMS_SEND_TIMEOUT_MS'],
  ])('refuses %j naming %s', (env, variable) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
  });
});

describe('per-service SMS settings through the API', () => {
  let h: Harness;
  let dir: string;
  let svc: Awaited<ReturnType<Harness['service']>>;
  const admin = () => ({ authorization: `Bearer ${h.adminKey}` });
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const body = {
    providers: [{ name: 'gw', type: 'kannel', settings: { url: 'http://127.0.0.1:13013', username: 'otp', password, dlr_secret: 'dlr-secret-value-1234' } }],
    route: ['gw', 'console'],
    sender_id: 'Acme',
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otpgate-smscfg-'));
    h = await createHarness({ databasePath: join(dir, 'db.sqlite') });
    svc = await h.service();
  });
  afterEach(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores credentials sealed, shows them masked, and keeps them when the mask is sent back', async () => {
    const put = await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/sms`, headers: admin(), payload: body });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ source: 'service', route: ['gw', 'console'], providers: [{ name: 'gw', settings: { password: '********', dlr_secret: '********', username: 'otp' } }] });
    expect(put.body).not.toContain(password);
    // Nothing in the database file (or its WAL) holds the password in clear.
    const files = [join(dir, 'db.sqlite'), join(dir, 'db.sqlite-wal')];
    for (const file of files) {
      try {
        expect(readFileSync(file).includes(Buffer.from(password))).toBe(false);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    const masked = put.json<{ providers: Array<{ settings: Record<string, string> }> }>();
    const again = await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/sms`, headers: admin(), payload: { ...body, providers: [{ ...body.providers[0], settings: masked.providers[0]!.settings }] } });
    expect(again.statusCode).toBe(200);
    const stored = await h.c.router.serviceRouting(svc.id);
    expect(stored?.providers[0]?.settings.password).toBe(password);
  });

  it('masks credentials inside other settings too: a URL\'s password and query, a template\'s credential fields; sent back, they keep their value', async () => {
    const url = 'https://USERNAME-9:URLPASS-9@sms.example.com/send?apikey=QUERYKEY-9&from=Acme#FRAGTOKEN-9';
    // A vendor's key under any name, nested or in a list: every literal string is masked, placeholders stay.
    const template = JSON.stringify({ auth: { api_key: 'BODYKEY-9' }, login: { pwd: 'PWD-9' }, creds: ['LISTED-9'], to: '{{to}}', text: '{{body}}' });
    const http = { providers: [{ name: 'web', type: 'http', settings: { url, body_template: template } }], route: ['web'] };
    const put = await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/sms`, headers: admin(), payload: http });
    expect(put.statusCode, put.body).toBe(200);
    const shown = put.json<{ providers: Array<{ settings: Record<string, string> }> }>().providers[0]!.settings;
    expect(shown.url).toBe('https://********:********@sms.example.com/send?apikey=********&from=********#********');
    expect(JSON.parse(shown.body_template!)).toEqual({ auth: { api_key: '********' }, login: { pwd: '********' }, creds: ['********'], to: '{{to}}', text: '{{body}}' });
    const audit = await h.app.inject({ url: `/v1/audit-log?service_id=${svc.id}`, headers: admin() });
    expect(audit.json().data.map((r: { action: string }) => r.action)).toContain('sms_settings.updated');
    expect(audit.body).toContain('sms.example.com');
    for (const secret of ['USERNAME-9', 'URLPASS-9', 'QUERYKEY-9', 'FRAGTOKEN-9', 'BODYKEY-9', 'PWD-9', 'LISTED-9']) {
      expect(put.body).not.toContain(secret);
      expect(audit.body).not.toContain(secret);
    }
    // Sent back as shown, with one part edited: the masked parts keep their stored values.
    const edited = { ...shown, body_template: JSON.stringify({ ...JSON.parse(shown.body_template!), text: 'SMS: {{body}}' }) };
    const again = await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/sms`, headers: admin(), payload: { ...http, providers: [{ ...http.providers[0], settings: edited }] } });
    expect(again.statusCode, again.body).toBe(200);
    const stored = (await h.c.router.serviceRouting(svc.id))!.providers[0]!.settings;
    expect(stored.url).toBe(url);
    expect(JSON.parse(stored.body_template!)).toEqual({ auth: { api_key: 'BODYKEY-9' }, login: { pwd: 'PWD-9' }, creds: ['LISTED-9'], to: '{{to}}', text: 'SMS: {{body}}' });
    // A URL with spaces around it is refused, rather than stored where masking by shape misses it.
    const spaced = await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/sms`, headers: admin(), payload: { ...http, providers: [{ ...http.providers[0], settings: { ...http.providers[0]!.settings, url: ` ${url}` } }] } });
    expect(spaced.statusCode).toBe(400);
  });

  it('keeps a masked secret only while the provider sends to the same hosts', async () => {
    expect((await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/sms`, headers: admin(), payload: body })).statusCode).toBe(200);
    const masked = { ...body.providers[0]!.settings, password: '********', dlr_secret: '********' };
    const put = (settings: Record<string, string>) =>
      h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/sms`, headers: admin(), payload: { ...body, providers: [{ ...body.providers[0], settings }] } });
    // Moved to a host of the caller's choosing: the stored password must not follow.
    const moved = await put({ ...masked, url: 'http://198.51.100.7:13013' });
    expect(moved.statusCode).toBe(400);
    expect(moved.json().detail).toContain('give its credentials again');
    expect((await h.c.router.serviceRouting(svc.id))!.providers[0]!.settings.url).toBe('http://127.0.0.1:13013');
    // Same host: kept. A new host with the credentials given again: fine.
    expect((await put({ ...masked, username: 'otp2' })).statusCode).toBe(200);
    expect((await put({ ...masked, url: 'http://198.51.100.7:13013', password: 'new-password', dlr_secret: 'new-dlr-secret-1234' })).statusCode).toBe(200);
    expect((await h.c.router.serviceRouting(svc.id))!.providers[0]!.settings.password).toBe('new-password');
    // A provider whose API URL is optional: setting one moves the credentials too.
    const twilio = { providers: [{ name: 'tw', type: 'twilio', settings: { account_sid: 'AC' + '0'.repeat(32), auth_token: 'tw-token-secret', from: '+14155550100' } }], route: ['tw'] };
    expect((await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/sms`, headers: admin(), payload: twilio })).statusCode).toBe(200);
    const redirected = await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/sms`, headers: admin(), payload: { ...twilio, providers: [{ ...twilio.providers[0], settings: { ...twilio.providers[0]!.settings, auth_token: '********', api_url: 'https://evil.example' } }] } });
    expect(redirected.statusCode).toBe(400);
    // An SMPP host is a destination too, though it is no URL.
    const smpp = { providers: [{ name: 'sm', type: 'smpp', settings: { host: 'smsc.example.net', system_id: 'otp', password: 'smpp-secret' } }], route: ['sm'] };
    expect((await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/sms`, headers: admin(), payload: smpp })).statusCode).toBe(200);
    const moveSmpp = (settings: Record<string, string>) =>
      h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/sms`, headers: admin(), payload: { ...smpp, providers: [{ ...smpp.providers[0], settings: { ...smpp.providers[0]!.settings, password: '********', ...settings } }] } });
    expect((await moveSmpp({ host: '198.51.100.7' })).statusCode).toBe(400);
    expect((await moveSmpp({ port: '2776' })).statusCode).toBe(400);
    expect((await moveSmpp({ system_type: 'otp' })).statusCode).toBe(200);
    expect((await h.c.router.serviceRouting(svc.id))!.providers[0]!.settings.password).toBe('smpp-secret');
  });

  it('falls back to the instance settings when none are set, and after DELETE', async () => {
    const get = await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/sms`, headers: admin() });
    expect(get.json()).toMatchObject({ source: 'instance', route: ['console'] });
    await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/sms`, headers: admin(), payload: body });
    expect((await h.app.inject({ method: 'DELETE', url: `/v1/services/${svc.id}/sms`, headers: admin() })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/sms`, headers: admin() })).json().source).toBe('instance');
  });

  it.each([
    [{ providers: [{ name: 'gw', type: 'nope' }] }, 'providers[0].type'],
    [{ providers: [{ name: 'gw', type: 'kannel', settings: { url: 'http://x' } }] }, 'providers[0].settings.username'],
    [{ providers: [], route: ['missing'] }, 'route[0]'],
    [{ providers: [], route: ['console'], sender_id: 'Acme_Bank' }, 'sender_id'],
    [{ providers: [{ name: 'gw', type: 'console' }, { name: 'gw', type: 'console' }] }, 'providers[1].name'],
  ])('refuses %j (400, naming %s)', async (payload, path) => {
    const res = await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/sms`, headers: admin(), payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'invalid_request' });
    expect(res.json().detail).toContain(path);
  });

  it('is for admin keys only, and 404 for an unknown service', async () => {
    expect((await h.app.inject({ method: 'PUT', url: `/v1/services/${svc.id}/sms`, headers: svc.auth, payload: body })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: `/v1/services/${svc.id}/sms`, headers: svc.auth })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: '/v1/services/svc_nope/sms', headers: admin() })).statusCode).toBe(404);
  });
});
