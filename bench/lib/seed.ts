import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { newId } from '../../src/core/ids.js';
import { ROOT, startProcess } from './processes.js';
import { createService } from './otpgate-client.js';

/** Bump when the seeded rows change shape, so cached files are rebuilt. */
const SEED_VERSION = 5;
/** Rows are seeded 20 days old; a cache older than this is rebuilt so the 30-day retention never purges it mid-run. */
const MAX_CACHE_AGE_MS = 7 * 86_400_000;

export interface Seeded {
  dataDir: string;
  secret: string;
  adminKey: string;
  serviceKey: string;
}

interface SeedMeta extends Omit<Seeded, 'dataDir'> {
  stamp: string;
  seededAt: number;
}

/**
 * A data dir whose store already holds `count` finished verifications, each with its sent
 * message, for the growth scenario. Rows are written straight into SQLite in one transaction
 * (a recursive CTE: about a million rows in seconds, where the API would take many minutes).
 * The seeded file is cached in bench/.cache and copied per run, rebuilt only when the schema
 * (migrations), the seed or the count changes.
 */
export async function seededDataDir(count: number, into: string): Promise<Seeded> {
  const cache = join(ROOT, 'bench/.cache', `growth-${count}`);
  const stamp = createHash('sha256')
    .update(readFileSync(join(ROOT, 'dist/store/sqlite/migrations.js')))
    .update(`${SEED_VERSION}:${count}`)
    .digest('hex');
  const metaFile = join(cache, 'seed.json');
  let meta: SeedMeta | null = existsSync(metaFile) ? (JSON.parse(readFileSync(metaFile, 'utf8')) as SeedMeta) : null;
  if (meta?.stamp !== stamp || Date.now() - (meta.seededAt ?? 0) > MAX_CACHE_AGE_MS) {
    process.stdout.write(`  seeding ${count.toLocaleString('en')} verifications (cached in bench/.cache for later runs)…\n`);
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(cache, { recursive: true });
    meta = await seed(cache, count, stamp);
    writeFileSync(metaFile, JSON.stringify(meta));
  }
  mkdirSync(into, { recursive: true });
  copyFileSync(join(cache, 'otpgate.db'), join(into, 'otpgate.db'));
  return { dataDir: into, secret: meta.secret, adminKey: meta.adminKey, serviceKey: meta.serviceKey };
}

async function seed(dir: string, count: number, stamp: string): Promise<SeedMeta> {
  const secret = randomBytes(32).toString('base64url');
  const adminKey = `og_admin_${randomBytes(24).toString('base64url')}`;
  // The service and its key are made through the API, so they are exactly what otpgate writes.
  const server = await startProcess({
    args: ['dist/main.js'],
    env: { OTPGATE_PORT: '0', OTPGATE_DATA_DIR: dir, OTPGATE_SECRET: secret, OTPGATE_ADMIN_KEY: adminKey, OTPGATE_LOG_LEVEL: 'info' },
  });
  let service: { id: string; key: string };
  try {
    service = await createService(server.url, adminKey, 'Growth');
  } finally {
    await server.stop();
  }

  const db = new Database(join(dir, 'otpgate.db'));
  db.pragma('journal_mode = WAL');
  // Weeks of history, all finished long ago, yet inside the default 30-day retention.
  const start = Date.now() - 20 * 86_400_000;
  // Ids as otpgate makes them: the creation time first (retention finds old rows by id), then
  // the row number where otpgate has random bits.
  db.function('seed_id', { deterministic: true }, (prefix: unknown, time: unknown, i: unknown) => {
    const rowNumber = Buffer.alloc(10);
    rowNumber.writeUIntBE(Number(i), 4, 6);
    return newId(prefix as 'ver', { now: () => Number(time) }, { bytes: () => rowNumber, int: () => 0 });
  });
  db.transaction(() => {
    // Two verifications per number, statuses spread as a real month would leave them.
    db.prepare(`
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
      INSERT INTO verifications (id, service_id, to_number, country, channel, status, locale, code_digest, code_sealed,
        context_digest, attempts, max_attempts, send_count, max_sends, resend_cooldown_ms, last_send_at, expires_at,
        created_at, updated_at, is_test, client_ip)
      SELECT seed_id('ver', ? + i, i), ?, '+1212' || (2000000 + i / 2), 'US', 'sms',
        CASE i % 10 WHEN 0 THEN 'expired' WHEN 1 THEN 'max_attempts_reached' WHEN 2 THEN 'canceled' ELSE 'approved' END,
        'en', randomblob(32), randomblob(34), 'seeded', 1, 5, 1, 5, 30000, ? + i, ? + i + 300000, ? + i, ? + i, 0, NULL
      FROM n`).run(count, start, service.id, start, start, start, start);
    db.prepare(`
      INSERT INTO messages (id, verification_id, service_id, to_number, status, attempts, next_attempt_at, lease_until,
        provider, provider_message_id, error_code, created_at, updated_at)
      SELECT 'msg_' || substr(id, 5), id, service_id, to_number, 'sent', 1, created_at, NULL, 'console', NULL, NULL, created_at, created_at
      FROM verifications WHERE service_id = ?`).run(service.id);
    // The attempts summary's counters, as otpgate keeps them with each send and approval.
    db.prepare(`
      INSERT INTO attempt_counts (service_id, mode, hour, country, prefix, attempts, converted, proven)
      SELECT m.service_id, m.mode, m.created_at / 3600000, COALESCE(v.country, ''), substr(m.to_number, 1, 5),
        COUNT(*), SUM(CASE WHEN v.status = 'approved' THEN 1 ELSE 0 END), SUM(CASE WHEN v.status = 'approved' THEN 1 ELSE 0 END)
      FROM messages m JOIN verifications v ON v.id = m.verification_id WHERE m.service_id = ?
      GROUP BY m.service_id, m.mode, m.created_at / 3600000, COALESCE(v.country, ''), substr(m.to_number, 1, 5)`).run(service.id);
    // The statistics counters (migration 150), as otpgate keeps them with each start, send and approval.
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'stats_counts'").get()) {
      db.prepare(`
        INSERT INTO stats_counts (service_id, mode, day, country, provider, channel, started, approved, messages, sent, tta_0)
        SELECT v.service_id, v.mode, v.created_at / 86400000, COALESCE(v.country, ''), '', v.channel, COUNT(*),
          SUM(CASE WHEN v.status = 'approved' THEN 1 ELSE 0 END), COUNT(*), 0, SUM(CASE WHEN v.status = 'approved' THEN 1 ELSE 0 END)
        FROM verifications v WHERE v.service_id = ? GROUP BY v.service_id, v.mode, v.created_at / 86400000, COALESCE(v.country, ''), v.channel`).run(service.id);
      db.prepare(`
        INSERT INTO stats_counts (service_id, mode, day, country, provider, channel, sent)
        SELECT m.service_id, m.mode, m.created_at / 86400000, 'US', 'console', 'sms', COUNT(*) FROM messages m WHERE m.service_id = ?
        GROUP BY m.service_id, m.mode, m.created_at / 86400000`).run(service.id);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { stamp, seededAt: Date.now(), secret, adminKey, serviceKey: service.key };
}
