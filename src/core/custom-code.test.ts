import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Container } from '../container.js';
import type { FakeClock } from '../../test/helpers/fake-clock.js';
import { ORIGIN, createCoreFixture, expectError, live } from '../../test/helpers/core-fixture.js';
import type { RecordingSender } from '../../test/helpers/core-fixture.js';
import type { ServiceRecord } from './model.js';
import { accountSidFor } from './tenancy.service.js';

/** Custom codes, approval without the code, per-verification message options, the attempts log, Basic credentials. */
let c: Container;
let clock: FakeClock;
let sender: RecordingSender;
let service: ServiceRecord;
const TO = '+14155550123';

beforeEach(async () => {
  ({ c, clock, sender } = await createCoreFixture());
  service = await c.tenancy.createService({ name: 'Acme', custom_code_enabled: true });
});
afterEach(async () => c.close());

describe('custom codes', () => {
  it('sends the integrator\'s code and approves it by that code', async () => {
    const { verification } = await c.verifications.start(live(service), { origin: ORIGIN, to: TO, customCode: '00482915' });
    await c.worker.drainOnce();
    expect(sender.codeOf()).toBe('00482915');
    expect(verification.customCode).toBe(true);
    expect((await c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code: '00482915' })).valid).toBe(true);
  });

  it('are refused when the service does not allow them, or when they are not 4–10 digits', async () => {
    const strict = await c.tenancy.createService({ name: 'Strict' });
    await expectError(c.verifications.start(live(strict), { origin: ORIGIN, to: TO, customCode: '123456' }), 'invalid_request');
    for (const bad of ['123', '12345678901', '12a456', '']) await expectError(c.verifications.start(live(service), { origin: ORIGIN, to: TO, customCode: bad }), 'invalid_request');
  });

  it('are refused while one is pending, the same way whatever the code: a start is no oracle for it (T2)', async () => {
    await c.tenancy.updateService(service.id, { resend_cooldown_seconds: 0 });
    service = await c.tenancy.getService(service.id);
    const first = await c.verifications.start(live(service), { origin: ORIGIN, to: TO, customCode: '1111' });
    // The right code, wrong ones of every length: one answer, and no attempt used.
    const answers = [];
    for (const guess of ['1111', '2222', '0000', '11110', '9999999999']) {
      const error = await expectError(c.verifications.start(live(service), { origin: ORIGIN, to: TO, customCode: guess }), 'verification_pending');
      answers.push(JSON.stringify({ status: error.status, detail: error.message, extra: error.extra, retry: error.retryAfterSeconds }));
    }
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).toContain(first.verification.id);
    // A start without a custom code re-sends the pending one; its attempts are untouched.
    const again = await c.verifications.start(live(service), { origin: ORIGIN, to: TO });
    expect(again).toMatchObject({ resent: true, verification: { id: first.verification.id, attempts: 0 } });
    await c.worker.drainOnce();
    expect(sender.codeOf()).toBe('1111');
    // Once it is no longer pending, a new custom code starts a new verification.
    await c.verifications.cancel(live(service), first.verification.id);
    const next = await c.verifications.start(live(service), { origin: ORIGIN, to: TO, customCode: '2222' });
    expect(next.verification.id).not.toBe(first.verification.id);
  });
});

describe('approval without the code', () => {
  it('approves a pending custom-code verification once, then reports its state', async () => {
    const { verification } = await c.verifications.start(live(service), { origin: ORIGIN, to: TO, customCode: '4321' });
    const approved = await c.verifications.approve(live(service), verification.id);
    expect(approved.verification.status).toBe('approved');
    await expectError(c.verifications.approve(live(service), verification.id), 'verification_already_approved');
    await expectError(c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code: '4321' }), 'verification_already_approved');
  });

  it('never approves a code otpgate made (it can only be approved by that code)', async () => {
    const { verification } = await c.verifications.start(live(service), { origin: ORIGIN, to: TO });
    await expectError(c.verifications.approve(live(service), verification.id), 'forbidden');
    expect((await c.verifications.get(live(service), verification.id)).verification.status).toBe('pending');
  });

  it('does not approve an expired verification, nor one of another service (H3)', async () => {
    const { verification } = await c.verifications.start(live(service), { origin: ORIGIN, to: TO, customCode: '4321' });
    const other = await c.tenancy.createService({ name: 'Other', custom_code_enabled: true });
    await expectError(c.verifications.approve(live(other), verification.id), 'verification_not_found');
    clock.advanceSeconds(300);
    await expectError(c.verifications.approve(live(service), verification.id), 'verification_expired');
  });

  it('lets exactly one of many concurrent approvals and right checks win (B3)', async () => {
    const { verification } = await c.verifications.start(live(service), { origin: ORIGIN, to: TO, customCode: '4321' });
    const results = await Promise.allSettled([
      ...Array.from({ length: 10 }, () => c.verifications.approve(live(service), verification.id)),
      ...Array.from({ length: 10 }, () => c.verifications.check(live(service), { origin: ORIGIN, id: verification.id, code: '4321' })),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled' && ('valid' in r.value ? r.value.valid : true))).toHaveLength(1);
  });
});

describe('per-verification message options', () => {
  it('uses the friendly name and app hash of the verification in its SMS', async () => {
    await c.verifications.start(live(service), { origin: ORIGIN, to: TO, friendlyName: ' Acme Pay ', appHash: 'FA+9qCX9VSu' });
    await c.worker.drainOnce();
    expect(sender.sent[0]!.body).toContain('Acme Pay');
    expect(sender.sent[0]!.body).toContain('FA+9qCX9VSu');
    await expectError(c.verifications.start(live(service), { origin: ORIGIN, to: '+14155550124', friendlyName: 'x'.repeat(31) }), 'invalid_request');
    await expectError(c.verifications.start(live(service), { origin: ORIGIN, to: '+14155550124', appHash: 'short' }), 'invalid_request');
  });
});

describe('attempts log', () => {
  it('lists sends newest first with their conversion, pages, filters and summarises them', async () => {
    const a = await c.verifications.start(live(service), { origin: ORIGIN, to: TO, customCode: '1234' });
    clock.advanceSeconds(1);
    await c.verifications.start(live(service), { origin: ORIGIN, to: '+447400123456' });
    clock.advanceSeconds(1);
    await c.verifications.start(live(service), { origin: ORIGIN, to: '+14155550125' });
    await c.verifications.check(live(service), { origin: ORIGIN, id: a.verification.id, code: '1234' });
    const other = await c.tenancy.createService({ name: 'Other' });
    await c.verifications.start(live(other), { origin: ORIGIN, to: TO });

    const first = await c.attempts.list(live(service), {}, undefined, 2);
    expect(first.data.map((x) => x.message.to)).toEqual(['+14155550125', '+447400123456']);
    const second = await c.attempts.list(live(service), {}, first.nextCursor!, 2);
    expect(second.data.map((x) => x.verification.status)).toEqual(['approved']);
    expect(second.nextCursor).toBeNull();
    expect((await c.attempts.list({ serviceId: null, mode: 'live' }, {}, undefined, 10)).data).toHaveLength(4);
    expect((await c.attempts.list(live(service), { country: 'gb' }, undefined, 10)).data).toHaveLength(1);
    expect((await c.attempts.list(live(service), { converted: true }, undefined, 10)).data).toHaveLength(1);
    expect(await c.attempts.summary(live(service), {})).toMatchObject({ total: 3, converted: 1 });
    expect(await c.attempts.summary(live(service), { destinationPrefix: '+1415' })).toMatchObject({ total: 2, converted: 1 });
    // Another tenant's attempt does not exist for this service (H3).
    const theirs = (await c.attempts.list(live(other), {}, undefined, 1)).data[0]!;
    await expectError(c.attempts.get(live(service), theirs.message.id), 'not_found');
    await expectError(c.attempts.summary(live(service), { destinationPrefix: '1415' }), 'invalid_request');
  });
});

describe('Basic credentials', () => {
  it('authenticate as their service with the SID and secret issued, stored hashed (H3)', async () => {
    const account = await c.tenancy.issueBasicCredential(service.id, 'account');
    const apiKey = await c.tenancy.issueBasicCredential(service.id, 'api_key');
    expect(account.sid).toBe(accountSidFor(service.id));
    expect(apiKey.sid).toMatch(/^SK[0-9a-f]{32}$/);
    expect(apiKey.secret).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(await c.store.listApiKeys(service.id))).not.toContain(apiKey.secret);
    expect((await c.tenancy.authenticateBasic(apiKey.sid, apiKey.secret)).tenant?.serviceId).toBe(service.id);
    expect((await c.tenancy.authenticateBasic(account.sid, account.secret)).tenant?.serviceId).toBe(service.id);
    await expectError(c.tenancy.authenticateBasic(apiKey.sid, account.secret), 'unauthorized');
    await expectError(c.tenancy.authenticateBasic(account.sid, apiKey.secret), 'unauthorized');
    const admin = await c.tenancy.issueBasicCredential(null, 'account');
    expect((await c.tenancy.authenticateBasic(admin.sid, admin.secret)).key.kind).toBe('admin');
  });

  it('cannot be replayed from a bearer key that contains a colon', async () => {
    const sid = accountSidFor(service.id);
    await c.tenancy.createKey('service', service.id, { secret: `${sid}:not-issued-as-basic` });
    await expectError(c.tenancy.authenticateBasic(sid, 'not-issued-as-basic'), 'unauthorized');
  });
});
