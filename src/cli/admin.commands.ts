import type { Command } from 'commander';
import { Option } from 'commander';
import AjvCompiler from '@fastify/ajv-compiler';
import type { Container } from '../container.js';
import { AppError } from '../core/errors.js';
import type { ServiceSettingsPatch } from '../core/service-settings.js';
import { credentialAudit, issuedView as issuedCredentialView } from '../http/routes/v1/basic-credentials.route.js';
import { ServicePatchBody } from '../http/schemas.js';
import { ADMIN, AUDITED, apiKeyView, serviceView } from '../http/views.js';
import { UsageError, audited, jsonObject, positiveInt, withContainer } from './cli.context.js';

/**
 * A settings patch is checked by the same validator and schema as `PATCH /v1/services/{id}`, so
 * the CLI accepts exactly what the API accepts.
 */
type Validator = ((value: unknown) => boolean) & { errors?: Array<{ instancePath: string; message?: string }> | null };
let validatePatch: Validator | undefined;
function checkedPatch(patch: Record<string, unknown>): ServiceSettingsPatch {
  validatePatch ??= AjvCompiler()({}, { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } })({
    schema: ServicePatchBody, method: 'PATCH', url: '/v1/services/:id', httpPart: 'body',
  }) as unknown as Validator;
  if (!validatePatch(patch)) {
    const error = validatePatch.errors?.[0];
    throw new AppError('invalid_request', `settings${error?.instancePath ?? ''} ${error?.message ?? 'are invalid'}`.trim());
  }
  return patch as ServiceSettingsPatch;
}

interface SettingsOptions {
  name?: string;
  codeLength?: number;
  ttl?: number;
  settings?: Record<string, unknown>;
}

/** `--name`, `--code-length`, `--ttl` and `--settings '{…}'` (any field of the API's settings) as one patch. */
function patchOf(options: SettingsOptions): Record<string, unknown> {
  return {
    ...options.settings,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.codeLength === undefined ? {} : { code_length: options.codeLength }),
    ...(options.ttl === undefined ? {} : { ttl_seconds: options.ttl }),
  };
}

const settingsOption = () => new Option('--settings <json>', 'any settings the API takes, as a JSON object (docs/api.md), e.g. \'{"max_check_attempts":3}\'').argParser(jsonObject);

/** Services, keys, admin keys and Twilio-style credentials: what an admin key does through the API. */
export function registerAdminCommands(program: Command): void {
  registerServiceCommands(program);
  registerKeyCommands(program);
}

function registerServiceCommands(program: Command): void {
  const services = program.command('services').description('Manage services (tenants)');
  services
    .command('create')
    .description('Create a service')
    .requiredOption('--name <name>', 'shown in the SMS')
    .option('--code-length <n>', 'digits per code (default 6)', positiveInt)
    .option('--ttl <seconds>', 'code lifetime (default 300)', positiveInt)
    .addOption(settingsOption())
    .action(async (options: SettingsOptions & { name: string }) =>
      withContainer(async (c) => {
        const input = checkedPatch(patchOf(options)) as ServiceSettingsPatch & { name: string };
        const created = await c.tenancy.createService(input);
        await audited(c, { action: 'service.created', serviceId: created.id, targetId: created.id, after: serviceView(created, AUDITED) });
        return serviceView(created, ADMIN);
      }),
    );
  services
    .command('list')
    .description('List services')
    .action(async () => withContainer(async (c) => allServices(c)));
  services
    .command('get')
    .description('Show a service and its settings')
    .argument('<id>', 'the service id (svc_…)')
    .action(async (id: string) => withContainer(async (c) => serviceView(await c.tenancy.getService(id), ADMIN)));
  services
    .command('update')
    .description('Change a service\'s settings; only the fields given change')
    .argument('<id>', 'the service id (svc_…)')
    .option('--name <name>', 'shown in the SMS')
    .option('--code-length <n>', 'digits per code', positiveInt)
    .option('--ttl <seconds>', 'code lifetime', positiveInt)
    .addOption(settingsOption())
    .action(async (id: string, options: SettingsOptions) => {
      const patch = patchOf(options);
      if (Object.keys(patch).length === 0) throw new UsageError('give at least one of --name, --code-length, --ttl, --settings');
      return withContainer(async (c) => {
        const before = await c.tenancy.getService(id);
        const after = await c.tenancy.updateService(id, checkedPatch(patch));
        await audited(c, { action: 'service.updated', serviceId: id, targetId: id, before: serviceView(before, AUDITED), after: serviceView(after, AUDITED) });
        return serviceView(after, ADMIN);
      });
    });
  services
    .command('delete')
    .description('Delete a service with its keys, verifications and messages')
    .argument('<id>', 'the service id (svc_…)')
    .option('--yes', 'confirm: this cannot be undone')
    .action(async (id: string, options: { yes?: boolean }) => {
      if (!options.yes) throw new UsageError(`deleting ${id} deletes its keys, verifications and messages too; add --yes to confirm`);
      return withContainer(async (c) => {
        const before = serviceView(await c.tenancy.getService(id), AUDITED);
        await c.tenancy.deleteService(id);
        await audited(c, { action: 'service.deleted', serviceId: id, targetId: id, before });
        return { id, deleted: true };
      });
    });
}

/** Every service, however many pages. */
async function allServices(c: Container) {
  const out = [];
  let cursor: string | undefined;
  do {
    const page = await c.tenancy.listServices(cursor, 100);
    out.push(...page.data.map((s) => serviceView(s, ADMIN)));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return out;
}

function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('Manage API keys of a service');
  keys
    .command('create')
    .description('Create a key for a service (or an admin key with --admin); the key is printed once')
    .option('--service <id>', 'the service the key belongs to')
    .option('--admin', 'create an admin key instead (same as admin-keys create)')
    .option('--name <name>', 'a label for the key')
    .option('--test', 'a test-mode (sandbox) key: its SMS only go to the dev outbox')
    .action(async (options: { service?: string; admin?: boolean; name?: string; test?: boolean }) => {
      if (!options.admin && !options.service) throw new UsageError('give --service <id> or --admin');
      return withContainer(async (c) => {
        const issued = await c.tenancy.createKey(options.admin ? 'admin' : 'service', options.service ?? null, { name: options.name ?? null, mode: options.test ? 'test' : 'live' });
        await audited(c, { action: options.admin ? 'admin_key.created' : 'service_key.created', serviceId: issued.record.serviceId, targetId: issued.record.id, after: apiKeyView(issued.record) });
        return { ...apiKeyView(issued.record), key: issued.secret };
      });
    });
  keys
    .command('list')
    .description('List a service\'s keys and Twilio-style credentials (prefixes only), revoked ones included')
    .requiredOption('--service <id>', 'the service')
    .action(async (options: { service: string }) => withContainer(async (c) => (await c.tenancy.listKeys(options.service)).map(apiKeyView)));
  keys
    .command('revoke')
    .description('Revoke a service key or Twilio-style credential at once (servers notice within 5 s)')
    .argument('<id>', 'the key id (key_…)')
    .requiredOption('--service <id>', 'the service the key belongs to')
    .action(async (id: string, options: { service: string }) =>
      withContainer(async (c) => {
        const revoked = await c.tenancy.revokeKey(options.service, id);
        await audited(c, { action: 'service_key.revoked', serviceId: revoked.serviceId, targetId: id, before: apiKeyView({ ...revoked, revokedAt: null }), after: apiKeyView(revoked) });
        return apiKeyView(revoked);
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
        await audited(c, { action: 'admin_key.created', serviceId: null, targetId: issued.record.id, after: apiKeyView(issued.record) });
        return { ...apiKeyView(issued.record), key: issued.secret };
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
        await audited(c, { action: 'admin_key.revoked', serviceId: null, targetId: id, after: apiKeyView(revoked) });
        return apiKeyView(revoked);
      }),
    );

  program
    .command('credentials')
    .description('Issue Twilio-style HTTP Basic credentials for /v2 and the Twilio SDKs; the secret is printed once (list and revoke them with keys list / keys revoke)')
    .addOption(new Option('--type <type>', 'account: the AC account SID and an auth token; api_key: an SK API key and its secret').choices(['account', 'api_key']).default('api_key'))
    .option('--service <id>', 'credentials that see this service only')
    .option('--admin', 'admin-level credentials: every service, through /v2/Services')
    .option('--test', 'credentials of the service\'s test mode (sandbox)')
    .action(async (options: { type: 'account' | 'api_key'; service?: string; admin?: boolean; test?: boolean }) => {
      if (Boolean(options.admin) === Boolean(options.service)) throw new UsageError('give either --service <id> or --admin');
      return withContainer(async (c) => {
        const issued = await c.tenancy.issueBasicCredential(options.service ?? null, options.type, options.test ? 'test' : 'live');
        await audited(c, { action: 'basic_credential.created', serviceId: options.service ?? null, targetId: issued.record.id, after: credentialAudit(issued, options.type) });
        return issuedCredentialView(issued, options.type);
      });
    });
}
