import { CodeVault } from '../../src/core/code-vault.js';
import { newId } from '../../src/core/ids.js';
import type { ApiKeyRecord, MessageRecord, ReadScope, Scope, ServiceRecord, VerificationRecord } from '../../src/core/model.js';
import { cryptoRandom } from '../../src/core/random.js';
import { DEFAULT_SETTINGS } from '../../src/core/service-settings.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** A service's live world (`null`: every service, as an admin reads). */
export function live(serviceId: string): Scope;
export function live(serviceId: string | null): ReadScope;
export function live(serviceId: string | null): ReadScope {
  return { serviceId, mode: 'live' };
}

/** A service's test world. */
export const test = (serviceId: string): Scope => ({ serviceId, mode: 'test' });

/** Plain records for store tests, built by hand so the contract does not depend on the services above it. */
export function recordFactory(clock: FakeClock) {
  const id = <P extends 'svc' | 'ver' | 'msg' | 'key' | 'obx' | 'rlk' | 'bkt'>(prefix: P) => newId(prefix, clock, cryptoRandom);
  return {
    id,
    service(name = 'Acme'): ServiceRecord {
      const now = clock.now();
      return { id: id('svc'), settings: { name, ...DEFAULT_SETTINGS, test_numbers: { '+14155550000': '123456' } }, createdAt: now, updatedAt: now };
    },
    key(serviceId: string | null, kind: ApiKeyRecord['kind'] = serviceId ? 'service' : 'admin'): ApiKeyRecord {
      return {
        id: id('key'), kind, serviceId, keyHash: cryptoRandom.bytes(32).toString('hex'), prefix: 'og_live_abcd',
        name: null, createdAt: clock.now(), revokedAt: null, mode: 'live', source: 'issued', scheme: 'bearer',
      };
    },
    verification(serviceId: string, overrides: Partial<VerificationRecord> = {}): VerificationRecord {
      const now = clock.now();
      return {
        id: id('ver'), serviceId, to: '+14155550123', country: 'US', channel: 'sms', status: 'pending', locale: 'en',
        codeDigest: cryptoRandom.bytes(32), codeSealed: cryptoRandom.bytes(40), contextDigest: 'ctx', attempts: 0, maxAttempts: 5,
        sendCount: 1, maxSends: 5, resendCooldownMs: 30_000, lastSendAt: now, expiresAt: now + 300_000, createdAt: now,
        updatedAt: now, isTest: false, mode: 'live', clientIp: null, customCode: false, friendlyName: null, appHash: null, ...overrides,
      };
    },
    message(v: VerificationRecord, overrides: Partial<MessageRecord> = {}): MessageRecord {
      const now = clock.now();
      return {
        id: id('msg'), verificationId: v.id, serviceId: v.serviceId, mode: v.mode, channel: v.channel, to: v.to, status: 'queued', attempts: 0, nextAttemptAt: now,
        leaseUntil: null, leaseOwner: null, provider: null, providerMessageId: null, errorCode: null, createdAt: now, updatedAt: now, ...overrides,
      };
    },
  };
}

export function testVault(): CodeVault {
  return new CodeVault(cryptoRandom.bytes(32), cryptoRandom);
}

export { FakeClock };
