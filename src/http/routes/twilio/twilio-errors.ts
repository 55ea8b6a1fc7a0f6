import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../../core/errors.js';
import type { ErrorCode } from '../../../core/errors.js';
import { fromFastifyError } from '../../plugins/problem.js';

/**
 * Our catalog codes → Twilio's error codes and HTTP statuses. Twilio answers every check or
 * cancel of a verification that is no longer pending with 20404, so the final-state errors all
 * become 20404 here (the native API keeps them apart). Every code of the catalog is here (the
 * type says so), so no error of ours can leave /v2 as an unexplained 500.
 */
const TWILIO_CODES: Record<ErrorCode, { code: number; status: number; message?: string }> = {
  invalid_request: { code: 60200, status: 400 },
  invalid_phone_number: { code: 60200, status: 400 },
  invalid_cursor: { code: 60200, status: 400 },
  invalid_webhook_url: { code: 60200, status: 400 },
  // Twilio's "Delivery channel disabled".
  channel_not_enabled: { code: 60223, status: 400, message: 'Delivery channel disabled' },
  channel_not_configured: { code: 60223, status: 400, message: 'Delivery channel disabled' },
  email_not_allowed: { code: 60605, status: 403, message: 'Verification delivery attempt blocked' },
  // Twilio's Verify error dictionary (docs/api/errors/602xx): these are all HTTP 400 there.
  invalid_unique_name: { code: 60209, status: 400, message: 'UniqueName format is invalid' },
  duplicate_unique_name: { code: 60208, status: 400, message: 'Rate limit with that UniqueName already exists' },
  duplicate_bucket_interval: { code: 60211, status: 400, message: 'Bucket with the given Interval already exists' },
  messaging_configuration_exists: { code: 60213, status: 400, message: 'A Messaging Configuration already exists for the given country' },
  not_supported: { code: 60204, status: 400, message: 'Service does not support this feature' },
  // "If an unsupported override locale is given, a 404 error will be returned" (Verify supported languages).
  unsupported_locale: { code: 20404, status: 404, message: 'Locale not supported' },
  // A custom code while one is pending: Twilio's "invalid parameter", whatever the code (no oracle, T2).
  verification_pending: { code: 60200, status: 400 },
  receipt_refused: { code: 20403, status: 403 },
  event_not_found: { code: 20404, status: 404 },
  webhook_endpoint_not_found: { code: 20404, status: 404 },
  idempotency_key_in_use: { code: 20409, status: 409 },
  idempotency_key_reused: { code: 20422, status: 422 },
  webhook_endpoint_disabled: { code: 20409, status: 409 },
  webhook_delivery_in_flight: { code: 20409, status: 409 },
  outbox_unavailable: { code: 20409, status: 409 },
  last_admin_key: { code: 20409, status: 409 },
  too_many_webhook_endpoints: { code: 20409, status: 409 },
  request_timeout: { code: 20408, status: 408 },
  headers_too_large: { code: 20431, status: 431 },
  internal_error: { code: 20500, status: 500, message: 'Internal Server Error' },
  too_many_connections: { code: 20503, status: 503, message: 'Service Unavailable' },
  unsupported_line_type: { code: 60205, status: 400, message: 'SMS is not supported by landline phone number' },
  unauthorized: { code: 20003, status: 401, message: 'Authenticate' },
  forbidden: { code: 20403, status: 403 },
  not_found: { code: 20404, status: 404 },
  verification_not_found: { code: 20404, status: 404 },
  verification_already_approved: { code: 20404, status: 404 },
  verification_canceled: { code: 20404, status: 404 },
  verification_expired: { code: 20404, status: 404 },
  verification_failed: { code: 20404, status: 404 },
  max_attempts_reached: { code: 60202, status: 429, message: 'Max check attempts reached' },
  max_sends_reached: { code: 60203, status: 429, message: 'Max send attempts reached' },
  resend_cooldown: { code: 20429, status: 429, message: 'Too Many Requests' },
  rate_limited: { code: 20429, status: 429, message: 'Too Many Requests' },
  concurrent_send: { code: 60212, status: 429, message: 'Too many concurrent requests for phone number' },
  // Abuse controls (docs/abuse.md) as Twilio reports them: Geo Permissions, Fraud Guard's 12 h prefix block.
  country_not_allowed: { code: 60605, status: 403, message: 'Verification delivery attempt blocked' },
  prefix_blocked: { code: 60410, status: 403, message: 'Verification delivery attempt blocked' },
  quota_exceeded: { code: 20429, status: 429, message: 'Too Many Requests' },
  payload_too_large: { code: 20413, status: 413 },
  uri_too_long: { code: 20414, status: 414 },
  unsupported_media_type: { code: 20415, status: 415 },
  service_unavailable: { code: 20503, status: 503, message: 'Service Unavailable' },
};

export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
  /**
   * Where both official SDKs look for more (`RestException.details` in Node.js,
   * `TwilioRestException.details` in Python): otpgate's catalog code and explanation, e.g. which
   * final state a 20404 check met (`verification_expired`).
   */
  details?: { code: ErrorCode; message: string };
}

/** Twilio's error body for an error of ours; resource-not-found messages name the path as Twilio's do. */
export function twilioError(error: AppError, path: string): TwilioErrorBody {
  const mapped = TWILIO_CODES[error.code];
  let message = mapped.message ?? error.message;
  if (mapped.code === 20404 && mapped.message === undefined) message = `The requested resource ${path} was not found`;
  const body: TwilioErrorBody = { code: mapped.code, message, more_info: `https://www.twilio.com/docs/errors/${mapped.code}`, status: mapped.status };
  // A fixed Twilio message (or the path of a 20404) loses our explanation: it goes in `details`.
  if (message !== error.message) body.details = { code: error.code, message: error.message };
  return body;
}

export function sendTwilioError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  const path = request.url.split('?')[0]!.replace(/^\/v2/, '');
  const body = twilioError(error, path);
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  if (body.status === 401) reply.header('www-authenticate', 'Basic realm="otpgate Twilio-compatible API"');
  return reply.code(body.status).type('application/json').send(JSON.stringify(body));
}

/** Validation errors name the first bad Twilio parameter, as Twilio's 60200 messages do. */
export function toAppErrorForTwilio(error: FastifyError | AppError): AppError {
  if (error instanceof AppError) return error;
  if (error.validation && error.validation.length > 0) {
    const issue = error.validation[0]!;
    const missing = (issue.params as { missingProperty?: string } | undefined)?.missingProperty;
    const name = missing ?? issue.instancePath.replace(/^\//, '');
    return new AppError('invalid_request', `Invalid parameter${name ? ` \`${name}\`` : ''}: ${issue.message ?? 'is invalid'}`);
  }
  return fromFastifyError(error);
}
