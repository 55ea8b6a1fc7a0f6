/**
 * `npx tsx bench/frames.ts [--with-status-index]`: WAL frames (B-tree pages written) per commit of
 * the store's hot writes on SQLite — a start (verification, message, its counters and events),
 * the send's outcome, a wrong check, a right check — each committed alone, as under light load
 * (under heavy load group commit shares pages between the starts of one commit). The store
 * runs as otpgate runs it, minus the checkpointer, so the WAL only grows and its size counts the
 * frames. `--with-status-index` puts back the index migration 103 dropped, for the comparison.
 */
import { statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CodeVault } from '../src/core/code-vault.js';
import { EventFactory } from '../src/core/events.js';
import { newId } from '../src/core/ids.js';
import type { MessageRecord, VerificationRecord } from '../src/core/model.js';
import { cryptoRandom, systemClock } from '../src/core/random.js';
import { DEFAULT_SETTINGS } from '../src/core/service-settings.js';
import { SqlStore } from '../src/store/sql.store.js';
import { SqliteDriver } from '../src/store/sql/sqlite.driver.js';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/migrations.js';

const N = 2000;
const withStatusIndex = process.argv.includes('--with-status-index');
const dir = mkdtempSync(join(tmpdir(), 'otpgate-frames-'));
const path = join(dir, 'otpgate.db');
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('wal_autocheckpoint = 0');
for (const m of SQLITE_MIGRATIONS) db.exec(m.sql);
if (withStatusIndex) db.exec('CREATE INDEX verifications_status ON verifications(service_id, mode, status, id)');
db.pragma('wal_checkpoint(TRUNCATE)');
const pageSize = db.pragma('page_size', { simple: true }) as number;
const frames = () => {
  try {
    return Math.max(0, (statSync(`${path}-wal`).size - 32) / (pageSize + 24));
  } catch {
    return 0;
  }
};

const store = new SqlStore(new SqliteDriver(db), { vault: new CodeVault(cryptoRandom.bytes(32), cryptoRandom), migrate: async () => 0 });
const events = new EventFactory(systemClock, cryptoRandom);
const now = Date.now();
const service = { id: newId('svc', systemClock, cryptoRandom), settings: { ...structuredClone(DEFAULT_SETTINGS), name: 'Frames' }, createdAt: now, updatedAt: now };
await store.createService(service);
const totals = { start: 0, sent: 0, wrongCheck: 0, rightCheck: 0 };
const made: Array<{ v: VerificationRecord; m: MessageRecord }> = [];
for (let i = 0; i < N; i++) {
  const t = Date.now();
  const v: VerificationRecord = {
    id: newId('ver', systemClock, cryptoRandom), serviceId: service.id, to: `+1415${2000000 + i}`, country: 'US', channel: 'sms', status: 'pending',
    locale: 'en', codeDigest: cryptoRandom.bytes(32), codeSealed: cryptoRandom.bytes(40), contextDigest: 'ctx', attempts: 0, maxAttempts: 5,
    sendCount: 1, maxSends: 5, resendCooldownMs: 30_000, lastSendAt: t, expiresAt: t + 300_000, createdAt: t, updatedAt: t, isTest: false,
    mode: 'live', clientIp: null, customCode: false, friendlyName: null, appHash: null,
  };
  const m: MessageRecord = {
    id: newId('msg', systemClock, cryptoRandom), verificationId: v.id, serviceId: service.id, mode: 'live', channel: 'sms', to: v.to, status: 'sending', attempts: 0,
    nextAttemptAt: t, leaseUntil: t + 30_000, leaseOwner: 'ins_frames', provider: null, providerMessageId: null, errorCode: null, createdAt: t, updatedAt: t,
  };
  let before = frames();
  await store.createVerification(v, m, [events.create(v, 'verification.created', { id: v.id })]);
  totals.start += frames() - before;
  before = frames();
  await store.updateMessage(m, { status: 'sent', provider: 'console', providerMessageId: null }, true, Date.now(), events.message('message.sent'));
  totals.sent += frames() - before;
  made.push({ v, m });
}
for (const { v } of made) {
  let before = frames();
  const checked = await store.recordCheck(v, false, Date.now(), events.verificationOutcome());
  totals.wrongCheck += frames() - before;
  before = frames();
  await store.recordCheck(checked!, true, Date.now(), events.verificationOutcome());
  totals.rightCheck += frames() - before;
}
await store.close();
rmSync(dir, { recursive: true, force: true });
console.log(`WAL frames per commit, ${N} of each, one per commit${withStatusIndex ? ' (with the status index of before migration 103)' : ''}:`);
for (const [name, total] of Object.entries(totals)) console.log(`  ${name.padEnd(12)} ${(total / N).toFixed(2)}`);
