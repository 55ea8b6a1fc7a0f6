import pino from 'pino';
import type { OutgoingMessage, SendResult } from '../../src/core/ports.js';
import { SendError } from '../../src/core/ports.js';
import { cryptoRandom } from '../../src/core/random.js';
import { validateDefinition } from '../../src/sms/provider-registry.js';
import type { ProviderModule, ReceiptOutcome, ReceiptRequest } from '../../src/sms/provider-types.js';
import { FakeClock } from './fake-clock.js';

export const SMS: OutgoingMessage = {
  messageId: 'msg_01jf3k9x2m8q7r6t5v4w3y2z1a',
  verificationId: 'ver_01jf3k9x2m8q7r6t5v4w3y2z1a',
  serviceId: 'svc_01jf3k9x2m8q7r6t5v4w3y2z1a',
  mode: 'live',
  to: '+4915112345678',
  body: '123456 is your Acme verification code. Do not share it.',
  content: { channel: 'sms' },
  redactedBody: '****** is your Acme verification code. Do not share it.',
  country: 'DE',
  from: 'Acme',
  callbackUrl: 'https://otp.example.com/v1/dlr/p/msg_01jf3k9x2m8q7r6t5v4w3y2z1a',
};

/** Sends one SMS through a provider module with real fetch (to a local stub). */
export async function sendWith(module: ProviderModule, settings: Record<string, string>, sms: Partial<OutgoingMessage> = {}): Promise<SendResult> {
  const definition = validateDefinition({ name: 'p', type: module.type, settings }, (k) => k);
  const logger = pino({ level: 'silent' });
  const clock = new FakeClock();
  const provider = module.create(definition, {
    fetch: globalThis.fetch,
    logger,
    clock,
    random: cryptoRandom,
    devOutbox: { addDevOutboxEntry: async () => {}, listDevOutbox: async () => [] },
  });
  return provider.send({ ...SMS, ...sms });
}

/** The SendError a send fails with (the test fails if it succeeds). */
export async function sendError(module: ProviderModule, settings: Record<string, string>): Promise<SendError> {
  try {
    await sendWith(module, settings);
  } catch (error) {
    if (error instanceof SendError) return error;
    throw error;
  }
  throw new Error('expected the send to fail');
}

export function receiptWith(module: ProviderModule, settings: Record<string, string>, request: Partial<ReceiptRequest>): Promise<ReceiptOutcome> {
  const definition = validateDefinition({ name: 'p', type: module.type, settings }, (k) => k);
  return Promise.resolve(
    module.receipt!(definition, { method: 'POST', url: SMS.callbackUrl!, headers: {}, query: {}, rawBody: '', fields: {}, now: Date.now(), ...request }),
  );
}

export const form = (body: string) => Object.fromEntries(new URLSearchParams(body).entries());
