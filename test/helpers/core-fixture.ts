import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { expect } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createContainer } from '../../src/container.js';
import type { Container } from '../../src/container.js';
import { AppError } from '../../src/core/errors.js';
import type { Origin, ServiceRecord, Tenant } from '../../src/core/model.js';
import type { OutgoingMessage, MessageSender } from '../../src/core/ports.js';
import { tenantOf } from '../../src/core/scope.js';
import type { LiveTenant } from '../../src/core/scope.js';
import { FakeClock } from './fake-clock.js';

/** Where core tests' starts and checks come from. */
export const ORIGIN: Origin = { sourceIp: '192.0.2.10', clientIp: null };

/** A service's live world, as a live key acts in it. */
export const live = (service: ServiceRecord): LiveTenant => tenantOf(service, 'live') as LiveTenant;

/** A service's test world, as a test-mode key acts in it. */
export const sandbox = (service: ServiceRecord): Tenant => tenantOf(service, 'test');

/** A provider that records what it was asked to send. */
export class RecordingSender implements MessageSender {
  readonly sent: OutgoingMessage[] = [];
  /** `name` other than "console" makes it stand for a real, billed provider. */
  constructor(readonly name = 'recording') {}
  async send(sms: OutgoingMessage) {
    this.sent.push(sms);
    return { providerMessageId: `rec-${this.sent.length}` };
  }
  codeOf(index = -1): string {
    const sms = this.sent.at(index);
    const code = sms && /\b(\d{4,10})\b/.exec(sms.body)?.[1];
    if (!code) throw new Error('no SMS sent');
    return code;
  }
}

/** Core services with a fake clock, the embedded store in memory and a recording provider. */
export async function createCoreFixture(): Promise<{ c: Container; clock: FakeClock; sender: RecordingSender }> {
  const clock = new FakeClock();
  const sender = new RecordingSender();
  const config = loadConfig({ OTPGATE_DATABASE_URL: 'sqlite::memory:', OTPGATE_SECRET: randomBytes(32).toString('hex') });
  const c = await createContainer(config, { clock, sender: () => sender, logger: pino({ level: 'silent' }), defaultMetrics: false });
  return { c, clock, sender };
}

/** The AppError a promise rejects with; fails unless it has catalog code `code`. */
export async function expectError(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}
