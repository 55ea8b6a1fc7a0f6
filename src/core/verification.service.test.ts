import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Container } from '../container.js';
import type { FakeClock } from '../../test/helpers/fake-clock.js';
import { ORIGIN, createCoreFixture, expectError, live } from '../../test/helpers/core-fixture.js';
import type { RecordingSender } from '../../test/helpers/core-fixture.js';
import { AppError } from './errors.js';
import type { ServiceRecord } from './model.js';

/** Core rules with a fake clock, the embedded store in memory and a provider that records calls. */
let c: Container;
let clock: FakeClock;
let sender: RecordingSender;
let service: ServiceRecord;
const TO = '+14155550123';

beforeEach(async () => {
  ({ c, clock, sender } = await createCoreFixture());
  service = await c.tenancy.createService({ name: 'Acme' });
});

afterEach(async () => {
  await c.close();
});

async function startAndSend(input: Omit<Parameters<Container['verifications']['start']>[1], 'origin'> = { to: TO }) {
  const started = await c.verifications.start(live(service), { origin: ORIGIN, ...input });
  await c.worker.drainOnce();
  return started;
}

describe('lifetime (C4)', () => {
  it('accepts the right code at TTL−1 s', async () => {
    const { verification } = await startAndSend();
    clock.advanceSeconds(299);
    const result = await c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code: sender.codeOf() });
    expect(result.valid).toBe(true);
    expect(result.verification.status).toBe('approved');
  });

  it('refuses the right code at TTL, and keeps refusing it', async () => {
    const { verification } = await startAndSend();
    clock.advanceSeconds(300);
    await expectError(c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code: sender.codeOf() }), 'verification_expired');
    clock.advanceSeconds(-100); // even a clock that steps back cannot revive it
    await expectError(c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code: sender.codeOf() }), 'verification_expired');
    expect((await c.verifications.get(live(service), verification.id)).verification.status).toBe('expired');
  });

  it('does not deliver a code after it expired', async () => {
    const { verification } = await c.verifications.start(live(service), { origin: ORIGIN, to: TO });
    clock.advanceSeconds(301);
    await c.worker.drainOnce();
    expect(sender.sent).toHaveLength(0);
    const { messages } = await c.verifications.get(live(service), verification.id);
    expect(messages[0]?.status).toBe('expired');
  });
});

describe('single use (C5) and binding (C6)', () => {
  it('refuses the same code, and any code, after approval', async () => {
    const { verification } = await startAndSend();
    const code = sender.codeOf();
    expect((await c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code })).valid).toBe(true);
    await expectError(c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code }), 'verification_already_approved');
    await expectError(c.verifications.check(live(service), { origin: ORIGIN, to: TO, code }), 'verification_already_approved');
    await expectError(c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code: '000000' }), 'verification_already_approved');
  });

  it('never lets the code of verification A approve verification B of the same number', async () => {
    const a = await startAndSend({ to: TO, context: { action: 'login' } });
    const codeA = sender.codeOf();
    let b = await startAndSend({ to: TO, context: { action: 'change_phone' } });
    while (sender.codeOf() === codeA) {
      // One in a million: draw again so the test means what it says.
      await c.verifications.cancel(live(service), b.verification.id);
      b = await startAndSend({ to: TO, context: { action: 'change_phone' } });
    }
    expect(b.verification.id).not.toBe(a.verification.id);
    const result = await c.verifications.check(live(service), { origin: ORIGIN, id: b.verification.id, code: codeA, context: { action: 'change_phone' } });
    expect(result.valid).toBe(false);
    expect(result.verification.status).toBe('pending');
  });

  it('refuses a code checked with another context (amount, payee)', async () => {
    const context = { action: 'payment', amount: '49.90 EUR', payee: 'ACME Ltd' };
    const { verification } = await startAndSend({ to: TO, context });
    const code = sender.codeOf();
    const tampered = await c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code, context: { ...context, amount: '4990.00 EUR' } });
    expect(tampered.valid).toBe(false);
    const missing = await c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code });
    expect(missing.valid).toBe(false);
    const right = await c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code, context: { payee: 'ACME Ltd', amount: '49.90 EUR', action: 'payment' } });
    expect(right.valid).toBe(true);
  });
});

describe('attempts (B1, B3, B4)', () => {
  it('counts five wrong codes down to zero, then refuses even the right code', async () => {
    const { verification } = await startAndSend();
    const right = sender.codeOf();
    const wrong = right === '000000' ? '111111' : '000000';
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const result = await c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code: wrong });
      expect(result.valid).toBe(false);
      remaining.push(result.verification.maxAttempts - result.verification.attempts);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    const refused = await expectError(c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code: right }), 'max_attempts_reached');
    expect(refused.status).toBe(429);
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    clock.advanceSeconds(60);
    await expectError(c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code: right }), 'max_attempts_reached');
  });

  it('gives exactly one approval to 20 concurrent right checks', async () => {
    const { verification } = await startAndSend();
    const code = sender.codeOf();
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code })));
    const approved = results.filter((r) => r.status === 'fulfilled' && r.value.valid);
    expect(approved).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as AppError).code).toBe('verification_already_approved');
  });

  it('evaluates at most max_check_attempts of 50 concurrent wrong checks', async () => {
    // Budgets raised so that only the attempt counter decides (the per-phone limits have their own tests).
    service = await c.tenancy.createService({ name: 'Acme', failed_checks_per_phone_per_day: 100, velocity_limits: { checks_per_phone: { limit: 1000, window_seconds: 3600 } } });
    const { verification } = await startAndSend();
    const wrong = sender.codeOf() === '000000' ? '111111' : '000000';
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code: wrong })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(results.filter((r) => r.status === 'rejected' && (r.reason as AppError).code === 'max_attempts_reached')).toHaveLength(45);
  });

  it('never resets the attempt counter on a resend', async () => {
    const { verification } = await startAndSend();
    const wrong = sender.codeOf() === '000000' ? '111111' : '000000';
    await c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code: wrong });
    await c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code: wrong });
    clock.advanceSeconds(30);
    const resent = await startAndSend();
    expect(resent.resent).toBe(true);
    expect(resent.verification.id).toBe(verification.id);
    expect(resent.verification.attempts).toBe(2);
    const after = await c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code: wrong });
    expect(after.verification.maxAttempts - after.verification.attempts).toBe(2);
  });
});

describe('resends (cooldown, max sends, S1)', () => {
  it('re-sends the same code after the cooldown, not before', async () => {
    const first = await startAndSend();
    const code = sender.codeOf();
    clock.advanceSeconds(29);
    const early = await expectError(c.verifications.start(live(service), { origin: ORIGIN, to: TO }), 'resend_cooldown');
    expect(early.retryAfterSeconds).toBe(1);
    clock.advanceSeconds(1);
    const again = await startAndSend();
    expect(again.verification.id).toBe(first.verification.id);
    expect(sender.sent).toHaveLength(2);
    expect(sender.codeOf()).toBe(code);
    expect(sender.sent[0]!.messageId).not.toBe(sender.sent[1]!.messageId);
  });

  it('refuses the 6th send with Retry-After and does not call the provider', async () => {
    for (let i = 0; i < 5; i++) {
      await startAndSend();
      clock.advanceSeconds(30);
    }
    expect(sender.sent).toHaveLength(5);
    const refused = await expectError(c.verifications.start(live(service), { origin: ORIGIN, to: TO }), 'max_sends_reached');
    expect(refused.status).toBe(429);
    expect(refused.retryAfterSeconds).toBeGreaterThan(0);
    await c.worker.drainOnce();
    expect(sender.sent).toHaveLength(5);
  });

  it('starts a new verification once the old one is no longer pending', async () => {
    const first = await startAndSend();
    await c.verifications.check(live(service), { origin: ORIGIN, id: first.verification.id, code: sender.codeOf() });
    const second = await startAndSend();
    expect(second.resent).toBe(false);
    expect(second.verification.id).not.toBe(first.verification.id);
  });
});

describe('test numbers', () => {
  it('use the fixed code and send nothing', async () => {
    const svc = await c.tenancy.createService({ name: 'Acme', test_numbers: { '+15005550006': '424242' } });
    const { verification, messages } = await c.verifications.start(live(svc), { origin: ORIGIN, to: '+15005550006' });
    await c.worker.drainOnce();
    expect(sender.sent).toHaveLength(0);
    expect(messages[0]?.status).toBe('suppressed');
    expect((await c.verifications.check(live(svc), { origin: ORIGIN, id: verification.id, code: '424242' })).valid).toBe(true);
  });
});

describe('cancel', () => {
  it('cancels a pending verification; its code is refused afterwards', async () => {
    const { verification } = await startAndSend();
    const canceled = await c.verifications.cancel(live(service), verification.id);
    expect(canceled.verification.status).toBe('canceled');
    await expectError(c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code: sender.codeOf() }), 'verification_canceled');
    await expectError(c.verifications.cancel(live(service), verification.id), 'verification_canceled');
  });
});

describe('concurrent re-sends', () => {
  it('let one of two simultaneous re-sends through and refuse the other with concurrent_send (60212 on /v2)', async () => {
    service = await c.tenancy.updateService(service.id, { resend_cooldown_seconds: 0 });
    await c.verifications.start(live(service), { origin: ORIGIN, to: TO });
    const results = await Promise.allSettled([c.verifications.start(live(service), { origin: ORIGIN, to: TO }), c.verifications.start(live(service), { origin: ORIGIN, to: TO })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(AppError);
    expect((refused.reason as AppError).code).toBe('concurrent_send');
  });
});
