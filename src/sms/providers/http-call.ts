import { SendError } from '../../core/ports.js';
import type { ProviderContext } from '../provider-types.js';

export interface HttpAnswer {
  status: number;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * One vendor call. Network failures and aborts become retryable `SendError`s, so the worker
 * retries or fails over; the vendor's own answer is left to the provider to interpret.
 */
export async function httpCall(context: ProviderContext, request: HttpRequest): Promise<HttpAnswer> {
  let response: Response;
  try {
    response = await context.fetch(request.url, {
      method: request.method,
      headers: request.headers ?? {},
      ...(request.body === undefined ? {} : { body: request.body }),
      ...(context.signal ? { signal: context.signal } : {}),
    });
  } catch (error) {
    const aborted = error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
    throw new SendError(aborted ? 'timeout' : 'network_error', aborted ? 'the provider did not answer in time' : describe(error), true);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}

/**
 * The retry rule for vendor HTTP statuses: throttling (429), time-outs (408) and server errors
 * (5xx) may succeed later or elsewhere; other 4xx answers will not.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export function statusError(vendorCode: string | number | null | undefined, status: number, detail: string): SendError {
  const code = vendorCode === null || vendorCode === undefined || vendorCode === '' ? `http_${status}` : String(vendorCode);
  return new SendError(code, `HTTP ${status}: ${detail.slice(0, 200)}`, isRetryableStatus(status));
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A member of a parsed JSON object, or undefined. */
export function field(value: unknown, ...path: Array<string | number>): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

export function requireHttpUrl(value: string): string | null {
  if (value !== value.trim()) return 'must be an http(s) URL without surrounding spaces';
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? null : 'must be an http(s) URL';
  } catch {
    return 'must be an http(s) URL';
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
