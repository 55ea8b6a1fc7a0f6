import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { VERIFICATION_STATUSES } from '../../../core/model.js';
import type { Container } from '../../../container.js';
import { originOf, requireTenant } from '../../plugins/auth.js';
import { idempotent } from '../../plugins/idempotency.js';
import { CheckBody, CheckResult, IdParam, ListQuery, PageOf, StartBody, problemResponses } from '../../schemas.js';
import { checkView, verificationView } from '../../views.js';

const tags = ['Verifications'];
const security = [{ bearer: [] }];

export const verificationsRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/v1/verifications', {
    schema: {
      tags, security, summary: 'Start a verification (send a code)',
      description:
        'Sends a code by SMS. While a verification for the same number and context is pending, this re-sends the same code ' +
        '(same id; cooldown and max_sends apply; attempts are not reset). 201 means the send is durably queued. Accepts Idempotency-Key. ' +
        'Abuse controls (docs/abuse.md) refuse before anything is queued: 403 country_not_allowed / prefix_blocked, ' +
        '429 rate_limited / quota_exceeded with Retry-After and RateLimit headers, 503 when the rate-limit backend is down.',
      body: StartBody,
      response: { 201: Type.Ref('Verification'), ...problemResponses(400, 401, 403, 409, 422, 429, 503) },
    },
  }, async (request, reply) => {
    const tenant = await requireTenant(c.tenancy, request);
    return idempotent(request, reply, c, tenant, 'verifications', async () => {
      const body = request.body;
      const started = await c.verifications.start(tenant, {
        to: body.to,
        country: body.country,
        channel: body.channel,
        locale: body.locale,
        context: body.context,
        origin: originOf(request, body.client_ip, 'client_ip'),
        customCode: body.custom_code,
        friendlyName: body.friendly_name,
        appHash: body.app_hash,
        rateLimits: body.rate_limits,
      });
      return { statusCode: 201, body: verificationView(started.verification, started.messages) };
    });
  });

  app.post('/v1/verifications/check', {
    schema: {
      tags, security, summary: 'Check a code',
      description:
        'Right code: 200 approved, valid true. Wrong code: 200, valid false, one attempt fewer. A verification that can no longer ' +
        'be approved answers with a problem naming its state: 429 max_attempts_reached, 410 verification_expired, ' +
        '409 verification_already_approved / verification_canceled / verification_failed.',
      body: CheckBody,
      response: { 200: CheckResult, ...problemResponses(400, 401, 403, 404, 409, 410, 429, 503) },
    },
  }, async (request) => {
    const tenant = await requireTenant(c.tenancy, request);
    const { client_ip: clientIp, ...body } = request.body;
    const result = await c.verifications.check(tenant, { ...body, origin: originOf(request, clientIp, 'client_ip') });
    return checkView(result.verification, result.valid);
  });

  app.get('/v1/verifications/:id', {
    schema: {
      tags, security, summary: 'Fetch a verification', params: IdParam,
      response: { 200: Type.Ref('Verification'), ...problemResponses(401, 403, 404) },
    },
  }, async (request) => {
    const tenant = await requireTenant(c.tenancy, request);
    const found = await c.verifications.get(tenant, request.params.id);
    return verificationView(found.verification, found.messages);
  });

  app.post('/v1/verifications/:id/cancel', {
    schema: {
      tags, security, summary: 'Cancel a pending verification', params: IdParam,
      response: { 200: Type.Ref('Verification'), ...problemResponses(401, 403, 404, 409, 410, 429) },
    },
  }, async (request) => {
    const tenant = await requireTenant(c.tenancy, request);
    const canceled = await c.verifications.cancel(tenant, request.params.id);
    return verificationView(canceled.verification, canceled.messages);
  });

  app.post('/v1/verifications/:id/approve', {
    schema: {
      tags, security, summary: 'Approve a custom-code verification',
      description:
        'For verifications started with your own custom_code, which your backend checked itself. A code otpgate made can only be ' +
        'approved by that code (403 forbidden). Anything no longer pending answers with the problem naming its state.',
      params: IdParam,
      response: { 200: Type.Ref('Verification'), ...problemResponses(401, 403, 404, 409, 410, 429) },
    },
  }, async (request) => {
    const tenant = await requireTenant(c.tenancy, request);
    const approved = await c.verifications.approve(tenant, request.params.id);
    return verificationView(approved.verification, approved.messages);
  });

  app.get('/v1/verifications', {
    schema: {
      tags, security, summary: 'List verifications', description: 'Newest first. `sends` is left empty in lists; fetch one for its sends.',
      querystring: Type.Composite([
        ListQuery,
        Type.Object({
          status: Type.Optional(Type.Union(VERIFICATION_STATUSES.map((s) => Type.Literal(s)), { description: 'Only verifications in this status' })),
          to: Type.Optional(Type.String({ maxLength: 254, description: 'Phone number or email address' })),
        }),
      ]),
      response: { 200: PageOf(Type.Ref('Verification')), ...problemResponses(400, 401, 403) },
    },
  }, async (request) => {
    const tenant = await requireTenant(c.tenancy, request);
    const { cursor, limit, status, to } = request.query;
    const page = await c.verifications.list(tenant, { status, to }, cursor, limit ?? 20);
    return { data: page.data.map((v) => verificationView(v, [])), next_cursor: page.nextCursor };
  });
};
