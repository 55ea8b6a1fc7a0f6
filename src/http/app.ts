import AjvCompiler from '@fastify/ajv-compiler';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { lazySerializers, lazyValidators } from './lazy-compilers.js';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '../config.js';
import type { AuditAction } from '../core/audit.js';
import type { Container } from '../container.js';
import { AppError } from '../core/errors.js';
import { clientErrorHandler, httpServerOptions, limitConnections, trustedProxyMatcher } from './connection-guard.js';
import { registerProblemHandlers, sendProblem } from './plugins/problem.js';
import { registerAudit } from './plugins/audit.js';
import { documentServers } from './openapi-servers.js';
import { addOperationExamples } from './operation-examples.js';
import { applyOperations } from './operations.js';
import { opsRoutes } from './routes/ops.route.js';
import { dlrRoutes } from './routes/v1/dlr.route.js';
import { adminKeysRoutes } from './routes/v1/admin-keys.route.js';
import { basicCredentialsRoutes } from './routes/v1/basic-credentials.route.js';
import { eventsRoutes } from './routes/v1/events.route.js';
import { outboxRoutes } from './routes/v1/outbox.route.js';
import { prefixBlocksRoutes } from './routes/v1/prefix-blocks.route.js';
import { consoleRoutes } from './console/console.plugin.js';
import { StatsReportSchema, statsRoutes } from './routes/v1/stats.route.js';
import { smsSettingsRoutes } from './routes/v1/sms-settings.route.js';
import { templatesRoutes } from './routes/v1/templates.route.js';
import { servicesRoutes } from './routes/v1/services.route.js';
import { verificationsRoutes } from './routes/v1/verifications.route.js';
import { webhooksRoutes } from './routes/v1/webhooks.route.js';
import { twilioRoutes } from './routes/twilio/twilio.plugin.js';
import { TwilioAttempt, TwilioBucket, TwilioError, TwilioRateLimit, TwilioService, TwilioVerification } from './routes/twilio/twilio-schemas.js';
import { ApiKey, Event, Problem, Service, Verification, WebhookEndpoint } from './schemas.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** One route the app serves. */
export interface RouteEntry {
  method: string;
  url: string;
  /** The audit action a successful call records, when the route changes configuration or access. */
  audit: AuditAction | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route, as registered: what the route contracts (every route against a key of each kind and mode) walk. */
    routeTable: RouteEntry[];
  }
}
let requestCounter = 0;

export interface BuildAppOptions {
  /** Serve /docs (Swagger UI). Default true. */
  docs?: boolean;
  /** Serve the operator console at /console. Default true. */
  console?: boolean;
}

/** Builds the Fastify app around a container. Never listens: main.ts and tests decide that. */
export type App = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, TypeBoxTypeProvider>;

/**
 * A hop count or the proxies' networks, never `true` (config.ts refuses it: rule T5). A hop count
 * trusts the nearest `n` hops, whatever their address (proxy-addr's own rule for a number).
 */
function fastifyTrustProxy(trust: Config['trustProxy']): string[] | false | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return [...trust];
}

/**
 * Query strings, path parameters and the Twilio surface's form bodies are text, so their values
 * are coerced to the schema's types ("5" → 5, "true" → true). A JSON body already has types:
 * `{"adaptive_limits": null}` or `"false"` where a boolean belongs is a 400, not a silent false.
 */
const coercingPool = AjvCompiler();
/** Whether a route's body is JSON checked without coercion (every /v1 route), or text coerced to types (/v2 forms). */
const strictBody = (url: string | undefined): boolean => url?.startsWith('/v1/') ?? false;
const strictPool = AjvCompiler();
const jsonBodiesStrict: AjvCompiler.BuildCompilerFromPool = (externalSchemas, options) => {
  const custom = options?.mode === 'JTD' ? {} : (options?.customOptions ?? {});
  // The pools keep one Ajv per set of schemas and options, as Fastify's own default does.
  const coercing = coercingPool(externalSchemas, options);
  const strict = strictPool(externalSchemas, { plugins: options?.plugins ?? [], customOptions: { ...custom, coerceTypes: false } });
  return (route) => (route.httpPart === 'body' && strictBody(route.url) ? strict : coercing)(route);
};

/** What makes a value unstorable text: a NUL, or a lone UTF-16 surrogate (not Unicode at all). Null when none. */
function unstorableText(value: unknown, depth = 0): string | null {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return 'a NUL character (\\u0000)';
    return (value as string & { isWellFormed(): boolean }).isWellFormed() ? null : 'an unpaired surrogate (not Unicode text)';
  }
  if (value === null || typeof value !== 'object' || depth > 32) return null;
  for (const [key, item] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    const bad = (typeof key === 'string' ? unstorableText(key, depth + 1) : null) ?? unstorableText(item, depth + 1);
    if (bad !== null) return bad;
  }
  return null;
}

/** The name of a field that coercion made an infinite number of ("1e309", "Infinity"): Ajv's integer check lets those through. */
function infiniteField(values: unknown): string | null {
  if (values === null || typeof values !== 'object') return null;
  for (const [name, value] of Object.entries(values)) {
    for (const item of [value].flat()) if (typeof item === 'number' && !Number.isFinite(item)) return name;
  }
  return null;
}

/** Health checks and the metrics scrape: not logged at info (see the onResponse hook). */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

export async function buildApp(c: Container, options: BuildAppOptions = {}): Promise<App> {
  const app = Fastify({
    loggerInstance: c.logger as FastifyBaseLogger,
    // Our onResponse hook logs one line per request; Fastify's own two would double it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: c.config.bodyLimitBytes,
    trustProxy: fastifyTrustProxy(c.config.trustProxy),
    requestIdHeader: false,
    // A caller's X-Request-Id is kept when it is safe to log; otherwise we make one.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      if (typeof given === 'string' && REQUEST_ID.test(given)) return given;
      requestCounter = (requestCounter + 1) % Number.MAX_SAFE_INTEGER;
      return `req_${process.pid.toString(36)}${Date.now().toString(36)}${requestCounter.toString(36)}`;
    },
    connectionTimeout: 30_000,
    // Slow clients, oversized headers and too many connections: see connection-guard.ts.
    http: httpServerOptions(c.config),
    requestTimeout: c.config.requestTimeoutMs,
    clientErrorHandler,
    keepAliveTimeout: 72_000,
    routerOptions: { maxParamLength: 200 },
    // Bad URLs and over-long path parameters are refused before routing; keep them problem+json too.
    frameworkErrors: (error, request, reply) =>
      sendProblem(request, reply, error.statusCode === 414 ? new AppError('uri_too_long', 'A path parameter is too long.') : new AppError('invalid_request', 'The URL is malformed.')),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    // Compiled per route on first use, not all at start (lazy-compilers.ts: ~35 MB of idle memory).
    schemaController: { compilersFactory: { buildValidator: lazyValidators(jsonBodiesStrict), buildSerializer: lazySerializers() } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  limitConnections(app.server, {
    max: c.config.maxConnections,
    perAddress: c.config.maxConnectionsPerAddress,
    isTrustedProxy: trustedProxyMatcher(c.config.trustProxy),
  });
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    // The console's pages are not API routes: its figures and changes are API calls (audited, scoped) made as the signed-in key.
    if (route.url.startsWith('/console')) return;
    for (const method of [route.method].flat()) if (method !== 'HEAD') routeTable.push({ method, url: route.url, audit: route.config?.audit });
  });
  app.decorateRequest('principal', null);
  registerAudit(app, c.audit, c.logger);
  registerProblemHandlers(app);
  // JSON only: anything else is 415 rather than a string the schemas then reject.
  app.removeContentTypeParser(['text/plain']);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Text no database can store (PostgreSQL refuses NUL and unpaired surrogates) is refused as
  // input, in one place for every route and surface, rather than failing later as a 500.
  app.addHook('preValidation', async (request) => {
    for (const part of ['params', 'query', 'body'] as const) {
      const bad = unstorableText(request[part]);
      if (bad !== null) throw new AppError('invalid_request', `${part === 'body' ? 'The body' : part === 'query' ? 'The query string' : 'The path'} holds ${bad}, which cannot be stored.`);
    }
  });
  // Text is coerced to numbers in query strings, paths and form bodies; a number too large to be
  // one is refused here rather than reaching a database as Infinity (a 500).
  app.addHook('preHandler', async (request) => {
    // Only what was coerced from text: a JSON body (every /v1 route) cannot hold Infinity.
    const parts = strictBody(request.routeOptions.url) ? (['params', 'query'] as const) : (['params', 'query', 'body'] as const);
    for (const part of parts) {
      const name = infiniteField(request[part]);
      if (name !== null) throw new AppError('invalid_request', `${name} must be a finite number.`);
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    c.metrics.observeHttp(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    // Probes and scrapes come every few seconds: logged at debug while they succeed, so they do
    // not bury the requests that matter; a failing probe still shows at info.
    const level = QUIET_ROUTES.has(route) && reply.statusCode < 400 ? 'debug' : 'info';
    request.log[level]({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  });

  for (const schema of [Problem, Service, Verification, ApiKey, Event, WebhookEndpoint, TwilioError, TwilioService, TwilioVerification, TwilioAttempt, TwilioRateLimit, TwilioBucket, StatsReportSchema]) {
    app.addSchema(schema);
  }

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'otpgate',
        version: '0.1.0',
        description:
          'Self-hosted SMS one-time-code verification. Start a verification (an SMS with a code goes out), then check the code the person typed. ' +
          'Errors are RFC 9457 problem+json with a stable `code`.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An admin key or a service key' },
          basic: { type: 'http', scheme: 'basic', description: 'Twilio-style credentials: an AC account SID and its auth token, or an SK API key SID and its secret' },
        },
      },
      tags: [
        { name: 'Verifications', description: 'Send and check codes (service key)' },
        { name: 'Services', description: 'Tenants and their keys (admin key)' },
        { name: 'Service settings', description: 'A service\'s SMS provider, templates and prefix blocks (admin key)' },
        { name: 'Administration', description: 'Admin keys and the audit log (admin key)' },
        { name: 'Events', description: 'What happened, for polling and catching up (service key)' },
        { name: 'Webhooks', description: 'Signed, retried deliveries of events (service key); see docs/webhooks.md' },
        { name: 'Development', description: 'Reading what the console provider sent' },
        { name: 'Delivery receipts', description: 'Called by SMS vendors; authenticated the vendor\'s way' },
        { name: 'Twilio-compatible', description: 'Twilio Verify v2 resources under /v2 for the official Twilio SDKs (docs/twilio-migration.md)' },
      ],
    },
    // Generated once, on the first request for it (after the server listens).
    transformObject: (document) => {
      if (!('openapiObject' in document)) return document.swaggerObject;
      // Operation ids, tags and summaries come from one table (operations.ts), whatever a route file says.
      applyOperations(document.openapiObject.paths as Parameters<typeof applyOperations>[0]);
      addOperationExamples(document.openapiObject.paths as Parameters<typeof addOperationExamples>[0]);
      return { ...document.openapiObject, servers: documentServers(c.config, app.server.address()) };
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  if (options.docs !== false) {
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      // The browser already knows where it found the page: without OTPGATE_PUBLIC_URL, "Try it out"
      // goes to that origin rather than to a listen address it may not reach (0.0.0.0 in a container).
      transformSpecification: (spec) => (c.config.publicUrl === null ? { ...spec, servers: [{ url: '/', description: 'This server' }] } : spec),
    });
  }
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(opsRoutes(c));
  await app.register(servicesRoutes(c));
  await app.register(verificationsRoutes(c));
  await app.register(outboxRoutes(c));
  await app.register(smsSettingsRoutes(c));
  await app.register(templatesRoutes(c));
  await app.register(dlrRoutes(c, c.receipts));
  await app.register(eventsRoutes(c));
  await app.register(webhooksRoutes(c));
  await app.register(basicCredentialsRoutes(c));
  await app.register(twilioRoutes(c), { prefix: '/v2' });
  await app.register(prefixBlocksRoutes(c));
  await app.register(adminKeysRoutes(c));
  await app.register(statsRoutes(c));
  if (options.console !== false) await app.register(consoleRoutes(c));
  return app;
}
