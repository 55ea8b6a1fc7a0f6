import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { VerificationContext } from '../../../core/code-vault.js';
import { AppError } from '../../../core/errors.js';
import { isChannel } from '../../../core/model.js';
import type { Container } from '../../../container.js';
import { originOf } from '../../plugins/auth.js';
import { isSupportedLocale } from '../../../sms/templates.js';
import { assertTemplateUsable } from './templates.route.js';
import { tenantFor } from './twilio-auth.js';
import { idOf } from './sids.js';
import { SidParams, ServiceSidParam, VerificationCreateBody, VerificationUpdateBody, twilioErrors } from './twilio-schemas.js';
import type { Binding } from './twilio-views.js';
import { baseUrl, verificationResource } from './twilio-views.js';

const tags = ['Twilio-compatible'];
const security = [{ basic: [] }];

/**
 * Twilio's Amount and Payee are transaction binding: they become the verification's context, so
 * a check must repeat them exactly (rule C6). No Amount and no Payee is the empty context, the
 * same as a native start without `context`.
 */
export function bindingContext(binding: { Amount?: string | undefined; Payee?: string | undefined }): { context: VerificationContext | undefined; binding: Binding } {
  const context: VerificationContext = {};
  if (binding.Amount !== undefined) context.amount = binding.Amount;
  if (binding.Payee !== undefined) context.payee = binding.Payee;
  return {
    context: Object.keys(context).length === 0 ? undefined : context,
    binding: { amount: binding.Amount ?? null, payee: binding.Payee ?? null },
  };
}

/** Twilio sends RateLimits as a JSON object of unique name → value. */
function parseRateLimits(raw: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new AppError('invalid_request', 'Invalid parameter `RateLimits`: not a JSON object.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new AppError('invalid_request', 'Invalid parameter `RateLimits`: not a JSON object.');
  return Object.fromEntries(Object.entries(parsed).map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]));
}

export function verificationIdOf(sid: string): string {
  const id = idOf('VE', sid);
  if (id === null) throw new AppError('verification_not_found', `No verification ${sid}.`);
  return id;
}

export const twilioVerificationsRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/Services/:ServiceSid/Verifications', {
    schema: {
      tags, security, summary: 'Start a verification (Twilio)',
      description:
        'Sends a code by SMS. While one is pending for the same To (and Amount/Payee), this re-sends it (same sid); ' +
        'the sixth send answers 60203. Channel is sms, whatsapp, call or email (one of the service\'s channels).',
      consumes: ['application/x-www-form-urlencoded'],
      params: ServiceSidParam, body: VerificationCreateBody,
      response: { 201: Type.Ref('TwilioVerification'), ...twilioErrors(400, 401, 403, 404, 429) },
    },
  }, async (request, reply) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const body = request.body;
    // Twilio's channels otpgate has (sms, whatsapp, call, email); `sna` and `auto` are not supported.
    if ((body as Record<string, unknown>).ChannelConfiguration !== undefined) {
      throw new AppError('not_supported', 'ChannelConfiguration is not supported: emails come from OTPGATE_EMAIL_FROM (or the service\'s email_from) under the service\'s name.');
    }
    const channel = body.Channel.toLowerCase();
    if (!isChannel(channel)) {
      throw new AppError('not_supported', `Channel "${body.Channel}" is not supported; otpgate sends by sms, whatsapp, call and email.`);
    }
    // Twilio answers an unsupported Locale with 404 (its "supported languages" page), and a
    // TemplateSid names one of the account's templates: here, the service's own.
    if (body.Locale !== undefined && body.Locale !== '' && !isSupportedLocale(body.Locale)) {
      throw new AppError('unsupported_locale', `Locale "${body.Locale}" is not supported; leave Locale out to pick the language from the number's country.`);
    }
    if (body.TemplateSid !== undefined) await assertTemplateUsable(c, tenant.service, body.TemplateSid, 'TemplateSid');
    const { context, binding } = bindingContext(body);
    const rateLimits = body.RateLimits === undefined ? undefined : parseRateLimits(body.RateLimits);
    const started = await c.verifications.start(tenant, {
      to: body.To,
      channel,
      locale: body.Locale,
      context,
      origin: originOf(request, body.DeviceIp, 'DeviceIp'),
      customCode: body.CustomCode,
      friendlyName: body.CustomFriendlyName,
      appHash: body.AppHash,
      rateLimits,
    });
    return reply.code(201).send(verificationResource(baseUrl(request), started.verification, started.messages, binding));
  });

  app.get('/Services/:ServiceSid/Verifications/:Sid', {
    schema: {
      tags, security, summary: 'Fetch a verification (Twilio)', params: SidParams,
      response: { 200: Type.Ref('TwilioVerification'), ...twilioErrors(401, 404) },
    },
  }, async (request) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const found = await c.verifications.get(tenant, verificationIdOf(request.params.Sid));
    return verificationResource(baseUrl(request), found.verification, found.messages);
  });

  app.post('/Services/:ServiceSid/Verifications/:Sid', {
    schema: {
      tags, security, summary: 'Cancel or approve a verification (Twilio)',
      description: 'Status=canceled cancels a pending verification; Status=approved approves a pending custom-code verification. Anything no longer pending is 20404.',
      consumes: ['application/x-www-form-urlencoded'],
      params: SidParams, body: VerificationUpdateBody,
      response: { 200: Type.Ref('TwilioVerification'), ...twilioErrors(400, 401, 403, 404, 429) },
    },
  }, async (request) => {
    const tenant = await tenantFor(c.tenancy, request.principal!, request.params.ServiceSid);
    const id = verificationIdOf(request.params.Sid);
    const result = request.body.Status === 'canceled' ? await c.verifications.cancel(tenant, id) : await c.verifications.approve(tenant, id);
    return verificationResource(baseUrl(request), result.verification, result.messages);
  });
};
