import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('config', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({}, '/srv/otpgate');
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      dataDir: '/srv/otpgate/data',
      databaseUrl: 'sqlite:/srv/otpgate/data/otpgate.db',
      adminKey: null,
      secret: null,
      logLevel: 'info',
      smsProvider: 'console',
      bodyLimitBytes: 16384,
      trustProxy: false,
      sqliteSynchronous: 'normal',
      shutdownTimeoutMs: 10000,
      workerPollMs: 1000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    ['OTPGATE_PORT', 'eighty'],
    ['OTPGATE_PORT', '70000'],
    ['OTPGATE_LOG_LEVEL', 'loud'],
    ['OTPGATE_SMS_PROVIDER', 'pigeon'],
    ['OTPGATE_TRUST_PROXY', 'maybe'],
    ['OTPGATE_ADMIN_KEY', 'short'],
    ['OTPGATE_SECRET', 'too-short'],
    ['OTPGATE_DATABASE_URL', 'mysql://localhost/otp'],
    ['OTPGATE_BODY_LIMIT_BYTES', '10'],
    ['OTPGATE_HOST', 'bad host!'],
  ])('refuses %s=%s with a message naming the variable', (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(name);
    expect((error as Error).message).toMatch(new RegExp(`^${name}: `));
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ OTPGATE_PORT: '', OTPGATE_ADMIN_KEY: '  ' }).port).toBe(8080);
  });
});
