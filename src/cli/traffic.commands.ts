import type { Command } from 'commander';
import { Option } from 'commander';
import { VERIFICATION_STATUSES } from '../core/model.js';
import type { VerificationStatus } from '../core/model.js';
import { normalizePhone } from '../core/phone.js';
import { checkView, outboxView, verificationView } from '../http/views.js';
import { CLI_ORIGIN, EXIT, positiveInt, tenantFor, withContainer } from './cli.context.js';

const testOption = () => new Option('--test', 'in the service\'s test world, as a test-mode key would');

/** Starting, checking and reading verifications, as a key of the service does through the API. */
export function registerTrafficCommands(program: Command): void {
  program
    .command('send')
    .description('Start a verification and send its code (the console provider prints it to the log)')
    .requiredOption('--service <id>', 'service id')
    .requiredOption('--to <number>', 'phone number')
    .option('--locale <tag>', 'message language')
    .addOption(testOption())
    .action(async (options: { service: string; to: string; locale?: string; test?: boolean }) =>
      withContainer(async (c) => {
        const tenant = await tenantFor(c, options.service, options.test);
        const started = await c.verifications.start(tenant, { to: options.to, locale: options.locale, origin: CLI_ORIGIN });
        // Deliver before exiting, so the SMS does not wait for a server's worker.
        await c.worker.drainOnce();
        const fresh = await c.verifications.get(tenant, started.verification.id);
        return verificationView(fresh.verification, fresh.messages);
      }),
    );

  program
    .command('check')
    .description(`Check a code: exit ${EXIT.ok} when approved, ${EXIT.wrongCode} when the code is wrong, ${EXIT.refused} when the verification cannot be approved any more`)
    .requiredOption('--service <id>', 'service id')
    .requiredOption('--code <code>', 'the code')
    .option('--id <verification>', 'verification id')
    .option('--to <number>', 'phone number (its latest verification)')
    .addOption(testOption())
    .action(async (options: { service: string; code: string; id?: string; to?: string; test?: boolean }) =>
      withContainer(async (c) => {
        const tenant = await tenantFor(c, options.service, options.test);
        const result = await c.verifications.check(tenant, { id: options.id, to: options.to, code: options.code, origin: CLI_ORIGIN });
        // A wrong code is an answer, not an error: the JSON says how many attempts are left, and
        // the exit code lets `otpgate check … && grant` do the right thing.
        if (!result.valid) process.exitCode = EXIT.wrongCode;
        return checkView(result.verification, result.valid);
      }),
    );

  const verifications = program.command('verifications').description('Read and cancel verifications of a service');
  verifications
    .command('get')
    .description('Show a verification with its sends')
    .argument('<id>', 'the verification id (ver_…)')
    .requiredOption('--service <id>', 'service id')
    .addOption(testOption())
    .action(async (id: string, options: { service: string; test?: boolean }) =>
      withContainer(async (c) => {
        const found = await c.verifications.get(await tenantFor(c, options.service, options.test), id);
        return verificationView(found.verification, found.messages);
      }),
    );
  verifications
    .command('cancel')
    .description('Cancel a pending verification: its code stops working')
    .argument('<id>', 'the verification id (ver_…)')
    .requiredOption('--service <id>', 'service id')
    .addOption(testOption())
    .action(async (id: string, options: { service: string; test?: boolean }) =>
      withContainer(async (c) => {
        const canceled = await c.verifications.cancel(await tenantFor(c, options.service, options.test), id);
        return verificationView(canceled.verification, canceled.messages);
      }),
    );
  verifications
    .command('list')
    .description('List verifications, newest first (with the next page\'s cursor)')
    .requiredOption('--service <id>', 'service id')
    .addOption(new Option('--status <status>', 'only in this status').choices(VERIFICATION_STATUSES))
    .option('--to <number>', 'only to this number')
    .option('--limit <n>', 'how many (default 20, at most 100)', positiveInt)
    .option('--cursor <cursor>', 'the next_cursor of the previous page')
    .addOption(testOption())
    .action(async (options: { service: string; status?: VerificationStatus; to?: string; limit?: number; cursor?: string; test?: boolean }) =>
      withContainer(async (c) => {
        const tenant = await tenantFor(c, options.service, options.test);
        const page = await c.verifications.list(tenant, { status: options.status, to: options.to }, options.cursor, Math.min(options.limit ?? 20, 100));
        return { data: page.data.map((v) => verificationView(v, [])), next_cursor: page.nextCursor };
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
}
