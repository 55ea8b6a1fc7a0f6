import { SCAN_WINDOW } from '../../src/store/conditions.js';
import { beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/core/audit.js';
import { newId } from '../../src/core/ids.js';
import type { VerificationRecord } from '../../src/core/model.js';
import { cryptoRandom } from '../../src/core/random.js';
import { INSTANCE_DEAD_AFTER_MS } from '../../src/core/ports.js';
import type { Store } from '../../src/core/ports.js';
import { RetentionJob } from '../../src/maintenance/retention.job.js';
import pino from 'pino';
import { FakeClock, live, recordFactory, test as testScope, testVault } from './store.records.js';
import type { CodeVault } from '../../src/core/code-vault.js';
import { attemptsAndLimitsCases } from './attempts-and-limits.contract.js';
import { smsDeliveryCases } from './store-sms.contract.js';
import { statsCases } from './stats.contract.js';

export interface StoreFixture {
  store: Store;
  /** A second store on the same database (another instance), for concurrency tests. */
  peer(): Promise<Store>;
  cleanup(): Promise<void>;
}

/**
 * One behaviour suite for every Store adapter (architecture rule 3). `open` gives a migrated,
 * empty store per test; an adapter is done when this passes on its real backend.
 */
export function storeContract(name: string, open: (vault: CodeVault) => Promise<StoreFixture>, skip = false): void {
  describe.skipIf(skip)(`Store contract: ${name}`, () => {
    let fx: StoreFixture;
    let store: Store;
    let clock: FakeClock;
    let make: ReturnType<typeof recordFactory>;

    beforeEach(async () => {
      clock = new FakeClock();
      make = recordFactory(clock);
      fx = await open(testVault());
      store = fx.store;
    });
    afterEach(async () => fx.cleanup());

    const seed = async (overrides: Partial<VerificationRecord> = {}) => {
      const service = make.service();
      await store.createService(service);
      const v = make.verification(service.id, overrides);
      const m = make.message(v);
      await store.createVerification(v, m);
      return { service, v, m };
    };

    it('migrates once: a second run applies nothing', async () => {
      expect(await store.migrate()).toBe(0);
      await store.ping();
    });

    it('keeps meta values and overwrites them', async () => {
      expect(await store.getMeta('k')).toBeNull();
      await store.setMeta('k', 'one');
      await store.setMeta('k', 'two');
      expect(await store.getMeta('k')).toBe('two');
    });

    it('creates, reads, updates, pages and deletes services (with everything they own)', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const s = make.service(`S${i}`);
        await store.createService(s);
        ids.push(s.id);
        clock.advance(1);
      }
      const got = await store.getService(ids[0]!);
      expect(got?.settings).toMatchObject({ name: 'S0', code_length: 6, test_numbers: { '+14155550000': '123456' } });
      expect(got?.createdAt).toBe(clock.now() - 5);
      const first = await store.listServices({ limit: 2 });
      expect(first.data.map((s) => s.id)).toEqual([ids[4], ids[3]]);
      const second = await store.listServices({ limit: 2, cursor: first.nextCursor! });
      expect(second.data.map((s) => s.id)).toEqual([ids[2], ids[1]]);
      const last = await store.listServices({ limit: 2, cursor: second.nextCursor! });
      expect(last).toEqual({ data: [expect.objectContaining({ id: ids[0] })], nextCursor: null });

      const updated = await store.updateServiceSettings(ids[0]!, { ...got!.settings, name: 'Renamed' }, clock.now() + 10);
      expect(updated).toMatchObject({ settings: { name: 'Renamed' }, updatedAt: clock.now() + 10 });
      expect(await store.updateServiceSettings('svc_00000000000000000000000000', got!.settings, 0)).toBeNull();

      const key = make.key(ids[0]!);
      await store.createApiKey(key);
      const v = make.verification(ids[0]!);
      await store.createVerification(v, make.message(v));
      await store.addDevOutboxEntry({ id: make.id('obx'), mode: 'live', serviceId: ids[0]!, verificationId: v.id, messageId: 'msg_x', channel: 'sms', to: v.to, body: 'hi', createdAt: 1 });
      expect(await store.deleteService(ids[0]!)).toBe(true);
      expect(await store.deleteService(ids[0]!)).toBe(false);
      expect(await store.findApiKeyByHash(key.keyHash)).toBeNull();
      expect(await store.getVerification(live(ids[0]!), v.id)).toBeNull();
      expect(await store.listMessages(v.id)).toEqual([]);
      expect(await store.listDevOutbox(live(ids[0]!), undefined, 10)).toEqual([]);
    });

    it('stores keys hashed, scopes revocation to the owner, counts admin keys', async () => {
      const a = make.service();
      const b = make.service();
      await store.createService(a);
      await store.createService(b);
      const key = make.key(a.id);
      const admin = make.key(null);
      await store.createApiKey(key);
      await store.createApiKey(admin);
      await expect(store.createApiKey({ ...make.key(a.id), keyHash: key.keyHash })).rejects.toThrow();
      expect(await store.findApiKeyByHash(key.keyHash)).toEqual(key);
      expect((await store.listApiKeys(a.id)).map((k) => k.id)).toEqual([key.id]);
      expect((await store.listApiKeys(null)).map((k) => k.id)).toEqual([admin.id]);
      expect(await store.countActiveAdminKeys()).toBe(1);
      expect(await store.revokeApiKey(key.id, b.id, 5)).toBeNull();
      expect(await store.revokeApiKey(key.id, a.id, 5)).toMatchObject({ id: key.id, serviceId: a.id, revokedAt: 5 });
      expect(await store.revokeApiKey(key.id, a.id, 6)).toBeNull();
      expect((await store.findApiKeyByHash(key.keyHash))?.revokedAt).toBe(5);
      expect(await store.revokeAdminKey(admin.id, 7)).toBe('last');
      const other = make.key(null);
      await store.createApiKey(other);
      expect(await store.countActiveAdminKeys()).toBe(2);
      expect(await store.revokeAdminKey(admin.id, 7)).toEqual({ ...admin, revokedAt: 7 });
      expect(await store.revokeAdminKey(admin.id, 8)).toBeNull();
      expect(await store.countActiveAdminKeys()).toBe(1);
    });

    it('keeps the last bearer admin key however revocations race; Basic credentials keep nobody in', async () => {
      for (let round = 0; round < 10; round++) {
        const [a, b] = [make.key(null), make.key(null)];
        await store.createApiKey(a);
        await store.createApiKey(b);
        const basic = { ...make.key(null), scheme: 'basic' as const };
        await store.createApiKey(basic);
        // Whatever else is active: revoke everything but a and b first.
        for (const k of await store.listApiKeys(null)) if (k.revokedAt === null && k.scheme === 'bearer' && k.id !== a.id && k.id !== b.id) await store.revokeAdminKey(k.id, 1);
        const results = await Promise.all([store.revokeAdminKey(a.id, 2), store.revokeAdminKey(b.id, 2)]);
        expect(results.filter((r) => r === 'last')).toHaveLength(1);
        expect(await store.countActiveAdminKeys()).toBe(1);
        expect(await store.revokeAdminKey(basic.id, 3)).toMatchObject({ id: basic.id, revokedAt: 3 });
      }
    });

    it('writes a verification with its message and reads it back exactly, only within its service', async () => {
      const { service, v, m } = await seed({ isTest: true, clientIp: '203.0.113.9', country: null });
      expect(await store.getVerification(live(service.id), v.id)).toEqual(v);
      expect(await store.getVerification(live('svc_00000000000000000000000000'), v.id)).toBeNull();
      expect(await store.listMessages(v.id)).toEqual([m]);
      expect(await store.findLatestVerification(live(service.id), v.to, 'ctx')).toEqual(v);
      expect(await store.findLatestVerification(live(service.id), v.to, 'other')).toBeNull();
    });

    it('keeps the mode of a key', async () => {
      const { service } = await seed();
      const key = { ...make.key(service.id), mode: 'test' as const };
      await store.createApiKey(key);
      expect(await store.findApiKeyByHash(key.keyHash)).toEqual(key);
    });

    it('keeps test and live apart in every scoped read (T1): by id, by number, lists, messages, attempts, outbox', async () => {
      const service = make.service();
      await store.createService(service);
      const [liveWorld, testWorld] = [live(service.id), testScope(service.id)];
      // Same number, same context; the test one is newer, so a lookup that forgot the mode would find it.
      const liveV = make.verification(service.id);
      const liveM = make.message(liveV);
      await store.createVerification(liveV, liveM);
      clock.advance(1);
      const testV = make.verification(service.id, { mode: 'test' });
      const testM = make.message(testV);
      await store.createVerification(testV, testM);
      const now = clock.now();

      expect(await store.getVerification(liveWorld, testV.id)).toBeNull();
      expect(await store.getVerification(testWorld, liveV.id)).toBeNull();
      expect(await store.getVerification(testWorld, testV.id)).toEqual(testV);
      expect((await store.findLatestVerification(liveWorld, liveV.to, 'ctx'))?.id).toBe(liveV.id);
      expect((await store.findLatestVerification(testWorld, liveV.to, 'ctx'))?.id).toBe(testV.id);
      expect((await store.findResendable(liveWorld, liveV.to, 'ctx', now))?.id).toBe(liveV.id);
      expect((await store.findResendable(testWorld, liveV.to, 'ctx', now))?.id).toBe(testV.id);
      expect((await store.listVerifications(liveWorld, {}, { limit: 10 })).data.map((v) => v.id)).toEqual([liveV.id]);
      expect((await store.listVerifications(testWorld, { to: liveV.to, status: 'pending' }, { limit: 10 })).data.map((v) => v.id)).toEqual([testV.id]);
      expect(await store.listMessages(testV.id)).toEqual([testM]);
      expect(testM.mode).toBe('test');

      expect((await store.listAttempts(liveWorld, {}, { limit: 10 })).data.map((a) => a.message.id)).toEqual([liveM.id]);
      expect((await store.listAttempts(testWorld, {}, { limit: 10 })).data.map((a) => a.message.id)).toEqual([testM.id]);
      expect((await store.listAttempts(live(null), {}, { limit: 10 })).data.map((a) => a.message.id)).toEqual([liveM.id]);
      expect(await store.getAttempt(liveWorld, testM.id)).toBeNull();
      expect(await store.getAttempt(live(null), testM.id)).toBeNull();
      expect(await store.summarizeAttempts(testWorld, {})).toEqual({ total: 1, converted: 0 });

      const entry = (v: VerificationRecord) => ({ id: make.id('obx'), serviceId: service.id, mode: v.mode, verificationId: v.id, messageId: 'msg_x', channel: 'sms' as const, to: v.to, body: v.mode, createdAt: clock.now() });
      await store.addDevOutboxEntry(entry(liveV));
      await store.addDevOutboxEntry(entry(testV));
      expect((await store.listDevOutbox(liveWorld, liveV.to, 10)).map((e) => e.body)).toEqual(['live']);
      expect((await store.listDevOutbox(testWorld, liveV.to, 10)).map((e) => [e.body, e.mode])).toEqual([['test', 'test']]);
      expect((await store.listDevOutbox(live(null), undefined, 10)).map((e) => e.body)).toEqual(['live']);
    });

    it('saves, replaces, finds, lists and deletes prefix blocks; expired ones are gone', async () => {
      const service = make.service();
      const other = make.service();
      await store.createService(service);
      await store.createService(other);
      const now = clock.now();
      const block = {
        serviceId: service.id, prefix: '+447400', mode: 'monitor' as const, reason: 'test', sends: 41, approvals: 0,
        baselinePerWindow: 1.25, createdAt: now, expiresAt: now + 3_600_000,
      };
      await store.savePrefixBlock(block);
      expect(await store.findPrefixBlock(service.id, '+447400', now)).toEqual(block);
      const enforced = { ...block, mode: 'enforced' as const, sends: 50 };
      await store.savePrefixBlock(enforced);
      await store.savePrefixBlock({ ...block, prefix: '+447401', createdAt: now + 1, expiresAt: now + 10 });
      expect(await store.findPrefixBlock(service.id, '+447400', now)).toEqual(enforced);
      expect(await store.findPrefixBlock(other.id, '+447400', now)).toBeNull();
      expect((await store.listPrefixBlocks(service.id, now)).map((b) => b.prefix)).toEqual(['+447401', '+447400']);
      expect((await store.listPrefixBlocks(service.id, now + 10)).map((b) => b.prefix)).toEqual(['+447400']);
      expect(await store.findPrefixBlock(service.id, '+447400', now + 3_600_000)).toBeNull();
      expect(await store.deletePrefixBlock(service.id, '+447400')).toBe(true);
      expect(await store.deletePrefixBlock(service.id, '+447400')).toBe(false);
      await store.deleteService(service.id);
      expect(await store.listPrefixBlocks(service.id, 0)).toEqual([]);
    });

    it('finds a resendable verification only while pending and unexpired', async () => {
      const { service, v } = await seed();
      expect((await store.findResendable(live(service.id), v.to, 'ctx', clock.now()))?.id).toBe(v.id);
      expect(await store.findResendable(live(service.id), v.to, 'ctx', v.expiresAt)).toBeNull();
      expect(await store.finishVerification(v.id, 'canceled', clock.now())).toBe(true);
      expect(await store.findResendable(live(service.id), v.to, 'ctx', clock.now())).toBeNull();
    });

    it('records a resend only with the expected send count, after the cooldown and under the cap', async () => {
      const { service, v } = await seed({ maxSends: 3 });
      const at = (s: number) => v.lastSendAt + s * 1000;
      expect(await store.recordResend(v.id, 1, make.message(v), at(10))).toBe(false); // cooldown
      expect(await store.recordResend(v.id, 0, make.message(v), at(30))).toBe(false); // stale count
      expect(await store.recordResend(v.id, 1, make.message(v), at(30))).toBe(true);
      expect(await store.recordResend(v.id, 1, make.message(v), at(60))).toBe(false); // a concurrent resend already counted
      expect(await store.recordResend(v.id, 2, null, at(60))).toBe(true);
      expect(await store.recordResend(v.id, 3, make.message(v), at(90))).toBe(false); // cap
      const after = await store.getVerification(live(service.id), v.id);
      expect(after).toMatchObject({ sendCount: 3, lastSendAt: at(60) });
      expect(await store.listMessages(v.id)).toHaveLength(2);
    });

    it('counts wrong checks down to max_attempts_reached, then counts nothing', async () => {
      const { v } = await seed({ maxAttempts: 3 });
      const now = clock.now();
      expect((await store.recordCheck(v, false, now))).toMatchObject({ attempts: 1, status: 'pending' });
      expect((await store.recordCheck(v, false, now))).toMatchObject({ attempts: 2, status: 'pending' });
      expect((await store.recordCheck(v, false, now))).toMatchObject({ attempts: 3, status: 'max_attempts_reached' });
      expect(await store.recordCheck(v, true, now)).toBeNull();
    });

    it('approves once, refuses at expiry, and never approves a finished verification', async () => {
      const { service, v } = await seed();
      expect(await store.recordCheck(v, true, v.expiresAt)).toBeNull();
      expect(await store.recordCheck(v, true, v.expiresAt - 1)).toMatchObject({ status: 'approved', attempts: 1 });
      expect(await store.recordCheck(v, true, v.expiresAt - 1)).toBeNull();
      expect(await store.finishVerification(v.id, 'canceled', clock.now())).toBe(false);
      expect((await store.getVerification(live(service.id), v.id))?.status).toBe('approved');
    });

    it('B3: of 20 concurrent right checks from two connections exactly one approves', async () => {
      const { v } = await seed();
      const peer = await fx.peer();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? peer : store).recordCheck(v, true, clock.now())));
      expect(results.filter((r) => r?.status === 'approved')).toHaveLength(1);
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    });

    it('B3: of 50 concurrent wrong checks from two connections at most max_attempts count', async () => {
      const { service, v } = await seed();
      const peer = await fx.peer();
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? peer : store).recordCheck(v, false, clock.now())));
      expect(results.filter((r) => r !== null)).toHaveLength(5);
      expect(await store.getVerification(live(service.id), v.id)).toMatchObject({ attempts: 5, status: 'max_attempts_reached' });
    });

    it('finishing a verification expires its queued messages', async () => {
      const { service, v, m } = await seed();
      expect(await store.finishVerification(v.id, 'expired', clock.now())).toBe(true);
      expect((await store.getVerification(live(service.id), v.id))?.status).toBe('expired');
      expect((await store.listMessages(v.id))[0]).toMatchObject({ id: m.id, status: 'expired' });
    });

    it('lists verifications newest first, filtered, in cursor pages', async () => {
      const service = make.service();
      await store.createService(service);
      const made: VerificationRecord[] = [];
      for (let i = 0; i < 5; i++) {
        const v = make.verification(service.id, { to: i % 2 ? '+14155550199' : '+14155550123', status: i === 4 ? 'approved' : 'pending' });
        await store.createVerification(v, null);
        made.push(v);
        clock.advance(1);
      }
      const p1 = await store.listVerifications(live(service.id), {}, { limit: 3 });
      expect(p1.data.map((v) => v.id)).toEqual([made[4]!.id, made[3]!.id, made[2]!.id]);
      const p2 = await store.listVerifications(live(service.id), {}, { limit: 3, cursor: p1.nextCursor! });
      expect(p2).toMatchObject({ data: [{ id: made[1]!.id }, { id: made[0]!.id }], nextCursor: null });
      expect((await store.listVerifications(live(service.id), { to: '+14155550199' }, { limit: 10 })).data.map((v) => v.id)).toEqual([made[3]!.id, made[1]!.id]);
      expect((await store.listVerifications(live(service.id), { status: 'approved' }, { limit: 10 })).data.map((v) => v.id)).toEqual([made[4]!.id]);
      expect((await store.listVerifications(live('svc_00000000000000000000000000'), {}, { limit: 10 })).data).toEqual([]);
    });

    it('bounds a status-filtered list: a rare status gives short pages that go on below the window', async () => {
      const service = make.service();
      await store.createService(service);
      const rare = make.verification(service.id, { status: 'canceled' });
      await store.createVerification(rare, null);
      clock.advance(1);
      for (let i = 0; i < SCAN_WINDOW + 10; i++) {
        await store.createVerification(make.verification(service.id, { to: `+1415556${String(i).padStart(4, '0')}` }), null);
        if (i % 500 === 0) clock.advance(1);
      }
      const first = await store.listVerifications(live(service.id), { status: 'canceled' }, { limit: 20 });
      expect(first.data).toEqual([]);
      expect(first.nextCursor).not.toBeNull();
      const second = await store.listVerifications(live(service.id), { status: 'canceled' }, { limit: 20, cursor: first.nextCursor! });
      expect(second).toEqual({ data: [rare], nextCursor: null });
    }, 60_000);

    it('leases due messages once, and hands an expired lease to the next claimer', async () => {
      const { v, m } = await seed();
      const later = make.message(v, { nextAttemptAt: clock.now() + 5000 });
      await store.recordResend(v.id, 1, later, clock.now() + 30_000); // queued for later
      expect(await store.nextDueAt()).toBe(m.nextAttemptAt);
      const claimed = await store.claimDueMessages(clock.now(), 10, 1000, 'ins_a');
      expect(claimed).toEqual([expect.objectContaining({ id: m.id, status: 'sending', leaseUntil: clock.now() + 1000, leaseOwner: 'ins_a' })]);
      expect(await store.claimDueMessages(clock.now() + 999, 10, 1000, 'ins_a')).toEqual([]);
      // Its worker died: the lease runs out and another takes it over (with the later message, now due).
      const takeover = await store.claimDueMessages(clock.now() + 5000, 10, 1000, 'ins_b');
      expect(takeover.map((x) => x.id).sort()).toEqual([m.id, later.id].sort());
      const [mine, laterMine] = [takeover.find((x) => x.id === m.id)!, takeover.find((x) => x.id === later.id)!];
      // The first holder, late, records nothing; the new one does.
      expect(await store.updateMessage(claimed[0]!, { status: 'failed', errorCode: 'late' }, true, clock.now() + 5001)).toBe(false);
      expect(await store.updateMessage(mine, { status: 'sent', provider: 'console', providerMessageId: 'p1' }, true, clock.now() + 5001)).toBe(true);
      expect(await store.updateMessage(laterMine, { status: 'queued', errorCode: 'timeout', nextAttemptAt: clock.now() + 9000 }, true, clock.now() + 5001)).toBe(true);
      const [sent, retry] = [(await store.listMessages(v.id)).find((x) => x.id === m.id)!, (await store.listMessages(v.id)).find((x) => x.id === later.id)!];
      expect(sent).toMatchObject({ status: 'sent', attempts: 1, provider: 'console', providerMessageId: 'p1', leaseUntil: null, leaseOwner: null, errorCode: null });
      expect(retry).toMatchObject({ status: 'queued', attempts: 1, errorCode: 'timeout', nextAttemptAt: clock.now() + 9000, leaseOwner: null });
      expect(await store.nextDueAt()).toBe(clock.now() + 9000);
    });

    it('takes over the leases of an instance that died before they run out: at once when its record is removed, else once it goes unseen', async () => {
      const instance = (id: string, pid: number) => ({ id, host: 'test-host', pid, startedAt: clock.now() });
      const [a, b, c] = [instance(`ins_${'a'.repeat(26)}`, 101), instance(`ins_${'b'.repeat(26)}`, 102), instance(`ins_${'c'.repeat(26)}`, 103)];
      await store.registerInstance(a, []);
      await store.registerInstance(b, []);
      expect((await store.listInstances('test-host')).map((x) => x.id)).toEqual([a.id, b.id]);
      const { m } = await seed();
      const [leased] = await store.claimDueMessages(clock.now(), 10, 60_000, a.id);
      expect(leased?.id).toBe(m.id);
      // While A is alive nobody else takes its lease, though the lease is a minute long.
      expect(await store.claimDueMessages(clock.now(), 10, 60_000, b.id)).toEqual([]);
      // A restarted process removes its dead predecessor's record: B takes the message at once.
      await store.registerInstance(c, [a.id]);
      expect((await store.listInstances('test-host')).map((x) => x.id)).toEqual([b.id, c.id]);
      const [taken] = await store.claimDueMessages(clock.now(), 10, 60_000, b.id);
      expect(taken).toMatchObject({ id: m.id, leaseOwner: b.id });
      expect(await store.updateMessage(leased!, { status: 'sent', provider: 'console' }, true, clock.now())).toBe(false);
      // B stops refreshing its record (the process hangs or died with its host): after
      // INSTANCE_DEAD_AFTER_MS on the database's clock, C takes the message over; C, refreshing, keeps it.
      expect(await store.claimDueMessages(clock.now(), 10, 60_000, c.id)).toEqual([]);
      await new Promise((r) => setTimeout(r, INSTANCE_DEAD_AFTER_MS + 300));
      await store.beatInstance(c);
      const [again] = await store.claimDueMessages(clock.now(), 10, 60_000, c.id);
      expect(again).toMatchObject({ id: m.id, leaseOwner: c.id });
      expect(await store.claimDueMessages(clock.now(), 10, 60_000, `ins_${'d'.repeat(26)}`)).toEqual([]);
      expect(await store.updateMessage(taken!, { status: 'sent', provider: 'console' }, true, clock.now())).toBe(false);
      expect(await store.updateMessage(again!, { status: 'sent', provider: 'console' }, true, clock.now())).toBe(true);
      await store.removeInstance(b.id);
      await store.removeInstance(c.id);
      expect(await store.listInstances('test-host')).toEqual([]);
    }, 20_000);

    it('a lease is its owner and its end: the same owner\'s later lease is another, and a lease given back is free for all', async () => {
      const { v, m } = await seed();
      const [first] = await store.claimDueMessages(clock.now(), 10, 1000, 'ins_a');
      // A stalled first try: the lease runs out and the same instance takes the message again.
      const [second] = await store.claimDueMessages(clock.now() + 2000, 10, 1000, 'ins_a');
      expect(second).toMatchObject({ id: m.id, leaseOwner: 'ins_a', leaseUntil: clock.now() + 3000 });
      // The stalled first try ends late: it records nothing, nor gives back a lease that is not its own.
      expect(await store.releaseMessage(first!, clock.now() + 2001)).toBe(false);
      expect(await store.updateMessage(first!, { status: 'sent', provider: 'console' }, true, clock.now() + 2001)).toBe(false);
      // The holder gives it back unused: queued, due as it was, for any worker; once only.
      expect(await store.releaseMessage(second!, clock.now() + 2001)).toBe(true);
      expect(await store.releaseMessage(second!, clock.now() + 2002)).toBe(false);
      expect((await store.listMessages(v.id))[0]).toMatchObject({ status: 'queued', leaseOwner: null, leaseUntil: null, attempts: 0 });
      const [third] = await store.claimDueMessages(clock.now() + 2002, 10, 1000, 'ins_b');
      expect(await store.updateMessage(third!, { status: 'sent', provider: 'console' }, true, clock.now() + 2003)).toBe(true);
      expect((await store.listMessages(v.id))[0]).toMatchObject({ status: 'sent', attempts: 1 });
    });

    it('never gives one message to two of several concurrent claimers', async () => {
      const service = make.service();
      await store.createService(service);
      for (let i = 0; i < 30; i++) {
        const v = make.verification(service.id);
        await store.createVerification(v, make.message(v));
      }
      const peer = await fx.peer();
      // Eight live instances (a claimer whose instance has no record would be taken for dead).
      for (let i = 0; i < 8; i++) await store.registerInstance({ id: `ins_claimer${i}`, host: 'test-host', pid: i, startedAt: clock.now() }, []);
      const batches = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? peer : store).claimDueMessages(clock.now(), 5, 60_000, `ins_claimer${i}`)));
      const ids = batches.flat().map((m) => m.id);
      expect(new Set(ids).size).toBe(ids.length);
      const rest = await store.claimDueMessages(clock.now(), 100, 60_000, 'ins_claimer0');
      expect(ids.length + rest.length).toBe(30);
    });

    it('fails a verification only when none of its messages can still arrive', async () => {
      const { service, v, m } = await seed();
      expect(await store.failVerificationIfUndeliverable(v.id, clock.now())).toBe(false);
      await store.updateMessage(m, { status: 'failed', errorCode: 'rejected' }, true, clock.now());
      expect(await store.failVerificationIfUndeliverable(v.id, clock.now())).toBe(true);
      expect((await store.getVerification(live(service.id), v.id))?.status).toBe('failed');
    });

    it('keeps dev-outbox bodies sealed and lists them newest first, filtered', async () => {
      const { service, v } = await seed();
      for (const [i, to] of ['+14155550123', '+14155550199', '+14155550123'].entries()) {
        await store.addDevOutboxEntry({ id: make.id('obx'), mode: 'live', serviceId: service.id, verificationId: v.id, messageId: 'msg_x', channel: 'sms', to, body: `body ${i}`, createdAt: clock.now() });
        clock.advance(1);
      }
      expect((await store.listDevOutbox(live(service.id), '+14155550123', 10)).map((e) => e.body)).toEqual(['body 2', 'body 0']);
      expect((await store.listDevOutbox(live(null), undefined, 2)).map((e) => e.body)).toEqual(['body 2', 'body 1']);
      expect(await store.listDevOutbox(live('svc_00000000000000000000000000'), undefined, 10)).toEqual([]);
    });

    it('claims an idempotency key once and replays, refuses or takes over as it should', async () => {
      const t = clock.now();
      expect(await store.beginIdempotent('svc_a', 'k1', 'h1', t, 60_000)).toEqual({ state: 'new' });
      expect(await store.beginIdempotent('svc_a', 'k1', 'h1', t + 1, 60_000)).toEqual({ state: 'in_flight' });
      expect(await store.beginIdempotent('svc_a', 'k1', 'h2', t + 1, 60_000)).toEqual({ state: 'mismatch' });
      expect(await store.beginIdempotent('svc_b', 'k1', 'h2', t + 1, 60_000)).toEqual({ state: 'new' });
      await store.completeIdempotent('svc_a', 'k1', 201, '{"ok":true}', t + 2);
      expect(await store.beginIdempotent('svc_a', 'k1', 'h1', t + 3, 60_000)).toEqual({ state: 'done', statusCode: 201, body: '{"ok":true}' });
      // A claim whose process died is taken over once it is stale; an abandoned one is free again.
      expect(await store.beginIdempotent('svc_b', 'k1', 'h2', t + 60_001, 60_000)).toEqual({ state: 'new' });
      expect(await store.beginIdempotent('svc_b', 'k1', 'h2', t + 60_002, 60_000)).toEqual({ state: 'in_flight' });
      await store.abandonIdempotent('svc_b', 'k1');
      expect(await store.beginIdempotent('svc_b', 'k1', 'h2', t + 60_003, 60_000)).toEqual({ state: 'new' });
    });

    it('H1: of concurrent first uses of one idempotency key exactly one runs', async () => {
      const peer = await fx.peer();
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? peer : store).beginIdempotent('svc_a', 'race', 'h', clock.now(), 60_000)));
      expect(results.filter((r) => r.state === 'new')).toHaveLength(1);
      expect(results.filter((r) => r.state === 'in_flight')).toHaveLength(11);
    });

    it('purges old data in bounded batches and keeps what is recent or still in use', async () => {
      const DAY = 86_400_000;
      const auditRecord = (): AuditRecord => ({
        id: newId('aud', clock, cryptoRandom), createdAt: clock.now(), actor: { kind: 'admin_key', keyId: 'key_x', mode: 'live' }, action: 'service.updated',
        serviceId: 'svc_x', targetId: 'svc_x', before: { ttl_seconds: 300 }, after: { ttl_seconds: 600 }, requestId: 'req_x', sourceIp: '203.0.113.7',
      });
      const service = make.service();
      await store.createService(service);
      const old: VerificationRecord[] = [];
      for (let i = 0; i < 5; i++) {
        const v = make.verification(service.id, { status: i === 0 ? 'approved' : 'pending' });
        await store.createVerification(v, make.message(v));
        await store.addDevOutboxEntry({ id: make.id('obx'), mode: 'live', serviceId: service.id, verificationId: v.id, messageId: 'msg_x', channel: 'sms', to: v.to, body: 'b', createdAt: clock.now() });
        await store.beginIdempotent('svc_a', `old${i}`, 'h', clock.now(), 60_000);
        await store.appendAudit(auditRecord());
        old.push(v);
      }
      const t0 = clock.now();
      const block = (prefix: string, createdAt: number) => ({
        serviceId: service.id, prefix, mode: 'enforced' as const, reason: 'r', sends: 30, approvals: 0, baselinePerWindow: 0, createdAt, expiresAt: createdAt + DAY / 2,
      });
      await store.savePrefixBlock(block('+23276', t0));
      clock.advance(31 * DAY);
      const fresh = make.verification(service.id);
      await store.createVerification(fresh, make.message(fresh));
      await store.beginIdempotent('svc_a', 'fresh', 'h', clock.now(), 60_000);
      await store.savePrefixBlock(block('+23277', clock.now()));
      const kept = auditRecord();
      await store.appendAudit(kept);

      const first = await store.purgeBatch(clock.now() - 30 * DAY, 2);
      expect(first).toEqual({ verifications: 2, messages: 2, devOutbox: 2, idempotencyKeys: 2, events: 0, prefixBlocks: 1, auditRecords: 2, attemptCounts: 1 });
      // The block that ended a month ago is gone (looked up as of its own time); the one in force stays.
      expect(await store.findPrefixBlock(service.id, '+23276', t0)).toBeNull();
      expect((await store.listPrefixBlocks(service.id, clock.now())).map((b) => b.prefix)).toEqual(['+23277']);
      const job = new RetentionJob({ store, clock, logger: pino({ level: 'silent' }) }, { retentionDays: 30, batchSize: 2 });
      const report = await job.runOnce();
      expect(report).toMatchObject({ verifications: 3, messages: 3, devOutbox: 3, idempotencyKeys: 3, auditRecords: 3, batches: 2 });
      expect((await store.listAudit({}, { limit: 10 })).data).toEqual([kept]);
      for (const v of old) expect(await store.getVerification(live(service.id), v.id)).toBeNull();
      expect(await store.getVerification(live(service.id), fresh.id)).not.toBeNull();
      expect(await store.listMessages(fresh.id)).toHaveLength(1);
      expect(await store.beginIdempotent('svc_a', 'fresh', 'h', clock.now(), 60_000)).toEqual({ state: 'in_flight' });
      expect(await store.beginIdempotent('svc_a', 'old0', 'h', clock.now(), 60_000)).toEqual({ state: 'new' });
      expect(await store.listDevOutbox(live(service.id), undefined, 10)).toEqual([]);
    });

    it('never purges a verification that is still pending and unexpired', async () => {
      const service = make.service();
      await store.createService(service);
      const v = make.verification(service.id, { expiresAt: clock.now() + 40 * 86_400_000 });
      await store.createVerification(v, null);
      clock.advance(31 * 86_400_000);
      expect((await store.purgeBatch(clock.now() - 30 * 86_400_000, 10)).verifications).toBe(0);
      expect(await store.getVerification(live(service.id), v.id)).not.toBeNull();
    });

    attemptsAndLimitsCases(() => ({ store, fx, clock, make }));
    smsDeliveryCases(() => ({ store, clock, make }));
    statsCases(() => ({ store, clock, make }));
  });
}
