import type { FastifyPluginAsync } from 'fastify';
import type { Container } from '../../container.js';
import { AppError } from '../../core/errors.js';
import { sendProblem } from '../plugins/problem.js';

/** Liveness, readiness and Prometheus metrics. No auth: keep these off the public listener in production. */
export const opsRoutes = (c: Container): FastifyPluginAsync => async (app) => {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    try {
      await c.store.ping();
      return { status: 'ready', store: c.store.dialect };
    } catch (error) {
      request.log.warn({ err: error }, 'store not ready');
      return sendProblem(request, reply, new AppError('service_unavailable', 'The store does not answer.', { retryAfterSeconds: 1 }));
    }
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(c.metrics.registry.contentType).send(await c.metrics.registry.metrics()),
  );
};
