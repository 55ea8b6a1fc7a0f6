import { parse as parseQuery } from 'node:querystring';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../../container.js';
import type { ReceiptAnswer, ReceiptService } from '../../../delivery/receipts.service.js';
import type { ReceiptRequest } from '../../../sms/provider-types.js';
import { problemResponses } from '../../schemas.js';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

const schemaBase = {
  tags: ['Delivery receipts'],
  description:
    'Called by SMS vendors, not by you: no bearer key, each vendor is authenticated its own way (X-Twilio-Signature, signed callbacks, a secret in the URL…). ' +
    'Refused with 403 receipt_refused otherwise. See docs/providers.md.',
  response: {
    200: Type.String({ description: 'Receipt taken, answered as the vendor requires: a subscription handshake\'s challenge (Meta\'s hub.challenge), or empty (text/plain)' }),
    204: Type.Null({ description: 'Receipt taken' }),
    ...problemResponses(400, 403, 415),
  },
};

const Provider = Type.String({ maxLength: 64 });

/** `/v1/dlr/...`: delivery receipts. Vendors post forms or JSON; signatures cover the raw body, so it is kept. */
export const dlrRoutes = (c: Container, receipts: ReceiptService): FastifyPluginAsyncTypebox => async (app) => {
  // Encapsulated: these parsers apply to receipt routes only.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/x-www-form-urlencoded', 'application/json', 'text/plain'], { parseAs: 'string', bodyLimit: 65_536 }, (request, body, done) => {
    request.rawBody = body as string;
    done(null, undefined);
  });

  const toReceipt = (request: FastifyRequest): ReceiptRequest => {
    const raw = request.rawBody ?? '';
    const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    let fields: Record<string, unknown> = {};
    if (type === 'application/x-www-form-urlencoded') {
      fields = Object.fromEntries(Object.entries(parseQuery(raw)).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
    } else if (type === 'application/json' && raw.length > 0) {
      try {
        const parsed = JSON.parse(raw) as unknown;
        if (parsed !== null && typeof parsed === 'object') fields = parsed as Record<string, unknown>;
      } catch {
        fields = {};
      }
    }
    const query = Object.fromEntries(new URLSearchParams(request.url.split('?')[1] ?? '').entries());
    const base = c.config.publicUrl ?? `${request.protocol}://${request.host}`;
    return {
      method: request.method,
      url: `${base}${request.url}`,
      headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v])),
      query,
      rawBody: raw,
      fields,
      now: c.clock.now(),
    };
  };

  const answer = (reply: FastifyReply, result: ReceiptAnswer) =>
    result.reply === undefined ? reply.code(204).send(null) : reply.code(200).type('text/plain; charset=utf-8').send(result.reply);

  const params = Type.Object({ provider: Provider, messageId: Type.String({ maxLength: 64 }) });
  app.route({
    method: ['GET', 'POST'],
    url: '/v1/dlr/:provider/:messageId',
    schema: { ...schemaBase, summary: 'Delivery receipt for one message', params },
    handler: async (request, reply) => {
      const { provider, messageId } = request.params as { provider: string; messageId: string };
      return answer(reply, await receipts.forMessage(provider, messageId, toReceipt(request)));
    },
  });

  app.route({
    method: ['GET', 'POST'],
    url: '/v1/dlr/:provider',
    schema: { ...schemaBase, summary: 'Delivery receipt to an account-wide URL (instance providers)', params: Type.Object({ provider: Provider }) },
    handler: async (request, reply) => {
      return answer(reply, await receipts.forInstanceProvider((request.params as { provider: string }).provider, toReceipt(request)));
    },
  });
};
