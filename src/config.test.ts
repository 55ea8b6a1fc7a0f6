import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactDatabaseUrl } from './config.js';

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
      sms: { route: ['console'], countryRoutes: {}, senderId: null, numericSender: null },
      publicUrl: null,
      smsSendTimeoutMs: 10000,
      smsProviderTries: 2,
      smsMaxRounds: 5,
      smsBreakerThreshold: 5,
      smsBreakerOpenMs: 30000,
      bodyLimitBytes: 16384,
      trustProxy: false,
      maxConnectionsPerAddress: 256,
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
    ['OTPGATE_ADMIN_KEY', '-'.repeat(24)],
    ['OTPGATE_ADMIN_KEY', `A${'='.repeat(23)}`],
    ['OTPGATE_ADMIN_KEY', 'abababababababababababababababab'],
    ['OTPGATE_ADMIN_KEY', 'aaaa aaaaaaaaaaaaaaaaaaaaaaaa'],
    ['OTPGATE_ADMIN_KEY', 'ä'.repeat(24)],
    ['OTPGATE_ADMIN_KEY', 'og_live_aaaaaaaaaaaaaaaaaaaaaaaa'],
    ['OTPGATE_ADMIN_KEY', 'og_test_aaaaaaaaaaaaaaaaaaaaaaaa'],
    ['OTPGATE_ADMIN_KEY', 'SK0123:aaaaaaaaaaaaaaaaaaaaaaaaa'],
    ['OTPGATE_TRUST_PROXY', '1.5'],
    ['OTPGATE_TRUST_PROXY', '0.0.0.0/0'],
    ['OTPGATE_TRUST_PROXY', '::/0'],
    ['OTPGATE_TRUST_PROXY', '::ffff:0:0/96'],
    ['OTPGATE_TRUST_PROXY', '::ffff:0:0/95'],
    ['OTPGATE_TRUST_PROXY', '0.0.0.0/1,128.0.0.0/1'],
    ['OTPGATE_TRUST_PROXY', '2000::/3'],
    ['OTPGATE_TRUST_PROXY', Array.from({ length: 8 }, (_, i) => `${i + 1}.0.0.0/8`).join(',')],
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

const SECRET = 'x'.repeat(40);
const fails = (env: Record<string, string>, variable: string, pattern: RegExp) => {
  let error: unknown;
  try {
    loadConfig(env, '/srv');
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).variable).toBe(variable);
  expect((error as ConfigError).message).toMatch(pattern);
};

describe('store selection', () => {
  it('defaults to the SQLite file in the data dir', () => {
    const config = loadConfig({}, '/srv');
    expect(config).toMatchObject({ store: 'sqlite', databaseUrl: 'sqlite:/srv/data/otpgate.db', pgPoolMax: 10 });
  });

  it('selects PostgreSQL for postgres:// and postgresql:// URLs', () => {
    for (const url of ['postgres://otp:pw@db.internal:5432/otpgate', 'postgresql://otp@10.0.0.5/otpgate?sslmode=require']) {
      expect(loadConfig({ OTPGATE_DATABASE_URL: url, OTPGATE_SECRET: SECRET }, '/srv')).toMatchObject({ store: 'postgres', databaseUrl: url });
    }
  });

  it('needs a shared OTPGATE_SECRET in PostgreSQL mode', () => {
    fails({ OTPGATE_DATABASE_URL: 'postgres://db/otpgate' }, 'OTPGATE_SECRET', /required with PostgreSQL/);
  });

  it('refuses other schemes and URLs without a database', () => {
    fails({ OTPGATE_DATABASE_URL: 'mysql://db/otpgate' }, 'OTPGATE_DATABASE_URL', /must be sqlite/);
    fails({ OTPGATE_DATABASE_URL: 'postgres://db', OTPGATE_SECRET: SECRET }, 'OTPGATE_DATABASE_URL', /names no database/);
  });

  it('validates the pool size, retention and lease settings', () => {
    const config = loadConfig({ OTPGATE_PG_POOL_MAX: '25', OTPGATE_RETENTION_DAYS: '0', OTPGATE_WORKER_LEASE_MS: '5000' }, '/srv');
    expect(config).toMatchObject({ pgPoolMax: 25, retentionDays: 0, workerLeaseMs: 5000, purgeIntervalMs: 3_600_000 });
    expect(loadConfig({}, '/srv').retentionDays).toBe(30);
    fails({ OTPGATE_PG_POOL_MAX: '0' }, 'OTPGATE_PG_POOL_MAX', /from 1 to 1000/);
    fails({ OTPGATE_RETENTION_DAYS: 'thirty' }, 'OTPGATE_RETENTION_DAYS', /whole number/);
  });

  it('reads the networks webhooks may reach besides public ones', () => {
    expect(loadConfig({}, '/srv').webhookAllowedNetworks).toEqual([]);
    const config = loadConfig({ OTPGATE_WEBHOOK_ALLOWED_NETWORKS: ' 10.0.0.0/8, 127.0.0.1 ,fd00::/8,::1' }, '/srv');
    expect(config.webhookAllowedNetworks).toEqual(['10.0.0.0/8', '127.0.0.1/32', 'fd00::/8', '::1/128']);
    fails({ OTPGATE_WEBHOOK_ALLOWED_NETWORKS: '10.0.0.0/33' }, 'OTPGATE_WEBHOOK_ALLOWED_NETWORKS', /not an IP address or CIDR/);
    fails({ OTPGATE_WEBHOOK_ALLOWED_NETWORKS: 'intranet.example.com' }, 'OTPGATE_WEBHOOK_ALLOWED_NETWORKS', /not an IP address or CIDR/);
  });

  it('takes a proxy hop count or the proxies\' networks, and refuses a bare true with the reason (T5)', () => {
    expect(loadConfig({}, '/srv').trustProxy).toBe(false);
    expect(loadConfig({ OTPGATE_TRUST_PROXY: 'false' }, '/srv').trustProxy).toBe(false);
    expect(loadConfig({ OTPGATE_TRUST_PROXY: '1' }, '/srv').trustProxy).toBe(1);
    expect(loadConfig({ OTPGATE_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }, '/srv').trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1/32', '::1/128']);
    fails({ OTPGATE_TRUST_PROXY: 'true' }, 'OTPGATE_TRUST_PROXY', /leftmost X-Forwarded-For address, which the client writes itself/);
    fails({ OTPGATE_TRUST_PROXY: '11' }, 'OTPGATE_TRUST_PROXY', /1 to 10/);
    fails({ OTPGATE_TRUST_PROXY: '10.0.0.0/33' }, 'OTPGATE_TRUST_PROXY', /CIDR/);
    fails({ OTPGATE_TRUST_PROXY: '1.5' }, 'OTPGATE_TRUST_PROXY', /neither a number of proxies/);
    // Mapped IPv4 ranges read as the IPv4 ranges they are; private ranges of any width are fine.
    expect(loadConfig({ OTPGATE_TRUST_PROXY: '::ffff:10.0.0.0/104,::ffff:127.0.0.1,fc00::/7,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16' }, '/srv').trustProxy)
      .toEqual(['10.0.0.0/8', '127.0.0.1/32', 'fc00::/7', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
    expect(loadConfig({ OTPGATE_TRUST_PROXY: '00' }, '/srv').trustProxy).toBe(false);
    fails({ OTPGATE_TRUST_PROXY: '10.0.0.0/8,0.0.0.0/0' }, 'OTPGATE_TRUST_PROXY', /trusts every peer/);
    expect(loadConfig({ OTPGATE_ADMIN_KEY: 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Lw+/=' }, '/srv').adminKey).toBe('Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Lw+/=');
    expect(loadConfig({}, '/srv').maxConnectionsPerAddress).toBe(256);
  });

  it('hides the database password in output', () => {
    expect(redactDatabaseUrl('postgres://otp:s3cret@db:5432/otpgate')).toBe('postgres://otp:***@db:5432/otpgate');
    expect(redactDatabaseUrl('sqlite:/srv/data/otpgate.db')).toBe('sqlite:/srv/data/otpgate.db');
  });
});

describe('unknown OTPGATE_* variables', () => {
  it('are listed with the closest known name, so a typo does not leave a default in force silently', () => {
    const config = loadConfig({ OTPGATE_PROT: '9090', OTPGATE_SMS_PROVIDERS: 'twilio', OTPGATE_DATABASE: 'postgres://x/y', OTPGATE_SOMETHING_QUITE_DIFFERENT: '1' }, '/srv');
    expect(config.unknownVariables).toEqual([
      { name: 'OTPGATE_DATABASE', closest: 'OTPGATE_DATABASE_URL' },
      { name: 'OTPGATE_PROT', closest: 'OTPGATE_PORT' },
      { name: 'OTPGATE_SMS_PROVIDERS', closest: 'OTPGATE_SMS_PROVIDER' },
      { name: 'OTPGATE_SOMETHING_QUITE_DIFFERENT', closest: null },
    ]);
    // The typo changed nothing.
    expect(config.port).toBe(8080);
  });

  it('leave alone what otpgate knows: every variable it reads, every provider\'s settings (configured or not), OTPGATE_WORKERS, the test suite\'s', () => {
    const env = {
      OTPGATE_PORT: '9090',
      OTPGATE_TWILIO_ACCOUNT_SID: 'AC0123',
      OTPGATE_SMPP_HOST: 'smsc.example.com',
      OTPGATE_WORKERS: '2',
      OTPGATE_TEST_REQUIRE_ALL: '1',
      OTPGATE_WEBHOOK_ALLOWED_NETWORKS: '10.0.0.0/8',
      NOT_OURS: 'x',
    };
    expect(loadConfig(env, '/srv').unknownVariables).toEqual([]);
  });

  it('every name in .env.example is known', async () => {
    const { readFileSync } = await import('node:fs');
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const env = Object.fromEntries([...example.matchAll(/^#? ?(OTPGATE_[A-Z0-9_]+)=/gm)].map((m) => [m[1]!, '']));
    expect(Object.keys(env).length).toBeGreaterThan(20);
    // Empty values read as unset, so no setting is validated here: only the names are.
    expect(loadConfig(env, '/srv').unknownVariables).toEqual([]);
  });
});

describe('documentation', () => {
  it('README and .env.example list every variable config.ts reads', async () => {
    const { readFileSync } = await import('node:fs');
    const root = new URL('..', import.meta.url);
    const source = readFileSync(new URL('src/config.ts', root), 'utf8');
    const names = new Set([...source.matchAll(/'(OTPGATE_[A-Z0-9_]+)'/g)].map((m) => m[1]!));
    expect(names.size).toBeGreaterThan(10);
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const example = readFileSync(new URL('.env.example', root), 'utf8');
    for (const name of names) {
      expect(readme, `${name} in README.md`).toContain(`\`${name}\``);
      expect(example, `${name} in .env.example`).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
    }
  });
});
