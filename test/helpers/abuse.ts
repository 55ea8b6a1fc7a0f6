import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { OutgoingMessage, SendResult, MessageSender, Store } from '../../src/core/ports.js';
import { cryptoRandom, systemClock } from '../../src/core/random.js';
import { ConsoleProvider } from '../../src/sms/providers/console.provider.js';
import { createHarness } from './harness.js';
import type { Harness, HarnessOptions } from './harness.js';
import { REDIS_URL } from './services.js';

/** The console provider, counting what it is asked to send: "the provider is not called". */
export class CountingConsole implements MessageSender {
  readonly name = 'console';
  readonly sent: OutgoingMessage[] = [];
  #inner: ConsoleProvider;
  constructor(store: Store, logger: Logger) {
    this.#inner = new ConsoleProvider({ fetch: globalThis.fetch, logger, clock: systemClock, random: cryptoRandom, devOutbox: store });
  }
  async send(sms: OutgoingMessage): Promise<SendResult> {
    this.sent.push(sms);
    return this.#inner.send(sms);
  }
}

export type Backend = 'sqlite' | 'redis';

/** A harness whose limits live in the SQLite store or in Redis (a random key prefix per harness). */
export async function abuseHarness(backend: Backend, options: HarnessOptions = {}): Promise<{ h: Harness; provider: () => CountingConsole }> {
  let provider: CountingConsole | null = null;
  const env: Record<string, string> = backend === 'redis' ? { OTPGATE_REDIS_URL: REDIS_URL, OTPGATE_REDIS_KEY_PREFIX: `otpgate-test-${randomBytes(6).toString('hex')}` } : {};
  const h = await createHarness({
    ...options,
    env: { ...env, ...options.env },
    overrides: {
      sender: (store, logger) => (provider = new CountingConsole(store, logger)),
      ...options.overrides,
    },
  });
  return { h, provider: () => provider! };
}
