import type { FastifyRequest } from 'fastify';
import { AppError } from '../../../core/errors.js';

type ObjectSchema = { properties?: Record<string, { type?: unknown }> } | undefined;

/**
 * Twilio reads a boolean parameter as `true`/`false` in any case, and the SDKs send both forms
 * (Python's 7.x sends `True`). Form and query values are text: the parameters whose schema is
 * boolean are lower-cased before validation coerces them, and only those (a FriendlyName "True"
 * stays as written).
 */
function normalizeBooleans(values: unknown, schema: ObjectSchema): void {
  if (typeof values !== 'object' || values === null || !schema?.properties) return;
  const record = values as Record<string, unknown>;
  for (const [name, property] of Object.entries(schema.properties)) {
    const value = record[name];
    if (property.type === 'boolean' && typeof value === 'string' && /^(true|false)$/i.test(value)) record[name] = value.toLowerCase();
  }
}

/**
 * Twilio's `Page` numbers the page that `PageToken` starts; the token is what places it. A page
 * number without a token would answer the first page under another number, so it is refused
 * (the SDKs never send one: they follow `next_page_url`, which carries both).
 */
function refuseUnplacedPage(query: unknown): void {
  if (typeof query !== 'object' || query === null) return;
  const { Page, PageToken } = query as { Page?: unknown; PageToken?: unknown };
  if (Page === undefined || PageToken !== undefined) return;
  if (String(Page) !== '0') {
    throw new AppError('invalid_request', 'Invalid parameter `Page`: pages after the first are reached through `next_page_url`, which carries `PageToken`.');
  }
}

/** Runs before validation on every /v2 route. */
export async function prepareTwilioInput(request: FastifyRequest): Promise<void> {
  const schema = request.routeOptions.schema as { body?: ObjectSchema; querystring?: ObjectSchema } | undefined;
  normalizeBooleans(request.body, schema?.body);
  normalizeBooleans(request.query, schema?.querystring);
  refuseUnplacedPage(request.query);
}
