import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import type { ReadScope } from '../../core/model.js';
import type { Clock, IdempotencyStore } from '../../core/ports.js';
import { idempotencyScope } from '../../core/scope.js';

/** A claim whose process died is taken over after this long. */
const STALE_AFTER_MS = 60_000;

export interface Outcome {
  statusCode: number;
  body: unknown;
}

/**
 * Runs a create at most once per `Idempotency-Key` (IETF draft, rule H1): the same key with the
 * same body replays the first response; with another body it is 422; while the first is still
 * running it is 409. Failed requests release the key so a retry runs again. Never use this for
 * responses that carry secrets: they are stored as they were sent.
 *
 * A key is claimed within the caller's service and mode and the operation: a key first used by a
 * test-mode key (or another service) is another key for a live one, and never replays its answer (T1).
 */
export async function idempotent(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: { store: IdempotencyStore; clock: Clock },
  caller: ReadScope,
  operation: string,
  run: () => Promise<Outcome>,
): Promise<FastifyReply> {
  const scope = idempotencyScope(caller, operation);
  const header = request.headers['idempotency-key'];
  if (header === undefined) {
    const outcome = await run();
    return reply.code(outcome.statusCode).send(outcome.body);
  }
  const key = Array.isArray(header) ? header[0] ?? '' : header;
  if (key.length < 1 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new AppError('invalid_request', 'Idempotency-Key must be 1–255 printable ASCII characters.');
  }
  const requestHash = createHash('sha256').update(`${request.method} ${request.routeOptions.url ?? ''}\n${JSON.stringify(request.body ?? null)}`).digest('hex');
  const begun = await deps.store.beginIdempotent(scope, key, requestHash, deps.clock.now(), STALE_AFTER_MS);
  switch (begun.state) {
    case 'in_flight':
      throw new AppError('idempotency_key_in_use', 'The first request with this Idempotency-Key has not finished; retry shortly.', { retryAfterSeconds: 1 });
    case 'mismatch':
      throw new AppError('idempotency_key_reused', 'This Idempotency-Key was used with a different request body.');
    case 'done':
      return reply.code(begun.statusCode).header('idempotent-replayed', 'true').type('application/json').send(begun.body);
    case 'new':
      break;
  }
  let outcome: Outcome;
  try {
    outcome = await run();
  } catch (error) {
    await deps.store.abandonIdempotent(scope, key);
    throw error;
  }
  // Stored exactly as serialised by the route's response schema, so a replay is byte-identical.
  const body = String(reply.code(outcome.statusCode).serialize(outcome.body));
  await deps.store.completeIdempotent(scope, key, outcome.statusCode, body, deps.clock.now());
  return reply.type('application/json').send(body);
}
