import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { isLoopbackHost, serverFacts, startupSummary, startupWarnings } from './startup.js';

describe('the start-up summary', () => {
  it('names version, store, providers per channel, address and public URL in one line', () => {
    const config = loadConfig({ OTPGATE_SMS_PROVIDER: 'console', OTPGATE_PUBLIC_URL: 'https://otp.example.com/' }, '/srv');
    const summary = startupSummary(serverFacts(config, '1.2.3', 'http://0.0.0.0:8080'));
    expect(summary.message).toBe('otpgate 1.2.3: sqlite store, sms via console; whatsapp via console; call via console; email via console, on http://0.0.0.0:8080, public URL https://otp.example.com');
    expect(summary.fields).toMatchObject({ version: '1.2.3', store: 'sqlite', database: 'sqlite:/srv/data/otpgate.db', channels: { sms: ['console'], whatsapp: ['console'], call: ['console'], email: ['console'] } });
  });

  it('takes any list of channels, and hides a database password', () => {
    const summary = startupSummary({
      version: '1.0.0',
      store: 'postgres',
      database: 'postgres://otp:***@db/otpgate',
      channels: [{ channel: 'sms', providers: ['twilio', 'vonage'] }, { channel: 'whatsapp', providers: [] }],
      address: 'http://[::]:8080',
      publicUrl: null,
    });
    expect(summary.message).toBe('otpgate 1.0.0: postgres store, sms via twilio, vonage; whatsapp via nothing, on http://[::]:8080, public URL none (no delivery receipts)');
    expect(summary.fields.channels).toEqual({ sms: ['twilio', 'vonage'], whatsapp: [] });
  });

  it('lists providers that only a country route uses', () => {
    const config = loadConfig({
      OTPGATE_SMS_PROVIDER: 'console,kannel',
      OTPGATE_KANNEL_URL: 'http://127.0.0.1:13013',
      OTPGATE_KANNEL_USERNAME: 'u',
      OTPGATE_KANNEL_PASSWORD: 'p',
      OTPGATE_SMS_COUNTRY_ROUTES: 'DE=kannel',
    }, '/srv');
    expect(serverFacts(config, '1', 'http://x').channels).toEqual([
      { channel: 'sms', providers: ['console', 'kannel'] },
      { channel: 'whatsapp', providers: [] },
      { channel: 'call', providers: [] },
      { channel: 'email', providers: [] },
    ]);
  });

  it('names each channel\'s own providers', () => {
    const config = loadConfig({
      OTPGATE_SMS_PROVIDER: 'console',
      OTPGATE_EMAIL_PROVIDER: 'smtp',
      OTPGATE_SMTP_URL: 'smtp://u:p@mail.example.com:587',
    }, '/srv');
    expect(serverFacts(config, '1', 'http://x').channels.map((c) => [c.channel, c.providers])).toEqual([
      ['sms', ['console']], ['whatsapp', ['console']], ['call', ['console']], ['email', ['smtp']],
    ]);
  });
});

describe('start-up warnings', () => {
  const messages = (env: Record<string, string>) => startupWarnings(loadConfig(env, '/srv')).map((w) => w.message);

  it('warn about the console provider under NODE_ENV=production or on an address others reach', () => {
    expect(messages({})).toEqual([]);
    expect(messages({ OTPGATE_HOST: 'localhost' })).toEqual([]);
    expect(messages({ OTPGATE_HOST: '::1' })).toEqual([]);
    expect(messages({ NODE_ENV: 'production' })).toEqual([expect.stringMatching(/console SMS provider is configured and NODE_ENV=production/)]);
    expect(messages({ OTPGATE_HOST: '0.0.0.0' })).toEqual([expect.stringMatching(/OTPGATE_HOST=0\.0\.0\.0 is reachable from other machines/)]);
    expect(messages({ OTPGATE_HOST: '10.1.2.3' })).toHaveLength(1);
  });

  it('not about a real provider in production', () => {
    const env = { NODE_ENV: 'production', OTPGATE_HOST: '0.0.0.0', OTPGATE_SMS_PROVIDER: 'kannel', OTPGATE_KANNEL_URL: 'http://127.0.0.1:13013', OTPGATE_KANNEL_USERNAME: 'u', OTPGATE_KANNEL_PASSWORD: 'p' };
    expect(messages(env)).toEqual([]);
  });

  it('name an unknown OTPGATE_* variable with the closest known one', () => {
    expect(messages({ OTPGATE_PROT: '80' })).toEqual(['OTPGATE_PROT is not an otpgate variable and is ignored; did you mean OTPGATE_PORT?']);
  });

  it('know loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.2', 'otp.example.com']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('warns when SMTP to another machine goes without TLS or without checking the certificate, not for a local relay', async () => {
    const env = { OTPGATE_SMS_PROVIDER: 'console', OTPGATE_EMAIL_PROVIDER: 'smtp' };
    const warned = (extra: Record<string, string>) => startupWarnings(loadConfig({ ...env, ...extra }, '/srv')).filter((w) => w.fields.provider === 'smtp').map((w) => w.message);
    expect(warned({ OTPGATE_SMTP_URL: 'smtp://u:p@mail.example.com:587', OTPGATE_SMTP_REQUIRE_TLS: 'false' })[0]).toMatch(/without requiring TLS/);
    expect(warned({ OTPGATE_SMTP_URL: 'smtps://u:p@mail.example.com:465', OTPGATE_SMTP_REJECT_UNAUTHORIZED: 'false' })[0]).toMatch(/without checking its certificate/);
    expect(warned({ OTPGATE_SMTP_URL: 'smtp://u:p@mail.example.com:587' })).toEqual([]);
    expect(warned({ OTPGATE_SMTP_URL: 'smtp://u:p@127.0.0.1:1025', OTPGATE_SMTP_REQUIRE_TLS: 'false' })).toEqual([]);
  });
});
