import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../../core/errors.js';
import type { Container } from '../../../container.js';
import { originOf } from '../../plugins/auth.js';
import { tenantFor } from './twilio-auth.js';
import { ServiceSidParam, TwilioVerificationCheck, VerificationCheckBody, twilioErrors } from './twilio-schemas.js';
import { verificationCheckResource } from './twilio-views.js';
import { bindingContext, verificationIdOf } from './verifications.route.js';

export const twilioVerificationCheckRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/Services/:ServiceSid/VerificationCheck', {
    schema: {
      tags: ['Twilio-compatible'], security: [{ basic: [] }], summary: 'Check a code (Twilio)',
      description:
        'Right code: approved, valid true. Wrong code: 200 with status pending and valid false. No attempts left: 60202 (429). ' +
        'A verification that is approved, expired or canceled: 20404.',
      consumes: ['application/x-www-form-urlencoded'],
      params: ServiceSidParam, body: VerificationCheckBody,
      response: { 200: TwilioVerificationCheck, ...twilioErrors(400, 401, 404, 429) },
    },
  }, async (request) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const body = request.body;
    if (body.To === undefined && body.VerificationSid === undefined) {
      throw new AppError('invalid_request', 'Invalid parameter: give either `To` or `VerificationSid`.');
    }
    const { context, binding } = bindingContext(body);
    const result = await c.verifications.check(tenant, {
      id: body.VerificationSid === undefined ? undefined : verificationIdOf(body.VerificationSid),
      to: body.VerificationSid === undefined ? body.To : undefined,
      code: body.Code,
      context,
      // Twilio's VerificationCheck has no end-user IP (DeviceIp here is ours); the connecting address always counts.
      origin: originOf(request, body.DeviceIp, 'DeviceIp'),
    });
    return verificationCheckResource(result.verification, result.valid, binding);
  });
};
