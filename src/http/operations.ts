/** How one route appears in the OpenAPI document, and so in every client generated from it. */
export interface Operation {
  /**
   * The method name generated clients give this route: stable (renaming one breaks every client
   * built on it), camelCase, unique. `/v2` operations carry a `twilio` prefix and follow the names
   * of Twilio's own contract (Fetch, Update, …), so the two surfaces never clash.
   */
  operationId: string;
  /** The group it is listed under; each tag is described in app.ts. */
  tags: [string, ...string[]];
  /** One line, shown as the operation's title. */
  summary: string;
  /**
   * The route replays its first answer for a repeated `Idempotency-Key` (plugins/idempotency.ts):
   * the document then lists the header, so clients can send it. Default false.
   */
  idempotent?: boolean;
}

const verifications = ['Verifications'] as [string];
const services = ['Services'] as [string];
const serviceSettings = ['Service settings'] as [string];
const administration = ['Administration'] as [string];
const events = ['Events'] as [string];
const webhooks = ['Webhooks'] as [string];
const development = ['Development'] as [string];
const receipts = ['Delivery receipts'] as [string];
const twilio = ['Twilio-compatible'] as [string];
const operations = ['Operations'] as [string];

const op = (operationId: string, tags: [string], summary: string, options: { idempotent?: true } = {}): Operation => ({ operationId, tags, summary, ...options });
const IDEMPOTENT = { idempotent: true } as const;

/**
 * Every route the app serves, keyed `METHOD url` as Fastify registers it (`:param`, with the
 * `/v2` prefix). One table rather than a line in each route file, so the public names of the
 * contract are reviewed in one place; test/http/openapi.test.ts fails when a served route has no
 * entry here, and when an entry names no route.
 */
export const OPERATIONS: Readonly<Record<string, Operation>> = Object.freeze({
  // Operations (not in the document: no auth, meant for probes and scrapers).
  'GET /openapi.json': op('getOpenApiDocument', operations, 'This OpenAPI document'),
  'GET /healthz': op('getHealth', operations, 'Liveness'),
  'GET /readyz': op('getReadiness', operations, 'Readiness (the store answers)'),
  'GET /metrics': op('getMetrics', operations, 'Prometheus metrics'),

  // The main flow.
  'POST /v1/verifications': op('createVerification', verifications, 'Start a verification (send a code)', IDEMPOTENT),
  'POST /v1/verifications/check': op('checkVerification', verifications, 'Check a code'),
  'GET /v1/verifications/:id': op('getVerification', verifications, 'Fetch a verification'),
  'POST /v1/verifications/:id/cancel': op('cancelVerification', verifications, 'Cancel a pending verification'),
  'POST /v1/verifications/:id/approve': op('approveVerification', verifications, 'Approve a custom-code verification'),
  'GET /v1/verifications': op('listVerifications', verifications, 'List verifications'),
  'GET /v1/outbox': op('listOutboxMessages', development, 'Read the dev outbox'),

  // Tenants and their keys.
  'POST /v1/services': op('createService', services, 'Create a service', IDEMPOTENT),
  'GET /v1/services': op('listServices', services, 'List services'),
  'GET /v1/services/:id': op('getService', services, 'Fetch a service'),
  'PATCH /v1/services/:id': op('updateService', services, 'Update a service'),
  'DELETE /v1/services/:id': op('deleteService', services, 'Delete a service'),
  'POST /v1/services/:id/keys': op('createServiceKey', services, 'Create a service key'),
  'GET /v1/services/:id/keys': op('listServiceKeys', services, "List a service's keys"),
  'DELETE /v1/services/:id/keys/:keyId': op('revokeServiceKey', services, 'Revoke a key'),
  'POST /v1/services/:id/basic-credentials': op('createServiceBasicCredentials', services, 'Issue Twilio-style credentials for a service'),
  'POST /v1/basic-credentials': op('createAdminBasicCredentials', administration, 'Issue admin-level Twilio-style credentials'),

  // A service's sending settings.
  'GET /v1/services/:id/sms': op('getServiceSmsSettings', serviceSettings, "Read a service's SMS settings"),
  'PUT /v1/services/:id/sms': op('setServiceSmsSettings', serviceSettings, "Set a service's SMS settings"),
  'DELETE /v1/services/:id/sms': op('deleteServiceSmsSettings', serviceSettings, "Drop a service's SMS settings"),
  'GET /v1/services/:id/templates': op('listServiceTemplates', serviceSettings, "List a service's templates"),
  'PUT /v1/services/:id/templates/:locale': op('setServiceTemplate', serviceSettings, 'Set a template'),
  'POST /v1/services/:id/templates/:locale/preview': op('previewServiceTemplate', serviceSettings, 'Preview a template'),
  'DELETE /v1/services/:id/templates/:locale': op('deleteServiceTemplate', serviceSettings, 'Drop a template'),
  'GET /v1/services/:id/prefix-blocks': op('listPrefixBlocks', serviceSettings, 'List blocked prefixes'),
  'DELETE /v1/services/:id/prefix-blocks/:prefix': op('deletePrefixBlock', serviceSettings, 'Lift a prefix block'),

  // Administration.
  'POST /v1/admin-keys': op('createAdminKey', administration, 'Create an admin key'),
  'GET /v1/admin-keys': op('listAdminKeys', administration, 'List admin keys'),
  'DELETE /v1/admin-keys/:id': op('revokeAdminKey', administration, 'Revoke an admin key'),
  'GET /v1/audit-log': op('listAuditLog', administration, 'Read the audit log'),
  'GET /v1/stats': op('getAllStats', administration, "Every service's statistics"),
  'GET /v1/services/:id/stats': op('getServiceStats', services, "A service's statistics"),

  // Events and webhooks.
  'GET /v1/events': op('listEvents', events, 'List events'),
  'GET /v1/events/:id': op('getEvent', events, 'Fetch an event'),
  'POST /v1/webhooks': op('createWebhookEndpoint', webhooks, 'Register a webhook endpoint'),
  'GET /v1/webhooks': op('listWebhookEndpoints', webhooks, 'List webhook endpoints'),
  'GET /v1/webhooks/:id': op('getWebhookEndpoint', webhooks, 'Fetch a webhook endpoint'),
  'PATCH /v1/webhooks/:id': op('updateWebhookEndpoint', webhooks, 'Update a webhook endpoint'),
  'DELETE /v1/webhooks/:id': op('deleteWebhookEndpoint', webhooks, 'Delete a webhook endpoint'),
  'POST /v1/webhooks/:id/rotate-secret': op('rotateWebhookSecret', webhooks, 'Rotate the signing secret'),
  'GET /v1/webhooks/:id/attempts': op('listWebhookAttempts', webhooks, 'Delivery log of an endpoint'),
  'POST /v1/webhooks/:id/redeliver': op('redeliverWebhookEvent', webhooks, 'Send an event to this endpoint again'),

  // Called by SMS vendors.
  'GET /v1/dlr/:provider/:messageId': op('receiveMessageReceiptByGet', receipts, 'Delivery receipt for one message (GET)'),
  'POST /v1/dlr/:provider/:messageId': op('receiveMessageReceipt', receipts, 'Delivery receipt for one message'),
  'GET /v1/dlr/:provider': op('receiveAccountReceiptByGet', receipts, 'Delivery receipt to an account-wide URL (GET)'),
  'POST /v1/dlr/:provider': op('receiveAccountReceipt', receipts, 'Delivery receipt to an account-wide URL (instance providers)'),

  // Twilio Verify v2, for the official Twilio SDKs.
  'POST /v2/Services': op('twilioCreateService', twilio, 'Create a service (Twilio)'),
  'GET /v2/Services': op('twilioListServices', twilio, 'List services (Twilio)'),
  'GET /v2/Services/:ServiceSid': op('twilioFetchService', twilio, 'Fetch a service (Twilio)'),
  'POST /v2/Services/:ServiceSid': op('twilioUpdateService', twilio, 'Update a service (Twilio)'),
  'DELETE /v2/Services/:ServiceSid': op('twilioDeleteService', twilio, 'Delete a service (Twilio)'),
  'POST /v2/Services/:ServiceSid/Verifications': op('twilioCreateVerification', twilio, 'Start a verification (Twilio)'),
  'GET /v2/Services/:ServiceSid/Verifications/:Sid': op('twilioFetchVerification', twilio, 'Fetch a verification (Twilio)'),
  'POST /v2/Services/:ServiceSid/Verifications/:Sid': op('twilioUpdateVerification', twilio, 'Cancel or approve a verification (Twilio)'),
  'POST /v2/Services/:ServiceSid/VerificationCheck': op('twilioCreateVerificationCheck', twilio, 'Check a code (Twilio)'),
  'GET /v2/Attempts': op('twilioListVerificationAttempts', twilio, 'List attempts (Twilio)'),
  'GET /v2/Attempts/Summary': op('twilioFetchVerificationAttemptsSummary', twilio, 'Summarise attempts (Twilio)'),
  'GET /v2/Attempts/:Sid': op('twilioFetchVerificationAttempt', twilio, 'Fetch an attempt (Twilio)'),
  'POST /v2/Services/:ServiceSid/RateLimits': op('twilioCreateRateLimit', twilio, 'Create a rate limit (Twilio)'),
  'GET /v2/Services/:ServiceSid/RateLimits': op('twilioListRateLimits', twilio, 'List rate limits (Twilio)'),
  'GET /v2/Services/:ServiceSid/RateLimits/:Sid': op('twilioFetchRateLimit', twilio, 'Fetch a rate limit (Twilio)'),
  'POST /v2/Services/:ServiceSid/RateLimits/:Sid': op('twilioUpdateRateLimit', twilio, 'Update a rate limit (Twilio)'),
  'DELETE /v2/Services/:ServiceSid/RateLimits/:Sid': op('twilioDeleteRateLimit', twilio, 'Delete a rate limit and its buckets (Twilio)'),
  'POST /v2/Services/:ServiceSid/RateLimits/:RateLimitSid/Buckets': op('twilioCreateBucket', twilio, 'Create a bucket (Twilio)'),
  'GET /v2/Services/:ServiceSid/RateLimits/:RateLimitSid/Buckets': op('twilioListBuckets', twilio, 'List buckets (Twilio)'),
  'GET /v2/Services/:ServiceSid/RateLimits/:RateLimitSid/Buckets/:Sid': op('twilioFetchBucket', twilio, 'Fetch a bucket (Twilio)'),
  'POST /v2/Services/:ServiceSid/RateLimits/:RateLimitSid/Buckets/:Sid': op('twilioUpdateBucket', twilio, 'Update a bucket (Twilio)'),
  'DELETE /v2/Services/:ServiceSid/RateLimits/:RateLimitSid/Buckets/:Sid': op('twilioDeleteBucket', twilio, 'Delete a bucket (Twilio)'),
  'POST /v2/Services/:ServiceSid/Webhooks': op('twilioCreateWebhook', twilio, 'Create a webhook (Twilio; an otpgate webhook endpoint)'),
  'GET /v2/Services/:ServiceSid/Webhooks': op('twilioListWebhooks', twilio, 'List webhooks (Twilio)'),
  'GET /v2/Services/:ServiceSid/Webhooks/:Sid': op('twilioFetchWebhook', twilio, 'Fetch a webhook (Twilio)'),
  'POST /v2/Services/:ServiceSid/Webhooks/:Sid': op('twilioUpdateWebhook', twilio, 'Update a webhook (Twilio)'),
  'DELETE /v2/Services/:ServiceSid/Webhooks/:Sid': op('twilioDeleteWebhook', twilio, 'Delete a webhook (Twilio)'),
  'POST /v2/Services/:ServiceSid/MessagingConfigurations': op('twilioCreateMessagingConfiguration', twilio, 'Create a messaging configuration for a country (Twilio)'),
  'GET /v2/Services/:ServiceSid/MessagingConfigurations': op('twilioListMessagingConfigurations', twilio, 'List messaging configurations (Twilio)'),
  'GET /v2/Services/:ServiceSid/MessagingConfigurations/:Country': op('twilioFetchMessagingConfiguration', twilio, 'Fetch a messaging configuration (Twilio)'),
  'POST /v2/Services/:ServiceSid/MessagingConfigurations/:Country': op('twilioUpdateMessagingConfiguration', twilio, 'Update a messaging configuration (Twilio)'),
  'DELETE /v2/Services/:ServiceSid/MessagingConfigurations/:Country': op('twilioDeleteMessagingConfiguration', twilio, 'Delete a messaging configuration (Twilio)'),
  'POST /v2/SafeList/Numbers': op('twilioCreateSafeListNumber', twilio, 'Add a number to the safe list (Twilio)'),
  'GET /v2/SafeList/Numbers/:PhoneNumber': op('twilioFetchSafeListNumber', twilio, 'Fetch a safe-listed number (Twilio)'),
  'DELETE /v2/SafeList/Numbers/:PhoneNumber': op('twilioDeleteSafeListNumber', twilio, 'Remove a number from the safe list (Twilio)'),
  'GET /v2/Templates': op('twilioListTemplates', twilio, 'List message templates (Twilio)'),
});

/** The table's key for a route. */
export const operationKey = (method: string, url: string): string => `${method} ${url}`;

/** A Fastify url as the OpenAPI document writes it: `/v1/services/:id` → `/v1/services/{id}`. */
export const documentPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

type DocumentOperation = { operationId?: string; tags?: string[]; summary?: string; parameters?: unknown[] };

/** The header a create takes to be retried safely (IETF Idempotency-Key draft; rule H1). */
export const IDEMPOTENCY_KEY_PARAMETER = Object.freeze({
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: the same key with the same body replays the first answer (header Idempotent-Replayed: true) and does the work once; ' +
    'with another body it is 422 idempotency_key_reused; while the first request runs it is 409 idempotency_key_in_use. ' +
    'Keys are 1–255 printable ASCII characters, kept per service and mode; send a new random one (a UUID) per operation, the same one on its retries.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$', examples: ['3f1c8a52-9d0e-4b7a-a6f2-0c1d2e3f4a5b'] },
});

/**
 * Gives every operation of a generated document its id, tags and summary from the table (the
 * table wins over what a route file says, so names live in one place). Done on the document, per
 * method, rather than on the route: one route may serve GET and POST (delivery receipts), and
 * each method needs an id of its own. An operation without an entry is left as it is; the
 * OpenAPI test names it.
 */
export function applyOperations(paths: Record<string, Record<string, DocumentOperation>>): void {
  const byDocumentKey = new Map(Object.entries(OPERATIONS).map(([key, entry]) => {
    const [method = '', url = ''] = key.split(' ');
    return [`${method.toLowerCase()} ${documentPath(url)}`, entry] as const;
  }));
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const entry = byDocumentKey.get(`${method} ${path}`);
      // A copy: @fastify/swagger shares one object between the methods of one route.
      if (!entry) continue;
      const parameters = entry.idempotent ? [...(operation.parameters ?? []), { ...IDEMPOTENCY_KEY_PARAMETER }] : operation.parameters;
      operations[method] = { ...operation, operationId: entry.operationId, tags: [...entry.tags], summary: entry.summary, ...(parameters ? { parameters } : {}) };
    }
  }
}
