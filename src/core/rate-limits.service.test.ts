import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Container } from '../container.js';
import type { FakeClock } from '../../test/helpers/fake-clock.js';
import { ORIGIN, createCoreFixture, expectError, live } from '../../test/helpers/core-fixture.js';
import type { ServiceRecord } from './model.js';

let c: Container;
let clock: FakeClock;
let service: ServiceRecord;

beforeEach(async () => {
  ({ c, clock } = await createCoreFixture());
  service = await c.tenancy.createService({ name: 'Acme', resend_cooldown_seconds: 0 });
});
afterEach(async () => c.close());

const start = (to: string, ip: string) => c.verifications.start(live(service), { origin: ORIGIN, to, rateLimits: { end_user_ip_address: ip } });

describe('integrator rate limits', () => {
  it('refuse the start past a bucket\'s max per value, with Retry-After, and allow again in the next window', async () => {
    const limit = await c.rateLimits.create(live(service), 'end_user_ip_address', 'per IP');
    await c.rateLimits.createBucket(live(service), limit.id, 2, 60);
    await start('+14155550101', '203.0.113.7');
    await start('+14155550102', '203.0.113.7');
    const refused = await expectError(start('+14155550103', '203.0.113.7'), 'rate_limited');
    expect(refused.retryAfterSeconds).toBe(60);
    // Another value has its own count; nothing was written for the refused start.
    await start('+14155550103', '198.51.100.1');
    expect((await c.verifications.list(live(service), { to: '+14155550103' }, undefined, 10)).data).toHaveLength(1);
    clock.advanceSeconds(59);
    await expectError(start('+14155550104', '203.0.113.7'), 'rate_limited');
    clock.advanceSeconds(1);
    await start('+14155550104', '203.0.113.7');
  });

  it('apply every bucket of the limit, and refuse names the service does not define', async () => {
    const limit = await c.rateLimits.create(live(service), 'user', null);
    await c.rateLimits.createBucket(live(service), limit.id, 10, 3600);
    await c.rateLimits.createBucket(live(service), limit.id, 1, 10);
    await c.verifications.start(live(service), { origin: ORIGIN, to: '+14155550101', rateLimits: { user: 'u1' } });
    await expectError(c.verifications.start(live(service), { origin: ORIGIN, to: '+14155550102', rateLimits: { user: 'u1' } }), 'rate_limited');
    await expectError(c.verifications.start(live(service), { origin: ORIGIN, to: '+14155550102', rateLimits: { usr: 'u1' } }), 'invalid_request');
  });

  it('belong to their service (H3) and validate their fields', async () => {
    const limit = await c.rateLimits.create(live(service), 'ip', null);
    const other = await c.tenancy.createService({ name: 'Other' });
    await expectError(c.rateLimits.get(live(other), limit.id), 'not_found');
    await expectError(c.rateLimits.createBucket(live(other), limit.id, 1, 1), 'not_found');
    await expectError(c.verifications.start(live(other), { origin: ORIGIN, to: '+14155550101', rateLimits: { ip: 'x' } }), 'invalid_request');
    await expectError(c.rateLimits.create(live(service), 'ip', null), 'duplicate_unique_name');
    await expectError(c.rateLimits.create(live(service), 'has space', null), 'invalid_unique_name');
    await expectError(c.rateLimits.createBucket(live(service), limit.id, 0, 60), 'invalid_request');
    const bucket = await c.rateLimits.createBucket(live(service), limit.id, 5, 60);
    expect(await c.rateLimits.updateBucket(live(service), limit.id, bucket.id, { max: 7 })).toMatchObject({ max: 7, intervalSeconds: 60 });
    // One bucket per interval (Twilio's 60211): a second one of the same window is refused, on create and on change.
    await expectError(c.rateLimits.createBucket(live(service), limit.id, 9, 60), 'duplicate_bucket_interval');
    const longer = await c.rateLimits.createBucket(live(service), limit.id, 30, 3600);
    await expectError(c.rateLimits.updateBucket(live(service), limit.id, longer.id, { intervalSeconds: 60 }), 'duplicate_bucket_interval');
    await c.rateLimits.updateBucket(live(service), limit.id, bucket.id, { max: 4, intervalSeconds: 60 });
    await c.rateLimits.remove(live(service), limit.id);
    await expectError(c.rateLimits.getBucket(live(service), limit.id, bucket.id), 'not_found');
  });

  it('count concurrent starts exactly (atomic window)', async () => {
    const limit = await c.rateLimits.create(live(service), 'ip', null);
    await c.rateLimits.createBucket(live(service), limit.id, 3, 60);
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => c.verifications.start(live(service), { origin: ORIGIN, to: `+1415555011${i}`, rateLimits: { ip: 'same' } })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
  });
});
