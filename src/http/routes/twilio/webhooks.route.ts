import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../../core/errors.js';
import { EVENT_TYPES, isEventType } from '../../../core/events.js';
import type { EventType } from '../../../core/events.js';
import type { WebhookEndpointRecord } from '../../../core/events.ports.js';
import { accountSidFor } from '../../../core/tenancy.service.js';
import type { Container } from '../../../container.js';
import { auditChange } from '../../plugins/audit.js';
import { webhookEndpointView } from '../../views.js';
import { idOf, sidOf } from './sids.js';
import { tenantFor } from './twilio-auth.js';
import { PageOf, PageQuery, twilioErrors } from './twilio-schemas.js';
import { baseUrl, twilioPage, twilioTime } from './twilio-views.js';

const tags = ['Twilio-compatible'];
const security = [{ basic: [] }];
const consumes = ['application/x-www-form-urlencoded'];
const Params = Type.Object({ ServiceSid: Type.String({ maxLength: 64 }) });
const SidParams = Type.Object({ ServiceSid: Type.String({ maxLength: 64 }), Sid: Type.String({ maxLength: 64 }) });

const EventTypes = Type.Union([Type.String({ maxLength: 64 }), Type.Array(Type.String({ maxLength: 64 }), { maxItems: 32 })], {
  description: `"*" for every event, or otpgate event types (repeat the parameter): ${EVENT_TYPES.join(', ')}. Verify Push events (factor.*, challenge.*) answer 60204.`,
  examples: [['verification.approved', 'message.failed']],
});
const Fields = {
  FriendlyName: Type.String({ minLength: 1, maxLength: 64, description: 'A name for the webhook (otpgate keeps it as the endpoint\'s description)', examples: ['Approvals'] }),
  EventTypes,
  WebhookUrl: Type.String({ minLength: 1, maxLength: 2048, description: 'HTTPS URL that receives the events', examples: ['https://hooks.example.com/otp'] }),
  Status: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')], { description: 'Default enabled' })),
  Version: Type.Optional(Type.Union([Type.Literal('v1'), Type.Literal('v2')], { description: 'v2 only: v1 answers 60204' })),
};

export const TwilioWebhook = Type.Object({
  sid: Type.String({ description: 'YW…: the otpgate webhook endpoint (whe_…)' }),
  service_sid: Type.String({ description: 'Service SID' }),
  account_sid: Type.String({ description: 'Account SID of the credentials\' world' }),
  friendly_name: Type.String({ description: 'The endpoint\'s description' }),
  event_types: Type.Array(Type.String(), { description: '["*"] for every event, else otpgate event types' }),
  status: Type.Union([Type.Literal('enabled'), Type.Literal('disabled')], { description: 'Whether events are delivered' }),
  version: Type.Literal('v2', { description: 'Always v2' }),
  webhook_url: Type.String({ description: 'Where events go' }),
  webhook_method: Type.Literal('POST', { description: 'Always POST' }),
  date_created: Type.String({ format: 'date-time', description: 'Creation time' }),
  date_updated: Type.String({ format: 'date-time', description: 'Last change' }),
  url: Type.String({ description: 'Absolute URL of this resource' }),
  secret: Type.Optional(Type.String({ description: 'otpgate extension, in the create answer only: the Standard Webhooks signing secret (whsec_…)' })),
}, { description: 'A webhook of a service: one otpgate webhook endpoint. Deliveries are otpgate events signed per Standard Webhooks (docs/webhooks.md), not Twilio\'s payloads.' });

/** Twilio's event types → otpgate's: "*" is every type (an empty list); Push events do not exist here. */
function eventTypesOf(value: string | string[] | undefined): EventType[] | undefined {
  if (value === undefined) return undefined;
  const list = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  if (list.length === 0) throw new AppError('invalid_request', 'Invalid parameter `EventTypes`: give "*" or at least one event type.');
  if (list.includes('*')) return [];
  for (const type of list) {
    if (/^(factor|challenge)\./.test(type)) throw new AppError('not_supported', `\`EventTypes\`: ${type} is a Verify Push event; otpgate has no Push factors.`);
    if (!isEventType(type)) throw new AppError('invalid_request', `Invalid parameter \`EventTypes\`: "${type}" is not an event type; use "*" or one of ${EVENT_TYPES.join(', ')}.`);
  }
  return list as EventType[];
}

function versionOf(version: 'v1' | 'v2' | undefined): void {
  if (version === 'v1') throw new AppError('not_supported', '`Version`: only v2 is supported.');
}

function webhookResource(base: string, e: WebhookEndpointRecord) {
  const serviceSid = sidOf('VA', e.serviceId);
  const sid = sidOf('YW', e.id);
  return {
    sid,
    service_sid: serviceSid,
    account_sid: accountSidFor(e.serviceId, e.mode),
    friendly_name: e.description ?? '',
    event_types: e.eventTypes.length === 0 ? ['*'] : [...e.eventTypes],
    status: e.enabled ? 'enabled' as const : 'disabled' as const,
    version: 'v2' as const,
    webhook_url: e.url,
    webhook_method: 'POST' as const,
    date_created: twilioTime(e.createdAt),
    date_updated: twilioTime(e.updatedAt),
    url: `${base}/Services/${serviceSid}/Webhooks/${sid}`,
  };
}

function endpointId(sid: string): string {
  const id = idOf('YW', sid);
  if (id === null) throw new AppError('webhook_endpoint_not_found', `No webhook ${sid}.`);
  return id;
}

/**
 * `/v2/Services/{ServiceSid}/Webhooks`: the service's webhook endpoints (the same ones as
 * `/v1/webhooks`), in the credentials' world: test credentials make and see test endpoints (T1).
 */
export const twilioWebhooksRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  const view = (e: WebhookEndpointRecord) => webhookEndpointView(e, c.clock.now());

  app.post('/Services/:ServiceSid/Webhooks', {
    schema: {
      tags, security, consumes, summary: 'Create a webhook (Twilio)', params: Params,
      body: Type.Object(Fields, { additionalProperties: true }),
      response: { 201: TwilioWebhook, ...twilioErrors(400, 401, 404, 409) },
    },
    config: { audit: 'webhook_endpoint.created' },
  }, async (request, reply) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const body = request.body;
    versionOf(body.Version);
    const issued = await c.webhooks.create(tenant, {
      url: body.WebhookUrl, description: body.FriendlyName, eventTypes: eventTypesOf(body.EventTypes), enabled: body.Status !== 'disabled',
    });
    auditChange(request, { targetId: issued.endpoint.id, after: view(issued.endpoint) });
    return reply.code(201).send({ ...webhookResource(baseUrl(request), issued.endpoint), secret: issued.secret });
  });

  app.get('/Services/:ServiceSid/Webhooks', {
    schema: {
      tags, security, summary: 'List webhooks (Twilio)', params: Params, querystring: Type.Object(PageQuery),
      response: { 200: PageOf('webhooks', TwilioWebhook), ...twilioErrors(400, 401, 404) },
    },
  }, async (request) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const size = request.query.PageSize ?? 50;
    // At most webhook_endpoints_max (≤ 100) per service and mode: one page of ids after the token.
    const all = await c.webhooks.list(tenant);
    const after = request.query.PageToken;
    const from = after === undefined ? 0 : all.findIndex((e) => e.id === after) + 1;
    if (from === 0 && after !== undefined) throw new AppError('invalid_cursor', 'Invalid parameter `PageToken`: follow next_page_url.');
    const rest = all.slice(from);
    const shown = rest.slice(0, size);
    const nextCursor = rest.length > size ? shown[shown.length - 1]!.id : null;
    return twilioPage(request, 'webhooks', shown.map((e) => webhookResource(baseUrl(request), e)), { number: request.query.Page ?? 0, size, nextCursor, query: {} });
  });

  app.get('/Services/:ServiceSid/Webhooks/:Sid', {
    schema: { tags, security, summary: 'Fetch a webhook (Twilio)', params: SidParams, response: { 200: TwilioWebhook, ...twilioErrors(401, 404) } },
  }, async (request) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    return webhookResource(baseUrl(request), await c.webhooks.get(tenant, endpointId(request.params.Sid)));
  });

  app.post('/Services/:ServiceSid/Webhooks/:Sid', {
    schema: {
      tags, security, consumes, summary: 'Update a webhook (Twilio)', params: SidParams,
      body: Type.Partial(Type.Object(Fields), { additionalProperties: true }),
      response: { 200: TwilioWebhook, ...twilioErrors(400, 401, 404) },
    },
    config: { audit: 'webhook_endpoint.updated' },
  }, async (request) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const id = endpointId(request.params.Sid);
    const body = request.body ?? {};
    versionOf(body.Version);
    const before = view(await c.webhooks.get(tenant, id));
    const updated = await c.webhooks.update(tenant, id, {
      url: body.WebhookUrl, description: body.FriendlyName, eventTypes: eventTypesOf(body.EventTypes),
      enabled: body.Status === undefined ? undefined : body.Status === 'enabled',
    });
    auditChange(request, { before, after: view(updated) });
    return webhookResource(baseUrl(request), updated);
  });

  app.delete('/Services/:ServiceSid/Webhooks/:Sid', {
    schema: { tags, security, summary: 'Delete a webhook (Twilio)', params: SidParams, response: { 204: Type.Null({ description: 'Deleted' }), ...twilioErrors(401, 404) } },
    config: { audit: 'webhook_endpoint.deleted' },
  }, async (request, reply) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const id = endpointId(request.params.Sid);
    const before = view(await c.webhooks.get(tenant, id));
    await c.webhooks.delete(tenant, id);
    auditChange(request, { before });
    return reply.code(204).send(null);
  });
};
