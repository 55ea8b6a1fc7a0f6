// The ceiling: the smallest Fastify server that does the same kind of HTTP work as a start —
// a POST with a JSON body of a start's size, parsed and validated against a schema, answered
// with a JSON object of a verification's size through a response schema — measured with the
// same load settings in the same run as otpgate, so every otpgate figure can be read as a ratio
// to "what this machine and this Node can do at all right now" for that work. No storage, no
// logging, no TypeScript loader.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const answer = {
  id: 'ver_01kb0000000000000000000000',
  status: 'pending',
  to: '+14152000000',
  channel: 'sms',
  locale: 'en',
  attempts_remaining: 5,
  sends: [{ id: 'msg_01kb0000000000000000000000', status: 'queued', created_at: '2026-12-07T00:00:00.000Z' }],
  resend_available_at: '2026-12-07T00:00:30.000Z',
  expires_at: '2026-12-07T00:05:00.000Z',
  created_at: '2026-12-07T00:00:00.000Z',
};
const text = { type: 'string' };
app.post('/', {
  schema: {
    body: {
      type: 'object',
      required: ['to'],
      additionalProperties: false,
      properties: { to: { type: 'string', minLength: 3, maxLength: 32 }, channel: { type: 'string', maxLength: 16 }, client_ip: { type: 'string', maxLength: 64 } },
    },
    response: {
      201: {
        type: 'object',
        properties: {
          id: text, status: text, to: text, channel: text, locale: text, attempts_remaining: { type: 'integer' },
          sends: { type: 'array', items: { type: 'object', properties: { id: text, status: text, created_at: text } } },
          resend_available_at: text, expires_at: text, created_at: text,
        },
      },
    },
  },
}, async (request, reply) => reply.code(201).send({ ...answer, to: request.body.to }));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`listening at ${address}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
