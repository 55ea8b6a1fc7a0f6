#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError, redactDatabaseUrl } from './config.js';
import { AppError } from './core/errors.js';
import { auditView } from './http/views.js';
import { registerAdminCommands } from './cli/admin.commands.js';
import { registerBackupCommand } from './cli/backup.command.js';
import { EXIT, UsageError, positiveInt, withContainer } from './cli/cli.context.js';
import { packageVersion } from './version.js';
import { registerSettingsCommands } from './cli/settings.commands.js';
import { registerTrafficCommands } from './cli/traffic.commands.js';

/**
 * `otpgate <command>`: thin over the same services the HTTP API uses, against the store that
 * OTPGATE_DATABASE_URL names. Output is JSON on stdout (logs go to stderr); failures are one line
 * on stderr and an exit code from EXIT (cli/cli.context.ts, README "CLI").
 */
const program = new Command()
  .name('otpgate')
  .description('Self-hosted SMS one-time-code verification')
  .version(packageVersion(), '-V, --version', 'print the version')
  // Usage mistakes throw instead of exiting, so they get exit code 2 like a bad configuration;
  // subcommands made after this inherit it.
  .exitOverride()
  .showHelpAfterError()
  .addHelpText(
    'after',
    `\nOutput: JSON on stdout; logs on stderr.\nExit codes: ${EXIT.ok} done, ${EXIT.refused} refused (a problem on stderr), ${EXIT.usage} bad usage or configuration, ` +
      `${EXIT.wrongCode} wrong code (check), ${EXIT.failed} unavailable or unexpected.`,
  );

program
  .command('serve')
  .description('Start the HTTP API (same as npm start)')
  .option('--workers <n>', 'server processes sharing the port (node:cluster); above 1 needs PostgreSQL', positiveInt, 1)
  // The HTTP server (Fastify, the OpenAPI document) is loaded only to serve: other commands start faster.
  .action(async (options: { workers: number }) => (await import('./main.js')).serve({ workers: options.workers }));

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

registerBackupCommand(program);
registerAdminCommands(program);
registerTrafficCommands(program);
registerSettingsCommands(program);

program
  .command('audit-log')
  .description('Show the audit log, newest first')
  .option('--service <id>', 'only changes of this service')
  .option('--limit <n>', 'how many (default 20)', positiveInt)
  .action(async (options: { service?: string; limit?: number }) =>
    withContainer(async (c) => (await c.audit.list({ serviceId: options.service }, undefined, options.limit ?? 20)).data.map(auditView)),
  );

function fail(code: number, line: string): never {
  process.stderr.write(`${line}\n`);
  process.exit(code);
}

program.parseAsync(process.argv).catch((error: unknown) => {
  // --help and --version end here too, with exit code 0; commander has printed what it had to.
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
  if (error instanceof ConfigError) fail(EXIT.usage, `otpgate: invalid configuration: ${error.message}`);
  if (error instanceof UsageError) fail(EXIT.usage, `otpgate: ${error.message}`);
  if (error instanceof AppError) {
    const problem = JSON.stringify({ code: error.code, status: error.status, detail: error.message, ...error.extra });
    fail(error.status >= 500 ? EXIT.failed : EXIT.refused, problem);
  }
  fail(EXIT.failed, `otpgate: ${error instanceof Error ? error.message : String(error)}`);
});
