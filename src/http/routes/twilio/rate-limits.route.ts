import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../../core/errors.js';
import { requireLive } from '../../../core/scope.js';
import { auditChange } from '../../plugins/audit.js';
import type { Container } from '../../../container.js';
import { idOf } from './sids.js';
import { tenantFor } from './twilio-auth.js';
import { PageOf, PageQuery, twilioErrors } from './twilio-schemas.js';
import { baseUrl, bucketResource, rateLimitResource, twilioPage } from './twilio-views.js';

const tags = ['Twilio-compatible'];
const security = [{ basic: [] }];
const consumes = ['application/x-www-form-urlencoded'];

const RateLimitParams = Type.Object({ ServiceSid: Type.String({ maxLength: 64 }), Sid: Type.String({ maxLength: 64 }) });
const BucketListParams = Type.Object({ ServiceSid: Type.String({ maxLength: 64 }), RateLimitSid: Type.String({ maxLength: 64 }) });
const BucketParams = Type.Object({ ServiceSid: Type.String({ maxLength: 64 }), RateLimitSid: Type.String({ maxLength: 64 }), Sid: Type.String({ maxLength: 64 }) });
const Description = Type.Optional(Type.String({ maxLength: 256, description: 'Free text', examples: ['Limit starts per end-user IP'] }));
const Max = Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Starts allowed per value in each interval', examples: [10] });
const Interval = Type.Integer({ minimum: 1, maximum: 2_678_400, description: 'Window length in seconds', examples: [60] });

function localId(prefix: 'RK' | 'BL', sid: string): string {
  const id = idOf(prefix, sid);
  if (id === null) throw new AppError('not_found', `No resource ${sid}.`);
  return id;
}

/**
 * `/v2/Services/{ServiceSid}/RateLimits` and their `Buckets`, on the core's RateLimitService. They
 * are the service's configuration: test-mode credentials read them, only live ones change them.
 */
export const twilioRateLimitsRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/Services/:ServiceSid/RateLimits', {
    schema: {
      tags, security, consumes, summary: 'Create a rate limit (Twilio)',
      params: Type.Object({ ServiceSid: Type.String({ maxLength: 64 }) }),
      body: Type.Object({ UniqueName: Type.String({ minLength: 1, maxLength: 64, description: 'Key of the limit in RateLimits', examples: ['end_user_ip_address'] }), Description }, { additionalProperties: true }),
      response: { 201: Type.Ref('TwilioRateLimit'), ...twilioErrors(400, 401, 404) },
    },
    config: { audit: 'rate_limit.created' },
  }, async (request, reply) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const created = await c.rateLimits.create(requireLive(tenant), request.body.UniqueName, request.body.Description ?? null);
    const after = rateLimitResource(baseUrl(request), created);
    auditChange(request, { targetId: created.id, after });
    return reply.code(201).send(after);
  });

  app.get('/Services/:ServiceSid/RateLimits', {
    schema: {
      tags, security, summary: 'List rate limits (Twilio)',
      params: Type.Object({ ServiceSid: Type.String({ maxLength: 64 }) }), querystring: Type.Object(PageQuery),
      response: { 200: PageOf('rate_limits', Type.Ref('TwilioRateLimit')), ...twilioErrors(400, 401, 404) },
    },
  }, async (request) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const size = request.query.PageSize ?? 50;
    const page = await c.rateLimits.list(tenant, request.query.PageToken, size);
    return twilioPage(request, 'rate_limits', page.data.map((r) => rateLimitResource(baseUrl(request), r)), { number: request.query.Page ?? 0, size, nextCursor: page.nextCursor, query: {} });
  });

  app.get('/Services/:ServiceSid/RateLimits/:Sid', {
    schema: { tags, security, summary: 'Fetch a rate limit (Twilio)', params: RateLimitParams, response: { 200: Type.Ref('TwilioRateLimit'), ...twilioErrors(401, 404) } },
  }, async (request) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    return rateLimitResource(baseUrl(request), await c.rateLimits.get(tenant, localId('RK', request.params.Sid)));
  });

  app.post('/Services/:ServiceSid/RateLimits/:Sid', {
    schema: {
      tags, security, consumes, summary: 'Update a rate limit (Twilio)', params: RateLimitParams,
      body: Type.Object({ Description }, { additionalProperties: true }),
      response: { 200: Type.Ref('TwilioRateLimit'), ...twilioErrors(400, 401, 404) },
    },
    config: { audit: 'rate_limit.updated' },
  }, async (request) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const id = localId('RK', request.params.Sid);
    const before = rateLimitResource(baseUrl(request), await c.rateLimits.get(tenant, id));
    const after = rateLimitResource(baseUrl(request), await c.rateLimits.update(requireLive(tenant), id, request.body?.Description ?? null));
    auditChange(request, { targetId: id, before, after });
    return after;
  });

  app.delete('/Services/:ServiceSid/RateLimits/:Sid', {
    schema: { tags, security, summary: 'Delete a rate limit and its buckets (Twilio)', params: RateLimitParams, response: { 204: Type.Null({ description: 'Deleted' }), ...twilioErrors(401, 404) } },
    config: { audit: 'rate_limit.deleted' },
  }, async (request, reply) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const id = localId('RK', request.params.Sid);
    const before = rateLimitResource(baseUrl(request), await c.rateLimits.get(tenant, id));
    await c.rateLimits.remove(requireLive(tenant), id);
    auditChange(request, { targetId: id, before });
    return reply.code(204).send(null);
  });

  app.post('/Services/:ServiceSid/RateLimits/:RateLimitSid/Buckets', {
    schema: {
      tags, security, consumes, summary: 'Create a bucket (Twilio)', params: BucketListParams,
      body: Type.Object({ Max, Interval }, { additionalProperties: true }),
      response: { 201: Type.Ref('TwilioBucket'), ...twilioErrors(400, 401, 404) },
    },
    config: { audit: 'rate_limit_bucket.created' },
  }, async (request, reply) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const bucket = await c.rateLimits.createBucket(requireLive(tenant), localId('RK', request.params.RateLimitSid), request.body.Max, request.body.Interval);
    const after = bucketResource(baseUrl(request), bucket);
    auditChange(request, { targetId: bucket.id, after });
    return reply.code(201).send(after);
  });

  app.get('/Services/:ServiceSid/RateLimits/:RateLimitSid/Buckets', {
    schema: {
      tags, security, summary: 'List buckets (Twilio)', params: BucketListParams, querystring: Type.Object(PageQuery),
      response: { 200: PageOf('buckets', Type.Ref('TwilioBucket')), ...twilioErrors(400, 401, 404) },
    },
  }, async (request) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const size = request.query.PageSize ?? 50;
    const page = await c.rateLimits.listBuckets(tenant, localId('RK', request.params.RateLimitSid), request.query.PageToken, size);
    return twilioPage(request, 'buckets', page.data.map((b) => bucketResource(baseUrl(request), b)), { number: request.query.Page ?? 0, size, nextCursor: page.nextCursor, query: {} });
  });

  app.get('/Services/:ServiceSid/RateLimits/:RateLimitSid/Buckets/:Sid', {
    schema: { tags, security, summary: 'Fetch a bucket (Twilio)', params: BucketParams, response: { 200: Type.Ref('TwilioBucket'), ...twilioErrors(401, 404) } },
  }, async (request) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const bucket = await c.rateLimits.getBucket(tenant, localId('RK', request.params.RateLimitSid), localId('BL', request.params.Sid));
    return bucketResource(baseUrl(request), bucket);
  });

  app.post('/Services/:ServiceSid/RateLimits/:RateLimitSid/Buckets/:Sid', {
    schema: {
      tags, security, consumes, summary: 'Update a bucket (Twilio)', params: BucketParams,
      body: Type.Object({ Max: Type.Optional(Max), Interval: Type.Optional(Interval) }, { additionalProperties: true }),
      response: { 200: Type.Ref('TwilioBucket'), ...twilioErrors(400, 401, 404) },
    },
    config: { audit: 'rate_limit_bucket.updated' },
  }, async (request) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const [rateLimitId, bucketId] = [localId('RK', request.params.RateLimitSid), localId('BL', request.params.Sid)];
    const before = bucketResource(baseUrl(request), await c.rateLimits.getBucket(tenant, rateLimitId, bucketId));
    const bucket = await c.rateLimits.updateBucket(requireLive(tenant), rateLimitId, bucketId, {
      max: request.body?.Max, intervalSeconds: request.body?.Interval,
    });
    const after = bucketResource(baseUrl(request), bucket);
    auditChange(request, { targetId: bucketId, before, after });
    return after;
  });

  app.delete('/Services/:ServiceSid/RateLimits/:RateLimitSid/Buckets/:Sid', {
    schema: { tags, security, summary: 'Delete a bucket (Twilio)', params: BucketParams, response: { 204: Type.Null({ description: 'Deleted' }), ...twilioErrors(401, 404) } },
    config: { audit: 'rate_limit_bucket.deleted' },
  }, async (request, reply) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const [rateLimitId, bucketId] = [localId('RK', request.params.RateLimitSid), localId('BL', request.params.Sid)];
    const before = bucketResource(baseUrl(request), await c.rateLimits.getBucket(tenant, rateLimitId, bucketId));
    await c.rateLimits.removeBucket(requireLive(tenant), rateLimitId, bucketId);
    auditChange(request, { targetId: bucketId, before });
    return reply.code(204).send(null);
  });
};
