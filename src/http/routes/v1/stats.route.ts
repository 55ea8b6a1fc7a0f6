import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../../core/errors.js';
import type { Container } from '../../../container.js';
import type { Mode } from '../../../core/model.js';
import type { Figures, StatsReport } from '../../../core/stats.service.js';
import { MAX_STATS_DAYS } from '../../../core/stats.service.js';
import { adminOnly, authenticate } from '../../plugins/auth.js';
import { IdParam, problemResponses } from '../../schemas.js';

const tags = ['Services'];
const security = [{ bearer: [] }];
const rate = (description: string) => Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description });

const FiguresSchema = {
  started: Type.Integer({ description: 'Verifications started' }),
  approved: Type.Integer({ description: 'Of those, approved (counted on the day they were started)' }),
  conversion_rate: rate('approved / started; null with no starts'),
  median_seconds_to_approve: Type.Union([Type.Number(), Type.Null()], {
    description: 'Median time from start to approval, from a histogram (10, 20, 30, 45, 60, 90, 120, 180, 300, 600 s buckets, interpolated); null with no approvals',
  }),
  messages: Type.Object({
    created: Type.Integer({ description: 'Messages queued (first sends and resends)' }),
    sent: Type.Integer({ description: 'Accepted by a provider' }),
    delivered: Type.Integer({ description: 'Receipts saying delivered' }),
    failed: Type.Integer({ description: 'Failed for good (every provider and retry), or a receipt saying failed' }),
    undelivered: Type.Integer({ description: 'Receipts saying undelivered' }),
  }, { description: 'Messages (every channel) by outcome' }),
  delivery_rate: rate('delivered / (delivered + undelivered + failed); null before any final outcome'),
  spend: Type.Number({ description: "Messages created × the service's current price for their channel and country (sms_prices, channel_prices)" }),
  refusals: Type.Record(Type.String(), Type.Integer(), { description: 'Requests refused by an abuse rule, by rule (live traffic; by day only when grouped by day)' }),
};

export const StatsReportSchema = Type.Object({
  service_id: Type.Union([Type.String(), Type.Null()], { description: 'The service, or null for every service (admin)' }),
  mode: Type.Union([Type.Literal('live'), Type.Literal('test')], { description: 'The world the figures are of' }),
  from: Type.String({ format: 'date', description: 'First UTC day of the period' }),
  to: Type.String({ format: 'date', description: 'Last UTC day of the period (inclusive)' }),
  group_by: Type.Union([Type.Literal('day'), Type.Literal('country'), Type.Literal('provider'), Type.Literal('channel')], { description: 'How `groups` is split' }),
  totals: Type.Object(FiguresSchema, { description: 'The whole period' }),
  groups: Type.Array(Type.Object({ key: Type.String({ description: "The day, country (ISO 3166), provider or channel; '' where none applies (a start has no provider)" }), ...FiguresSchema }), {
    description: 'One entry per group; by day, every day of the period',
  }),
}, { $id: 'StatsReport' });

const StatsQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 40, description: 'First UTC day, YYYY-MM-DD (default: 29 days before `to`)' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: 'Last UTC day, YYYY-MM-DD, inclusive (default: today)' })),
  group_by: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('country'), Type.Literal('provider'), Type.Literal('channel')], { default: 'day', description: 'Split the period by day (default), country, provider or channel' })),
  mode: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('test')], { description: "Admin keys: which world (default live). A service key sees its own key's world only." })),
});
type Query = Static<typeof StatsQuery>;

function figuresView(f: Figures) {
  return {
    started: f.started,
    approved: f.approved,
    conversion_rate: f.conversionRate,
    median_seconds_to_approve: f.medianSecondsToApprove,
    messages: f.messages,
    delivery_rate: f.deliveryRate,
    spend: f.spend,
    refusals: f.refusals,
  };
}

function reportView(r: StatsReport) {
  return {
    service_id: r.serviceId,
    mode: r.mode,
    from: r.from,
    to: r.to,
    group_by: r.groupBy,
    totals: figuresView(r.totals),
    groups: r.groups.map((g) => ({ key: g.key, ...figuresView(g) })),
  };
}

const description =
  `Counters kept as verifications, messages and receipts change (never a scan), over at most ${MAX_STATS_DAYS} UTC days. ` +
  'Group by day (every day of the period), country, provider or channel.';

/** Statistics: per service (admin key, or a key of the service, in its mode), and for every service (admin key). */
export const statsRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  const report = (serviceId: string | null, mode: Mode, query: Query) =>
    c.stats.report({ serviceId, mode, from: query.from, to: query.to, groupBy: query.group_by }).then(reportView);

  app.get('/v1/services/:id/stats', {
    schema: {
      tags, security, summary: "A service's statistics",
      description: `${description} Admin key, or a key of this service: a test-mode key sees the test world's figures only (T1).`,
      params: IdParam,
      querystring: StatsQuery,
      response: { 200: Type.Ref('StatsReport'), ...problemResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const principal = await authenticate(c.tenancy, request);
    if (principal.key.kind !== 'admin') {
      if (principal.tenant?.serviceId !== request.params.id) throw new AppError('not_found', `No service ${request.params.id}.`);
      if (request.query.mode !== undefined && request.query.mode !== principal.tenant.mode) {
        throw new AppError('forbidden', `A ${principal.tenant.mode}-mode key sees only its own world's statistics.`);
      }
      return report(principal.tenant.serviceId, principal.tenant.mode, request.query);
    }
    const service = await c.tenancy.getService(request.params.id);
    return report(service.id, request.query.mode ?? 'live', request.query);
  });

  app.get('/v1/stats', {
    onRequest: adminOnly(c.tenancy),
    schema: {
      tags: ['Administration'], security, summary: "Every service's statistics",
      description: `${description} Admin key.`,
      querystring: StatsQuery,
      response: { 200: Type.Ref('StatsReport'), ...problemResponses(400, 401, 403) },
    },
  }, async (request) => report(null, request.query.mode ?? 'live', request.query));
};
