import type { components } from './schema.js';

/** An RFC 9457 problem as otpgate sends it (application/problem+json). */
export type ProblemBody = components['schemas']['Problem'];

/**
 * An error answer of the API, thrown by the client's methods. Branch on `code` (stable, snake_case:
 * `max_attempts_reached`, `rate_limited`, `invalid_phone_number`, …), not on `detail` (prose).
 */
export class OtpgateProblem extends Error {
  override readonly name = 'OtpgateProblem';
  /** The stable machine code; `http_<status>` when the answer was not a problem document (a proxy's error page). */
  readonly code: string;
  /** The HTTP status. */
  readonly status: number;
  /** Short human summary of the code. */
  readonly title: string;
  /** What went wrong in this request. */
  readonly detail: string;
  /** Quote it when asking for help; also the X-Request-Id header. */
  readonly requestId: string | null;
  /** Seconds the server asked to wait (Retry-After), when it said. */
  readonly retryAfterSeconds: number | null;
  /** The whole problem document, with any extension members (verification_id, errors, …). */
  readonly problem: ProblemBody | null;

  constructor(status: number, body: unknown, headers?: Headers) {
    const problem = isProblemBody(body) ? body : null;
    const detail = problem?.detail ?? (typeof body === 'string' && body.length > 0 ? body.slice(0, 500) : `HTTP ${status}`);
    super(problem ? `${problem.code}: ${detail}` : `HTTP ${status}: ${detail}`);
    this.status = status;
    this.problem = problem;
    this.code = problem?.code ?? `http_${status}`;
    this.title = problem?.title ?? `HTTP ${status}`;
    this.detail = detail;
    this.requestId = problem?.request_id ?? headers?.get('x-request-id') ?? null;
    this.retryAfterSeconds = retryAfter(headers?.get('retry-after') ?? null);
  }
}

/** Whether `error` is a problem of the API, optionally with one of `codes`. */
export function isProblem(error: unknown, ...codes: string[]): error is OtpgateProblem {
  return error instanceof OtpgateProblem && (codes.length === 0 || codes.includes(error.code));
}

function isProblemBody(body: unknown): body is ProblemBody {
  if (body === null || typeof body !== 'object') return false;
  const candidate = body as Record<string, unknown>;
  return typeof candidate.code === 'string' && typeof candidate.status === 'number';
}

/** Retry-After is delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfter(value: string | null): number | null {
  if (value === null) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
