import { AppError } from '../../core/errors.js';

/** SQLSTATE classes and node errors that mean "the database is not reachable now", not "this query is wrong". */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P)/; // connection exception, insufficient resources, operator intervention
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// node-postgres reports these as plain Errors without a code.
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Cannot use a pool after calling end|the database system is (starting up|shutting down|in recovery mode)/i;

export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_NODE_CODES.has(code) || (code.length === 5 && UNAVAILABLE_SQLSTATE.test(code)))) return true;
  if (error instanceof AggregateError) return error.errors.some(isUnavailable);
  return UNAVAILABLE_MESSAGES.test(error.message);
}

/**
 * The one place where a lost database becomes `503 service_unavailable` (rule R3): every query of
 * the PostgreSQL store goes through it, so routes, the worker and /readyz all see the same error
 * and nothing internal (host names, SQL) reaches a client. Other errors pass through unchanged.
 */
export function mapDatabaseError(error: unknown): unknown {
  if (error instanceof AppError || !isUnavailable(error)) return error;
  return new AppError('service_unavailable', 'The database does not answer; retry shortly.', { retryAfterSeconds: 1, cause: error });
}
