import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Container } from '../../../container.js';
import { adminOnly } from '../../plugins/auth.js';
import { auditChange } from '../../plugins/audit.js';
import { IdParam, problemResponses } from '../../schemas.js';

const tags = ['Services'];
const security = [{ bearer: [] }];

const TemplateCheckSchema = Type.Object({
  ok: Type.Boolean({ description: 'False when the template cannot be used (see errors)' }),
  errors: Type.Array(Type.String(), { description: 'Why the template cannot be used', examples: [['template must contain {code}']] }),
  warnings: Type.Array(Type.String(), { description: 'UCS-2, several segments, unknown placeholders… (rule M2)', examples: [['message goes UCS-2 (70 characters per segment instead of 160) because of: é']] }),
  encoding: Type.Union([Type.Literal('GSM-7'), Type.Literal('UCS-2')], { description: 'The alphabet the message needs', examples: ['GSM-7'] }),
  segments: Type.Integer({ description: 'With a 10-digit code and a 20-character service name', examples: [1] }),
  units: Type.Integer({ description: 'GSM-7 septets or UTF-16 units of the sample message', examples: [58] }),
}, { description: 'What the template costs (rule M2)' });

const TemplateSchema = Type.Object({
  locale: Type.String({ examples: ['fr'] }),
  text: Type.String({ examples: ['{code} est votre code {service}. Ne le partagez pas.'] }),
  source: Type.Union([Type.Literal('service'), Type.Literal('inherited'), Type.Literal('built_in')], {
    description: 'The service\'s own text; its own text for the base language (inherited: its pt text for pt-BR, es for es-419, en for en-GB, fr for fr-CA, zh for zh-CN); or otpgate\'s built-in text (with or without the "do not share" sentence, per do_not_share_warning)',
  }),
  check: TemplateCheckSchema,
}, { description: 'A message template' });

const LocaleParams = Type.Object({ id: Type.String({ maxLength: 64 }), locale: Type.String({ maxLength: 35, description: 'A supported locale (en, fr, pt-BR…)' }) });

/** Per-service message templates by locale (admin key). */
export const templatesRoutes = (c: Container): FastifyPluginAsyncTypebox => async (app) => {
  const admin = adminOnly(c.tenancy);

  app.get('/v1/services/:id/templates', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'List a service\'s templates', description: 'Every supported locale, with the service\'s own text or the built-in one, and its segment check.',
      params: IdParam, response: { 200: Type.Object({ data: Type.Array(TemplateSchema, { description: 'One entry per supported locale' }) }), ...problemResponses(401, 403, 404) },
    },
  }, async (request) => ({ data: await c.templates.list(request.params.id) }));

  app.put('/v1/services/:id/templates/:locale', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'Set a template',
      description: 'The text must hold {code} and may hold {service}. The WebOTP line and app hash are added by otpgate. Warnings (UCS-2, more than one segment) do not refuse it.',
      params: LocaleParams,
      body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 1000, examples: ['{code} est votre code {service}.'] }) }, { additionalProperties: false }),
      response: { 200: TemplateSchema, ...problemResponses(400, 401, 403, 404) },
    },
    config: { audit: 'template.updated' },
  }, async (request) => {
    const { template, previous } = await c.templates.put(request.params.id, request.params.locale, request.body.text);
    auditChange(request, { targetId: template.locale, before: previous === null ? null : { text: previous }, after: { text: template.text } });
    return template;
  });

  app.post('/v1/services/:id/templates/:locale/preview', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'Preview a template',
      description: 'Checks a text as PUT would and renders it with the code 123456 and this service\'s name, WebOTP line and app hash. Nothing is saved.',
      params: LocaleParams,
      body: Type.Object({ text: Type.String({ maxLength: 1000, examples: ['{code} est votre code {service}.'] }) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          check: TemplateCheckSchema,
          body: Type.Union([Type.String(), Type.Null()], { description: 'The message with the code 123456; null when the text cannot be used', examples: ['123456 est votre code Acme.'] }),
        }, { description: 'The preview' }),
        ...problemResponses(400, 401, 403, 404),
      },
    },
  }, async (request) => c.templates.preview(request.params.id, request.params.locale, request.body.text));

  app.delete('/v1/services/:id/templates/:locale', {
    onRequest: admin,
    schema: {
      tags, security, summary: 'Drop a template', description: 'The locale goes back to the built-in text.',
      params: LocaleParams, response: { 204: Type.Null({ description: 'Dropped' }), ...problemResponses(400, 401, 403, 404) },
    },
    config: { audit: 'template.deleted' },
  }, async (request, reply) => {
    const { locale, previous } = await c.templates.remove(request.params.id, request.params.locale);
    auditChange(request, { targetId: locale, before: { text: previous } });
    return reply.code(204).send(null);
  });
};
