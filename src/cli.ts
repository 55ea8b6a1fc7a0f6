#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { createLogger } from './observability/logger.js';
import { ConfigError, loadConfig, redactDatabaseUrl } from './config.js';
import type { Container } from './container.js';
import { createContainer } from './container.js';
import { AppError } from './core/errors.js';
import { serve } from './main.js';
import type { Origin } from './core/model.js';
import { normalizePhone } from './core/phone.js';
import { tenantOf } from './core/scope.js';
import type { AuditAction } from './core/audit.js';
import { ADMIN, AUDITED, apiKeyView, auditView, checkView, outboxView, serviceView, verificationView } from './http/views.js';

/**
 * `otpgate <command>`: thin over the same services the HTTP API uses, against the store that
 * OTPGATE_DATABASE_URL names. Output is JSON on stdout; errors are problem-like JSON on stderr.
 */
const program = new Command()
  .name('otpgate')
  .description('Self-hosted SMS one-time-code verification')
  .showHelpAfterError();

async function withContainer<T>(run: (c: Container) => Promise<T>): Promise<void> {
  const config = loadConfig();
  // Logs go to stderr: stdout holds only the JSON answer, so `| jq` reads it.
  const c = await createContainer(config, { defaultMetrics: false, logger: createLogger(config.logLevel, pino.destination({ dest: 2, sync: true })) });
  try {
    const result = await run(c);
    if (result !== undefined) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await c.close();
  }
}

/** Changes made with the CLI are audited too: by `cli`, on this machine. */
async function audited(c: Container, action: AuditAction, serviceId: string | null, targetId: string, after: unknown): Promise<void> {
  await c.audit.record({ actor: { kind: 'cli', keyId: null, mode: null }, action, serviceId, targetId, before: null, after, requestId: null, sourceIp: null });
}

/** The CLI runs on this machine: its starts and checks count as coming from the loopback address. */
const CLI_ORIGIN: Origin = { sourceIp: '127.0.0.1', clientIp: null };

const positiveInt = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
};

program
  .command('serve')
  .description('Start the HTTP API (same as npm start)')
  .option('--workers <n>', 'server processes sharing the port (node:cluster); above 1 needs PostgreSQL', positiveInt, 1)
  .action(async (options: { workers: number }) => serve({ workers: options.workers }));

program
  .command('migrate')
  .description('Apply pending database migrations and exit')
  .action(async () =>
    withContainer(async (c) => ({ dialect: c.store.dialect, database: redactDatabaseUrl(c.config.databaseUrl), status: 'up to date' })),
  );

program
  .command('purge')
  .description('Delete verifications, messages, dev-outbox entries, idempotency keys and events (with their webhook log) older than OTPGATE_RETENTION_DAYS, and prefix blocks that ended that long ago, and exit')
  .action(async () =>
    withContainer(async (c) => {
      if (!c.retention.enabled) return { status: 'retention disabled (OTPGATE_RETENTION_DAYS=0)' };
      const report = await c.retention.runOnce();
      return { ...report, before: new Date(report.before).toISOString() };
    }),
  );

const services = program.command('services').description('Manage services (tenants)');
services
  .command('create')
  .description('Create a service')
  .requiredOption('--name <name>', 'shown in the SMS')
  .option('--code-length <n>', 'digits per code (default 6)', positiveInt)
  .option('--ttl <seconds>', 'code lifetime (default 300)', positiveInt)
  .action(async (options: { name: string; codeLength?: number; ttl?: number }) =>
    withContainer(async (c) => {
      const created = await c.tenancy.createService({ name: options.name, code_length: options.codeLength, ttl_seconds: options.ttl });
      await audited(c, 'service.created', created.id, created.id, serviceView(created, AUDITED));
      return serviceView(created, ADMIN);
    }),
  );
services
  .command('list')
  .description('List services')
  .action(async () => withContainer(async (c) => (await c.tenancy.listServices(undefined, 100)).data.map((s) => serviceView(s, ADMIN))));

const keys = program.command('keys').description('Manage API keys');
keys
  .command('create')
  .description('Create a key for a service (or an admin key with --admin); the key is printed once')
  .option('--service <id>', 'the service the key belongs to')
  .option('--admin', 'create an admin key instead')
  .option('--name <name>', 'a label for the key')
  .option('--test', 'a test-mode (sandbox) key: its SMS only go to the dev outbox')
  .action(async (options: { service?: string; admin?: boolean; name?: string; test?: boolean }) =>
    withContainer(async (c) => {
      if (!options.admin && !options.service) throw new AppError('invalid_request', 'Give --service <id> or --admin.');
      const issued = await c.tenancy.createKey(options.admin ? 'admin' : 'service', options.service ?? null, { name: options.name ?? null, mode: options.test ? 'test' : 'live' });
      await audited(c, options.admin ? 'admin_key.created' : 'service_key.created', issued.record.serviceId, issued.record.id, apiKeyView(issued.record));
      return { id: issued.record.id, kind: issued.record.kind, mode: issued.record.mode, service_id: issued.record.serviceId, key: issued.secret };
    }),
  );

const adminKeys = program.command('admin-keys').description('Manage admin keys (also the way back in when every admin key is lost)');
adminKeys
  .command('create')
  .description('Create an admin key; it is printed once')
  .option('--name <name>', 'a label: who or what holds it')
  .action(async (options: { name?: string }) =>
    withContainer(async (c) => {
      const issued = await c.tenancy.createKey('admin', null, { name: options.name ?? null });
      await audited(c, 'admin_key.created', null, issued.record.id, apiKeyView(issued.record));
      return { id: issued.record.id, name: issued.record.name, prefix: issued.record.prefix, key: issued.secret };
    }),
  );
adminKeys
  .command('list')
  .description('List admin keys (prefixes only), revoked ones included')
  .action(async () => withContainer(async (c) => (await c.tenancy.listAdminKeys()).map(apiKeyView)));
adminKeys
  .command('revoke')
  .description('Revoke an admin key (not the last active one)')
  .argument('<id>', 'the key id (key_…)')
  .action(async (id: string) =>
    withContainer(async (c) => {
      const revoked = await c.tenancy.revokeAdminKey(id);
      await audited(c, 'admin_key.revoked', null, id, apiKeyView(revoked));
      return apiKeyView(revoked);
    }),
  );

program
  .command('audit-log')
  .description('Show the audit log, newest first')
  .option('--service <id>', 'only changes of this service')
  .option('--limit <n>', 'how many (default 20)', positiveInt)
  .action(async (options: { service?: string; limit?: number }) =>
    withContainer(async (c) => (await c.audit.list({ serviceId: options.service }, undefined, options.limit ?? 20)).data.map(auditView)),
  );

program
  .command('send')
  .description('Start a verification and send its code (the console provider prints it to the log)')
  .requiredOption('--service <id>', 'service id')
  .requiredOption('--to <number>', 'phone number')
  .option('--locale <tag>', 'message language')
  .option('--test', 'in test mode, as a test-mode key would: the SMS only goes to the dev outbox')
  .action(async (options: { service: string; to: string; locale?: string; test?: boolean }) =>
    withContainer(async (c) => {
      const tenant = tenantOf(await c.tenancy.getService(options.service), options.test ? 'test' : 'live');
      const started = await c.verifications.start(tenant, { to: options.to, locale: options.locale, origin: CLI_ORIGIN });
      // Deliver before exiting, so the SMS does not wait for a server's worker.
      await c.worker.drainOnce();
      const fresh = await c.verifications.get(tenant, started.verification.id);
      return verificationView(fresh.verification, fresh.messages);
    }),
  );

program
  .command('check')
  .description('Check a code')
  .requiredOption('--service <id>', 'service id')
  .requiredOption('--code <code>', 'the code')
  .option('--id <verification>', 'verification id')
  .option('--to <number>', 'phone number (its latest verification)')
  .option('--test', 'a verification started in test mode')
  .action(async (options: { service: string; code: string; id?: string; to?: string; test?: boolean }) =>
    withContainer(async (c) => {
      const tenant = tenantOf(await c.tenancy.getService(options.service), options.test ? 'test' : 'live');
      const result = await c.verifications.check(tenant, { id: options.id, to: options.to, code: options.code, origin: CLI_ORIGIN });
      return checkView(result.verification, result.valid);
    }),
  );

program
  .command('outbox')
  .description('Show what the console provider sent (newest first)')
  .option('--service <id>', 'only this service')
  .option('--to <number>', 'only messages to this number')
  .option('--limit <n>', 'how many (default 10)', positiveInt)
  .option('--test', 'what test-mode keys sent')
  .action(async (options: { service?: string; to?: string; limit?: number; test?: boolean }) =>
    withContainer(async (c) => {
      const to = options.to === undefined ? undefined : normalizePhone(options.to).e164;
      const scope = { serviceId: options.service ?? null, mode: options.test ? ('test' as const) : ('live' as const) };
      return (await c.store.listDevOutbox(scope, to, options.limit ?? 10)).map(outboxView);
    }),
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`otpgate: invalid configuration: ${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof AppError) {
    process.stderr.write(`${JSON.stringify({ code: error.code, status: error.status, detail: error.message, ...error.extra })}\n`);
    process.exit(1);
  }
  process.stderr.write(`otpgate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
