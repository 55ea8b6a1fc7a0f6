import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import type { Config } from '../../src/config.js';
import { createContainer } from '../../src/container.js';
import type { Container, ContainerOverrides } from '../../src/container.js';
import { buildApp } from '../../src/http/app.js';
import type { App } from '../../src/http/app.js';
import { REDACT_PATHS } from '../../src/observability/logger.js';
import { FakeClock } from './fake-clock.js';

export interface Harness {
  app: App;
  c: Container;
  clock: FakeClock;
  adminKey: string;
  /** Every log line written, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
  /** Creates a service and a key for it. */
  service(settings?: Record<string, unknown>): Promise<{ id: string; key: string; auth: { authorization: string } }>;
  /** Sends what is queued and returns the newest dev-outbox body to `to`. */
  lastSms(key: string, to: string): Promise<string>;
  /** The code in the newest SMS to `to`. */
  lastCode(key: string, to: string): Promise<string>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  overrides?: ContainerOverrides;
  /** SQLite file path; default an in-memory database. */
  databasePath?: string;
  /** Any OTPGATE_DATABASE_URL (e.g. postgres://…); wins over databasePath. */
  databaseUrl?: string;
  /** Where the fake clock starts (epoch ms); webhook tests start it at the real time so receivers accept the timestamps. */
  now?: number;
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new FakeClock(options.now);
  const adminKey = `og_admin_${randomBytes(24).toString('base64url')}`;
  const config: Readonly<Config> = loadConfig({
    OTPGATE_DATABASE_URL: options.databaseUrl ?? `sqlite:${options.databasePath ?? ':memory:'}`,
    OTPGATE_SECRET: randomBytes(32).toString('base64url'),
    OTPGATE_ADMIN_KEY: adminKey,
    OTPGATE_LOG_LEVEL: 'info',
    OTPGATE_SHUTDOWN_TIMEOUT_MS: '2000',
    ...options.env,
  });
  const logs: Array<Record<string, unknown>> = [];
  const sink: Writable = new (await import('node:stream')).Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const logger = pino({ level: 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
  const c = await createContainer(config, { clock, logger, defaultMetrics: false, ...options.overrides });
  await c.tenancy.registerConfiguredAdminKey(adminKey);
  const app = await buildApp(c, { docs: false });
  await app.ready();

  const harness: Harness = {
    app,
    c,
    clock,
    adminKey,
    logs,
    async close() {
      await app.close();
      await c.close();
    },
    async service(settings = {}) {
      const created = await app.inject({
        method: 'POST',
        url: '/v1/services',
        headers: { authorization: `Bearer ${adminKey}` },
        payload: { name: 'Acme', ...settings },
      });
      if (created.statusCode !== 201) throw new Error(`service create failed: ${created.body}`);
      const id = created.json<{ id: string }>().id;
      const key = await app.inject({ method: 'POST', url: `/v1/services/${id}/keys`, headers: { authorization: `Bearer ${adminKey}` } });
      const secret = key.json<{ key: string }>().key;
      return { id, key: secret, auth: { authorization: `Bearer ${secret}` } };
    },
    async lastSms(key, to) {
      await c.worker.drainOnce();
      const res = await app.inject({ method: 'GET', url: `/v1/outbox?to=${encodeURIComponent(to)}&limit=1`, headers: { authorization: `Bearer ${key}` } });
      const entry = res.json<{ data: Array<{ body: string }> }>().data[0];
      if (!entry) throw new Error(`no SMS to ${to} in the outbox`);
      return entry.body;
    },
    async lastCode(key, to) {
      const body = await harness.lastSms(key, to);
      const match = /\b(\d{4,10})\b/.exec(body);
      if (!match?.[1]) throw new Error(`no code in "${body}"`);
      return match[1];
    },
  };
  return harness;
}
