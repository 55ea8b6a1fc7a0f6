import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../../core/errors.js';
import type { Container } from '../../../container.js';
import { twilioAttemptsRoutes } from './attempts.route.js';
import { twilioMessagingConfigurationsRoutes } from './messaging-configurations.route.js';
import { twilioRateLimitsRoutes } from './rate-limits.route.js';
import { twilioSafeListRoutes } from './safe-list.route.js';
import { twilioTemplatesRoutes } from './templates.route.js';
import { twilioWebhooksRoutes } from './webhooks.route.js';
import { twilioServicesRoutes } from './services.route.js';
import { authenticateBasic } from './twilio-auth.js';
import { sendTwilioError, toAppErrorForTwilio } from './twilio-errors.js';
import { prepareTwilioInput } from './twilio-input.js';
import { twilioVerificationCheckRoutes } from './verification-check.route.js';
import { twilioVerificationsRoutes } from './verifications.route.js';

/**
 * The Twilio Verify v2–compatible surface, registered under `/v2`. It only translates: Twilio's
 * form-encoded PascalCase parameters into calls on the same core services as `/v1`, and their
 * results and errors back into Twilio's resources and error bodies. Its parsers, auth and error
 * format are scoped to `/v2`, so the native API stays JSON and problem+json.
 */
export const twilioRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  await app.register(formbody);

  app.setErrorHandler((error, request, reply) => {
    const problem = toAppErrorForTwilio(error as Parameters<typeof toAppErrorForTwilio>[0]);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ problem: problem.code, status: problem.status }, 'request refused');
    return sendTwilioError(request, reply, problem);
  });
  app.setNotFoundHandler((request, reply) => sendTwilioError(request, reply, new AppError('not_found', 'No such resource.')));

  // Every /v2 route needs Basic credentials; a request without them never reaches a handler.
  app.addHook('onRequest', async (request) => {
    await authenticateBasic(c.tenancy, request);
  });
  app.addHook('preValidation', prepareTwilioInput);

  await app.register(twilioServicesRoutes(c));
  await app.register(twilioVerificationsRoutes(c));
  await app.register(twilioVerificationCheckRoutes(c));
  await app.register(twilioAttemptsRoutes(c));
  await app.register(twilioRateLimitsRoutes(c));
  await app.register(twilioWebhooksRoutes(c));
  await app.register(twilioMessagingConfigurationsRoutes(c));
  await app.register(twilioSafeListRoutes(c));
  await app.register(twilioTemplatesRoutes(c));
};
