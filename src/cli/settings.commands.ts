import type { Command } from 'commander';
import { Option } from 'commander';
import { AppError } from '../core/errors.js';
import { EVENT_TYPES } from '../core/events.js';
import type { EventType } from '../core/events.js';
import { tenantOf } from '../core/scope.js';
import { prefixBlockView, webhookEndpointView } from '../http/views.js';
import { audited, commaList, tenantFor, withContainer } from './cli.context.js';

const testOption = () => new Option('--test', 'in the service\'s test world, as a test-mode key would');

function eventTypes(value: string): EventType[] {
  const types = commaList(value);
  const unknown = types.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) throw new AppError('invalid_request', `unknown event type ${unknown.join(', ')} (one of ${EVENT_TYPES.join(', ')})`);
  return types as EventType[];
}

/** Webhook endpoints, the pumping guard's prefix blocks and message templates of a service. */
export function registerSettingsCommands(program: Command): void {
  const webhooks = program.command('webhooks').description('Manage a service\'s webhook endpoints (docs/webhooks.md)');
  webhooks
    .command('list')
    .description('List the endpoints, oldest first')
    .requiredOption('--service <id>', 'service id')
    .addOption(testOption())
    .action(async (options: { service: string; test?: boolean }) =>
      withContainer(async (c) => {
        const tenant = await tenantFor(c, options.service, options.test);
        const now = c.clock.now();
        return (await c.webhooks.list(tenant)).map((e) => webhookEndpointView(e, now));
      }),
    );
  webhooks
    .command('create')
    .description('Register an endpoint; its signing secret (whsec_…) is printed once')
    .requiredOption('--service <id>', 'service id')
    .requiredOption('--url <url>', 'where events are POSTed (public addresses only, unless OTPGATE_WEBHOOK_ALLOWED_NETWORKS allows more)')
    .option('--events <types>', `comma-separated event types (default all): ${EVENT_TYPES.join(', ')}`)
    .option('--description <text>', 'a note for people')
    .option('--disabled', 'register it disabled')
    .addOption(testOption())
    .action(async (options: { service: string; url: string; events?: string; description?: string; disabled?: boolean; test?: boolean }) =>
      withContainer(async (c) => {
        const tenant = await tenantFor(c, options.service, options.test);
        const issued = await c.webhooks.create(tenant, {
          url: options.url,
          description: options.description ?? null,
          eventTypes: options.events === undefined ? undefined : eventTypes(options.events),
          enabled: !options.disabled,
        });
        const view = webhookEndpointView(issued.endpoint, c.clock.now());
        await audited(c, { action: 'webhook_endpoint.created', serviceId: tenant.serviceId, targetId: issued.endpoint.id, after: view });
        return { ...view, secret: issued.secret };
      }),
    );
  webhooks
    .command('delete')
    .description('Delete an endpoint with its pending deliveries and log')
    .argument('<id>', 'the endpoint id')
    .requiredOption('--service <id>', 'service id')
    .addOption(testOption())
    .action(async (id: string, options: { service: string; test?: boolean }) =>
      withContainer(async (c) => {
        const tenant = await tenantFor(c, options.service, options.test);
        const before = webhookEndpointView(await c.webhooks.get(tenant, id), c.clock.now());
        await c.webhooks.delete(tenant, id);
        await audited(c, { action: 'webhook_endpoint.deleted', serviceId: tenant.serviceId, targetId: id, before });
        return { id, deleted: true };
      }),
    );

  const blocks = program.command('prefix-blocks').description('Prefixes the SMS-pumping guard blocked (docs/abuse.md)');
  blocks
    .command('list')
    .description('Blocks in force, and what monitor mode would have blocked, newest first')
    .requiredOption('--service <id>', 'service id')
    .action(async (options: { service: string }) =>
      withContainer(async (c) => (await c.guard.listPrefixBlocks(tenantOf(await c.tenancy.getService(options.service), 'live'))).map(prefixBlockView)),
    );
  blocks
    .command('lift')
    .description('Allow sends to a prefix again at once; its recent counts are forgotten')
    .argument('<prefix>', 'the prefix, e.g. +4477009')
    .requiredOption('--service <id>', 'service id')
    .action(async (raw: string, options: { service: string }) =>
      withContainer(async (c) => {
        if (!/^\+?\d{1,15}$/.test(raw)) throw new AppError('invalid_request', `"${raw}" is not a prefix: give digits, with or without +`);
        const prefix = raw.startsWith('+') ? raw : `+${raw}`;
        const service = await c.tenancy.getService(options.service);
        if (!(await c.guard.liftPrefixBlock(service, prefix))) throw new AppError('not_found', `No block of ${prefix} in service ${options.service}.`);
        await audited(c, { action: 'prefix_block.lifted', serviceId: service.id, targetId: prefix });
        c.logger.warn({ service_id: service.id, prefix }, 'prefix block lifted');
        return { service_id: service.id, prefix, lifted: true };
      }),
    );

  const templates = program.command('templates').description('Message templates of a service, per locale (docs/providers.md)');
  templates
    .command('list')
    .description('Every supported locale with its text (the service\'s own or the built-in one) and segment check')
    .requiredOption('--service <id>', 'service id')
    .action(async (options: { service: string }) => withContainer(async (c) => c.templates.list(options.service)));
  templates
    .command('get')
    .description('One locale\'s text and segment check')
    .argument('<locale>', 'a supported locale (en, fr, pt-BR…)')
    .requiredOption('--service <id>', 'service id')
    .action(async (locale: string, options: { service: string }) =>
      withContainer(async (c) => {
        const found = (await c.templates.list(options.service)).find((t) => t.locale.toLowerCase() === locale.toLowerCase());
        if (!found) throw new AppError('invalid_request', `"${locale}" is not a supported locale.`);
        return found;
      }),
    );
  templates
    .command('set')
    .description('Set the service\'s own text for a locale: it must hold {code} and may hold {service}')
    .argument('<locale>', 'a supported locale (en, fr, pt-BR…)')
    .requiredOption('--service <id>', 'service id')
    .requiredOption('--text <text>', 'the message, e.g. "{code} is your {service} code."')
    .action(async (locale: string, options: { service: string; text: string }) =>
      withContainer(async (c) => {
        const { template, previous } = await c.templates.put(options.service, locale, options.text);
        await audited(c, { action: 'template.updated', serviceId: options.service, targetId: template.locale, before: previous === null ? null : { text: previous }, after: { text: template.text } });
        return template;
      }),
    );
  templates
    .command('reset')
    .description('Drop the service\'s own text for a locale: the built-in one applies again')
    .argument('<locale>', 'a supported locale')
    .requiredOption('--service <id>', 'service id')
    .action(async (locale: string, options: { service: string }) =>
      withContainer(async (c) => {
        const removed = await c.templates.remove(options.service, locale);
        await audited(c, { action: 'template.deleted', serviceId: options.service, targetId: removed.locale, before: { text: removed.previous } });
        return { locale: removed.locale, reset: true };
      }),
    );
}
