import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Container } from '../../../container.js';
import type { IssuedBasicCredential } from '../../../core/tenancy.service.js';
import { adminOnly } from '../../plugins/auth.js';
import { auditChange } from '../../plugins/audit.js';
import { IdParam, problemResponses } from '../../schemas.js';
import { sidOf } from '../twilio/sids.js';

const tags = ['Services'];
const security = [{ bearer: [] }];

const Body = Type.Object(
  {
    type: Type.Union([Type.Literal('account'), Type.Literal('api_key')], {
      description: 'account: the AC account SID and a new auth token; api_key: a new SK API key SID and its secret',
      examples: ['api_key'],
    }),
    mode: Type.Optional(
      Type.Union([Type.Literal('live'), Type.Literal('test')], {
        description: 'test: credentials of the service\'s test mode (sandbox), like a test-mode key: their SMS go to the dev outbox only and they see test data only. Default live. Service credentials only',
        examples: ['test'],
      }),
    ),
  },
  { additionalProperties: false },
);

const Issued = Type.Object({
  id: Type.String({ description: 'Key id: list and revoke it with the service\'s keys', examples: ['key_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  type: Type.String({ description: 'account or api_key', examples: ['api_key'] }),
  mode: Type.Union([Type.Literal('live'), Type.Literal('test')], { description: 'The mode the credentials act in', examples: ['live'] }),
  sid: Type.String({ description: 'The HTTP Basic user name (AC… or SK…)', examples: ['SK0123456789abcdef0123456789abcdef'] }),
  secret: Type.String({ description: 'The HTTP Basic password (auth token or API key secret). Shown once: store it now.', examples: ['0123456789abcdef0123456789abcdef'] }),
  account_sid: Type.String({ description: 'The account SID the credential acts as (Twilio SDK: first argument with an API key)', examples: ['AC0123456789abcdef0123456789abcdef'] }),
  service_sid: Type.Union([Type.String(), Type.Null()], { description: 'The VA service SID to use with the Twilio SDK; null for admin-level credentials', examples: ['VA0123456789abcdef0123456789abcdef'] }),
  created_at: Type.String({ format: 'date-time', description: 'Creation time', examples: ['2026-11-25T21:05:00.000Z'] }),
});

export function issuedView(issued: IssuedBasicCredential, type: string) {
  return {
    id: issued.record.id,
    type,
    mode: issued.record.mode,
    sid: issued.sid,
    secret: issued.secret,
    account_sid: issued.accountSid,
    service_sid: issued.record.serviceId === null ? null : sidOf('VA', issued.record.serviceId),
    created_at: new Date(issued.record.createdAt).toISOString(),
  };
}

/** The credential as the audit log keeps it: never its secret. */
export function credentialAudit(issued: IssuedBasicCredential, type: string) {
  const { secret: _secret, ...view } = issuedView(issued, type);
  return view;
}

/**
 * HTTP Basic credentials for the Twilio-compatible API (`/v2`), issued through the native API so
 * a migration needs no database shell. The secret is in this answer only; it is stored hashed
 * and revoked like any key (`DELETE /v1/services/{id}/keys/{keyId}`).
 */
export const basicCredentialsRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/v1/services/:id/basic-credentials', {
    onRequest: adminOnly(c.tenancy),
    schema: {
      tags, security, summary: 'Issue Twilio-style credentials for a service',
      description: 'For the Twilio SDK: new Twilio(sid, secret) for an account token, or new Twilio(sid, secret, { accountSid }) for an API key. They see this service only.',
      params: IdParam, body: Body,
      response: { 201: Issued, ...problemResponses(400, 401, 403, 404) },
    },
    config: { audit: 'basic_credential.created' },
  }, async (request, reply) => {
    const issued = await c.tenancy.issueBasicCredential(request.params.id, request.body.type, request.body.mode ?? 'live');
    auditChange(request, { targetId: issued.record.id, after: credentialAudit(issued, request.body.type) });
    return reply.code(201).send(issuedView(issued, request.body.type));
  });

  app.post('/v1/basic-credentials', {
    onRequest: adminOnly(c.tenancy),
    schema: {
      tags, security, summary: 'Issue admin-level Twilio-style credentials',
      description: 'They can create, list, change and delete every service through /v2/Services and act on any of them.',
      body: Body,
      response: { 201: Issued, ...problemResponses(400, 401, 403) },
    },
    config: { audit: 'basic_credential.created' },
  }, async (request, reply) => {
    const issued = await c.tenancy.issueBasicCredential(null, request.body.type, request.body.mode ?? 'live');
    auditChange(request, { serviceId: null, targetId: issued.record.id, after: credentialAudit(issued, request.body.type) });
    return reply.code(201).send(issuedView(issued, request.body.type));
  });
};
