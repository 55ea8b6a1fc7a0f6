/**
 * The one error catalog. Every error that leaves otpgate is one of these codes, rendered as
 * RFC 9457 problem+json by the HTTP layer. Codes are snake_case and stable: clients branch on
 * `code`, never on `title` or `detail`.
 */
export const ERROR_CATALOG = {
  // 400 — the request itself is wrong
  invalid_request: { status: 400, title: 'Invalid request' },
  invalid_phone_number: { status: 400, title: 'Invalid phone number' },
  unsupported_line_type: { status: 400, title: 'Unsupported line type' },
  invalid_cursor: { status: 400, title: 'Invalid cursor' },
  invalid_webhook_url: { status: 400, title: 'Invalid webhook URL' },
  invalid_unique_name: { status: 400, title: 'Invalid unique name' },
  unsupported_locale: { status: 400, title: 'Unsupported locale' },
  not_supported: { status: 400, title: 'Not supported by otpgate' },
  // 401 / 403 — who is asking
  unauthorized: { status: 401, title: 'Missing or invalid API key' },
  forbidden: { status: 403, title: 'This key cannot do that' },
  country_not_allowed: { status: 403, title: 'SMS to this country is not allowed for this service' },
  channel_not_enabled: { status: 403, title: 'This service does not send by this channel' },
  email_not_allowed: { status: 403, title: 'Email to this address is not allowed for this service' },
  prefix_blocked: { status: 403, title: 'This destination prefix is blocked (suspected SMS pumping)' },
  receipt_refused: { status: 403, title: 'Delivery receipt refused' },
  // 404 — also what another tenant's resources look like (never 403: nothing leaks)
  not_found: { status: 404, title: 'Not found' },
  verification_not_found: { status: 404, title: 'Verification not found' },
  event_not_found: { status: 404, title: 'Event not found' },
  webhook_endpoint_not_found: { status: 404, title: 'Webhook endpoint not found' },
  // 409 / 410 — a verification that can no longer change
  verification_already_approved: { status: 409, title: 'Verification already approved' },
  verification_canceled: { status: 409, title: 'Verification canceled' },
  verification_failed: { status: 409, title: 'Verification failed' },
  verification_expired: { status: 410, title: 'Verification expired' },
  verification_pending: { status: 409, title: 'A verification is pending for this number' },
  idempotency_key_in_use: { status: 409, title: 'A request with this Idempotency-Key is in flight' },
  idempotency_key_reused: { status: 422, title: 'Idempotency-Key reused with a different request' },
  webhook_endpoint_disabled: { status: 409, title: 'Webhook endpoint disabled' },
  webhook_delivery_in_flight: { status: 409, title: 'This delivery is being sent right now' },
  last_admin_key: { status: 409, title: 'The last active admin key cannot be revoked' },
  too_many_webhook_endpoints: { status: 409, title: 'The service has as many webhook endpoints as it may' },
  channel_not_configured: { status: 409, title: 'No provider is configured for this channel' },
  duplicate_unique_name: { status: 409, title: 'A rate limit with this unique name exists' },
  duplicate_bucket_interval: { status: 409, title: 'A bucket with this interval exists' },
  messaging_configuration_exists: { status: 409, title: 'A messaging configuration exists for this country' },
  outbox_unavailable: { status: 409, title: 'The dev outbox is only kept by the console provider' },
  // 413 / 414 / 415
  uri_too_long: { status: 414, title: 'URI too long' },
  request_timeout: { status: 408, title: 'The request did not arrive in time' },
  headers_too_large: { status: 431, title: 'Request headers too large' },
  payload_too_large: { status: 413, title: 'Request body too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  // 429 — budgets
  max_attempts_reached: { status: 429, title: 'Maximum check attempts reached' },
  max_sends_reached: { status: 429, title: 'Maximum sends reached for this verification' },
  resend_cooldown: { status: 429, title: 'Resend requested too soon' },
  concurrent_send: { status: 429, title: 'Another send of this verification is in progress' },
  rate_limited: { status: 429, title: 'Too many requests' },
  quota_exceeded: { status: 429, title: 'Daily message or spend cap reached' },
  // 5xx — ours, never caused by input
  internal_error: { status: 500, title: 'Internal error' },
  service_unavailable: { status: 503, title: 'Service temporarily unavailable' },
  too_many_connections: { status: 503, title: 'Too many open connections' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export interface AppErrorOptions {
  /** Extra members of the problem document (RFC 9457 extension members). */
  extra?: Record<string, unknown>;
  /** Seconds for a `Retry-After` header (429 / 503). */
  retryAfterSeconds?: number;
  /** The budget that refused the request, for the IETF `RateLimit` / `RateLimit-Policy` headers. */
  rateLimit?: RateLimitInfo;
  cause?: unknown;
}

/** A budget as the RateLimit header fields describe it (draft-ietf-httpapi-ratelimit-headers). */
export interface RateLimitInfo {
  /** Policy name, e.g. `sends_per_phone`. */
  policy: string;
  /** Quota: events allowed per window. */
  limit: number;
  windowSeconds: number;
  remaining: number;
  /** Seconds until the quota has room again. */
  resetSeconds: number;
}

/** An expected failure, with a catalog code. Anything else that is thrown is a 500. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly extra: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly rateLimit: RateLimitInfo | undefined;

  constructor(code: ErrorCode, detail?: string, options: AppErrorOptions = {}) {
    const entry = ERROR_CATALOG[code];
    super(detail ?? entry.title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = entry.status;
    this.title = entry.title;
    this.extra = options.extra;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.rateLimit = options.rateLimit;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
