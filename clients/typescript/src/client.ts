import createFetchClient from 'openapi-fetch';
import type { Client } from 'openapi-fetch';
import { OtpgateProblem } from './problem.js';
import type { components, paths } from './schema.js';

type JsonBody<T> = T extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;
type JsonResponse<T, S extends number> = T extends { responses: { [K in S]: { content: { 'application/json': infer B } } } } ? B : never;

/** A verification: its status, attempts left, expiry and sends. */
export type Verification = components['schemas']['Verification'];
/** The body of POST /v1/verifications. */
export type StartVerificationRequest = JsonBody<paths['/v1/verifications']['post']>;
/** The body of POST /v1/verifications/check: `to` or `id`, and the code. */
export type CheckVerificationRequest = JsonBody<paths['/v1/verifications/check']['post']>;
/** The outcome of a check that was evaluated: `valid` and `status` say whether it approved. */
export type CheckResult = JsonResponse<paths['/v1/verifications/check']['post'], 200>;

export interface OtpgateClientOptions {
  /** The server's base URL, e.g. `https://otp.example.com` (no trailing path). */
  baseUrl: string;
  /** A service key (`og_live_…`, `og_test_…`) or an admin key, sent as a bearer token. */
  apiKey: string;
  /**
   * How many times a start is retried after a network error, a 5xx or a 409
   * `idempotency_key_in_use`, with the same Idempotency-Key. Default 2 (three attempts in all).
   */
  retries?: number;
  /** The first wait between attempts, in ms, doubled each time. A Retry-After from the server wins. Default 250. */
  retryDelayMs?: number;
  /** No wait is longer than this (ms); a Retry-After beyond it is not waited for, the problem is thrown. Default 5000. */
  maxRetryDelayMs?: number;
  /** The fetch to use. Default `globalThis.fetch`. */
  fetch?: (request: Request) => Promise<Response>;
  /** Makes an Idempotency-Key for a start that was given none. Default `crypto.randomUUID()`. */
  newIdempotencyKey?: () => string;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface StartOptions extends RequestOptions {
  /**
   * Sent as `Idempotency-Key`, the same on every retry. Default a new random key per call. Pass
   * your own (for example an id of the sign-in attempt) to make retries across processes safe.
   */
  idempotencyKey?: string;
}

export interface OtpgateClient {
  /** Every operation of the API, typed from the OpenAPI document (openapi-fetch): `api.GET('/v1/events', …)`. */
  readonly api: Client<paths>;
  /** Sends a code (POST /v1/verifications). Retried safely: one Idempotency-Key for all attempts, so one SMS. */
  startVerification(body: StartVerificationRequest, options?: StartOptions): Promise<Verification>;
  /**
   * Checks a code (POST /v1/verifications/check). A wrong code is a result (`valid: false`), not an
   * error; a verification that can no longer be approved throws its problem (`max_attempts_reached`,
   * `verification_expired`, …). Never retried: a check is not idempotent (each one spends an attempt).
   */
  checkVerification(body: CheckVerificationRequest, options?: RequestOptions): Promise<CheckResult>;
  /** Fetches a verification (GET /v1/verifications/{id}). */
  getVerification(id: string, options?: RequestOptions): Promise<Verification>;
  /** Cancels a pending verification (POST /v1/verifications/{id}/cancel). */
  cancelVerification(id: string, options?: RequestOptions): Promise<Verification>;
}

/** What an openapi-fetch call resolves to. */
interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a 2xx answer; anything else is thrown as an OtpgateProblem. */
function unwrap<T>(result: FetchResult<T>): T {
  if (!result.response.ok) throw new OtpgateProblem(result.response.status, result.error, result.response.headers);
  return result.data as T;
}

/** Whether an attempt of an idempotent request may be repeated with the same key. */
function retryable(problem: OtpgateProblem): boolean {
  if (problem.status === 409) return problem.code === 'idempotency_key_in_use';
  return problem.status === 500 || problem.status === 502 || problem.status === 503 || problem.status === 504;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** A client for otpgate's native API. */
export function createOtpgateClient(options: OtpgateClientOptions): OtpgateClient {
  const retries = options.retries ?? 2;
  const firstDelay = options.retryDelayMs ?? 250;
  const maxDelay = options.maxRetryDelayMs ?? 5000;
  const newKey = options.newIdempotencyKey ?? (() => globalThis.crypto.randomUUID());
  const api = createFetchClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    headers: { authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  return {
    api,
    async startVerification(body, { idempotencyKey = newKey(), signal } = {}) {
      for (let attempt = 0; ; attempt++) {
        const backoff = Math.min(maxDelay, firstDelay * 2 ** attempt);
        let result: FetchResult<Verification>;
        try {
          result = await api.POST('/v1/verifications', { body, headers: { 'Idempotency-Key': idempotencyKey }, ...(signal ? { signal } : {}) });
        } catch (error) {
          // The request may or may not have reached the server; the same key makes a retry safe either way.
          if (attempt >= retries || signal?.aborted) throw error;
          await sleep(backoff, signal);
          continue;
        }
        if (result.response.ok) return result.data as Verification;
        const problem = new OtpgateProblem(result.response.status, result.error, result.response.headers);
        const wait = problem.retryAfterSeconds === null ? backoff : problem.retryAfterSeconds * 1000;
        if (attempt >= retries || !retryable(problem) || wait > maxDelay) throw problem;
        await sleep(wait, signal);
      }
    },
    async checkVerification(body, { signal } = {}) {
      return unwrap(await api.POST('/v1/verifications/check', { body, ...(signal ? { signal } : {}) }));
    },
    async getVerification(id, { signal } = {}) {
      return unwrap(await api.GET('/v1/verifications/{id}', { params: { path: { id } }, ...(signal ? { signal } : {}) }));
    },
    async cancelVerification(id, { signal } = {}) {
      return unwrap(await api.POST('/v1/verifications/{id}/cancel', { params: { path: { id } }, ...(signal ? { signal } : {}) }));
    },
  };
}
