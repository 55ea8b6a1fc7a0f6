import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CATALOG } from '../../core/errors.js';
import type { ErrorCode } from '../../core/errors.js';
import { lingerAfterResponse } from '../connection-guard.js';

/** Renders every error as RFC 9457 problem+json. Nothing internal (stack, SQL) ever leaves. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  if (error.rateLimit !== undefined) {
    // draft-ietf-httpapi-ratelimit-headers (-10): structured-field lists named by policy;
    // q = quota, w = window (s); r = remaining, t = seconds until the quota has room again.
    const { limit, windowSeconds, remaining, resetSeconds } = error.rateLimit;
    // A structured-field string: printable ASCII with " and \ escaped (policy names can be user-defined).
    const policy = error.rateLimit.policy.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '\\$&');
    reply.header('ratelimit-policy', `"${policy}";q=${limit};w=${windowSeconds}`);
    reply.header('ratelimit', `"${policy}";r=${remaining};t=${resetSeconds}`);
  }
  return reply
    .code(error.status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: `urn:otpgate:error:${error.code}`,
        code: error.code,
        title: error.title,
        status: error.status,
        detail: error.message,
        request_id: request.id,
        ...error.extra,
      }),
    );
}

/** Maps what Fastify and its parsers throw to catalog codes. */
export function fromFastifyError(error: FastifyError): AppError {
  if (error.validation) {
    const errors = error.validation.map((issue) => ({
      path: `${error.validationContext ?? 'body'}${issue.instancePath || ''}`,
      message: issue.message ?? 'is invalid',
    }));
    const first = errors[0];
    return new AppError('invalid_request', first ? `${first.path} ${first.message}` : 'The request is invalid.', { extra: { errors } });
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('payload_too_large', 'The request body is larger than this server accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('unsupported_media_type', 'Send the body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid_request', 'The JSON body is empty.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('invalid_request', 'The body is not valid JSON.');
    default:
      break;
  }
  const status = error.statusCode ?? 500;
  if (status >= 500) return new AppError('internal_error', 'Something went wrong on our side; the request id helps us find it.');
  const code: ErrorCode = status === 404 ? 'not_found' : status === 413 ? 'payload_too_large' : status === 414 ? 'uri_too_long' : status === 415 ? 'unsupported_media_type' : status === 429 ? 'rate_limited' : 'invalid_request';
  // Client errors from parsers (bad JSON, bad encodings) carry messages that are safe to show.
  return new AppError(code, status === 400 ? error.message : ERROR_CATALOG[code].title);
}

export function registerProblemHandlers(app: FastifyInstance): void {
  // Every context (the Twilio routes have their own error handler): a body refused while it is
  // still arriving gets its 413 read by the client, not reset away.
  app.addHook('onError', async (request, _reply, error) => {
    if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') lingerAfterResponse(request.raw.socket);
  });
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    const problem = error instanceof AppError ? error : fromFastifyError(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ problem: problem.code, status: problem.status }, 'request refused');
    return sendProblem(request, reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, new AppError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`)),
  );
}
