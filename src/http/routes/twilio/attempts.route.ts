import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AttemptQuery } from '../../../core/attempts.service.js';
import { AppError } from '../../../core/errors.js';
import { isChannel } from '../../../core/model.js';
import type { ReadScope } from '../../../core/model.js';
import type { Principal } from '../../../core/tenancy.service.js';
import type { Container } from '../../../container.js';
import { idOf } from './sids.js';
import { readScopeOf, tenantFor } from './twilio-auth.js';
import { PageOf, PageQuery, twilioErrors } from './twilio-schemas.js';
import { attemptResource, baseUrl, twilioPage } from './twilio-views.js';

const tags = ['Twilio-compatible'];
const security = [{ basic: [] }];

const filters = {
  DateCreatedAfter: Type.Optional(Type.String({ format: 'date-time', description: 'Only attempts created after this instant' })),
  DateCreatedBefore: Type.Optional(Type.String({ format: 'date-time', description: 'Only attempts created before this instant' })),
  Country: Type.Optional(Type.String({ maxLength: 2, description: 'ISO 3166-1 alpha-2 of the number', examples: ['US'] })),
  Channel: Type.Optional(Type.String({ maxLength: 16, description: 'sms, whatsapp, call or email (Attempts only; the summary refuses it with 60204)', examples: ['sms'] })),
  VerifyServiceSid: Type.Optional(Type.String({ maxLength: 64, description: 'Only this service' })),
};

const ListQuery = Type.Object({
  ...filters,
  ...PageQuery,
  'ChannelData.To': Type.Optional(Type.String({ maxLength: 64, description: 'Only attempts to this number', examples: ['+14155550123'] })),
  VerificationSid: Type.Optional(Type.String({ maxLength: 64, description: 'Only attempts of this verification' })),
  Status: Type.Optional(Type.Union([Type.Literal('converted'), Type.Literal('unconverted')], { description: 'Conversion status' })),
});

const SummaryQuery = Type.Object({
  ...filters,
  DestinationPrefix: Type.Optional(Type.String({ maxLength: 16, description: 'E.164 prefix of the numbers', examples: ['+1415'] })),
});

type Filters = { DateCreatedAfter?: string; DateCreatedBefore?: string; Country?: string; VerifyServiceSid?: string };

/**
 * Admin credentials see every service (live) unless they name one; service credentials see their
 * own service in their own mode (another's SID is 20404).
 */
async function scopeOf(c: Container, principal: Principal, serviceSid: string | undefined): Promise<ReadScope> {
  if (serviceSid !== undefined) return tenantFor(c.tenancy, principal, serviceSid);
  return readScopeOf(principal);
}

function commonQuery(query: Filters): AttemptQuery {
  return {
    createdAfter: query.DateCreatedAfter === undefined ? undefined : Date.parse(query.DateCreatedAfter),
    createdBefore: query.DateCreatedBefore === undefined ? undefined : Date.parse(query.DateCreatedBefore),
    country: query.Country,
  };
}

function verificationIdParam(sid: string): string {
  const id = idOf('VE', sid);
  if (id === null) throw new AppError('invalid_request', 'Invalid parameter `VerificationSid`: not a VE SID.');
  return id;
}

/** `/v2/Attempts`: every send (one `VL` per SMS) with whether its verification converted. */
export const twilioAttemptsRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/Attempts', {
    schema: {
      tags, security, summary: 'List attempts (Twilio)', description: 'Newest first; follow meta.next_page_url.',
      querystring: ListQuery,
      response: { 200: PageOf('attempts', Type.Ref('TwilioAttempt')), ...twilioErrors(400, 401, 404) },
    },
  }, async (request) => {
    const q = request.query;
    const scope = await scopeOf(c, request.principal!, q.VerifyServiceSid);
    const size = q.PageSize ?? 50;
    const base = baseUrl(request);
    const query: AttemptQuery = {
      ...commonQuery(q),
      to: q['ChannelData.To'],
      verificationId: q.VerificationSid === undefined ? undefined : verificationIdParam(q.VerificationSid),
      converted: q.Status === undefined ? undefined : q.Status === 'converted',
    };
    // A channel otpgate does not have (sna, auto) matches nothing rather than everything.
    const channel = q.Channel?.toLowerCase();
    const page = channel !== undefined && !isChannel(channel)
      ? { data: [], nextCursor: null }
      : await c.attempts.list(scope, { ...query, channel }, q.PageToken, size);
    const { PageSize: _size, Page: _page, PageToken: _token, ...kept } = q;
    return twilioPage(request, 'attempts', page.data.map((a) => attemptResource(base, a)), {
      number: q.Page ?? 0, size, nextCursor: page.nextCursor, query: kept,
    });
  });

  app.get('/Attempts/Summary', {
    schema: {
      tags, security, summary: 'Summarise attempts (Twilio)', querystring: SummaryQuery,
      response: {
        200: Type.Object({
          total_attempts: Type.Integer({ description: 'Sends', examples: [11] }),
          total_converted: Type.Integer({ description: 'Sends whose verification was approved', examples: [9] }),
          total_unconverted: Type.Integer({ description: 'The others', examples: [2] }),
          conversion_rate_percentage: Type.String({ description: 'converted / total × 100', examples: ['81.818181818'] }),
          url: Type.String({ description: 'Absolute URL of this resource' }),
        }),
        ...twilioErrors(400, 401, 404),
      },
    },
  }, async (request) => {
    const q = request.query;
    const scope = await scopeOf(c, request.principal!, q.VerifyServiceSid);
    // The summary's counters hold every channel together (hours, country, prefix): a Channel filter is not supported.
    if (q.Channel !== undefined) throw new AppError('not_supported', 'The attempts summary counts every channel together; leave Channel out.');
    const summary = await c.attempts.summary(scope, { ...commonQuery(q), destinationPrefix: q.DestinationPrefix });
    return {
      total_attempts: summary.total,
      total_converted: summary.converted,
      total_unconverted: summary.total - summary.converted,
      conversion_rate_percentage: String(Math.round(summary.conversionRate * 1e9) / 1e9),
      url: `${baseUrl(request)}/Attempts/Summary`,
    };
  });

  app.get('/Attempts/:Sid', {
    schema: {
      tags, security, summary: 'Fetch an attempt (Twilio)',
      params: Type.Object({ Sid: Type.String({ maxLength: 64 }) }),
      response: { 200: Type.Ref('TwilioAttempt'), ...twilioErrors(401, 404) },
    },
  }, async (request) => {
    const id = idOf('VL', request.params.Sid);
    if (id === null) throw new AppError('not_found', `No attempt ${request.params.Sid}.`);
    return attemptResource(baseUrl(request), await c.attempts.get(readScopeOf(request.principal!), id));
  });
};
