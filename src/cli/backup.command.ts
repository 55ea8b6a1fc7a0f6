import { chmodSync, closeSync, constants as fsConstants, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { loadConfig, sqlitePath } from '../config.js';
import { UsageError, printJson } from './cli.context.js';

export interface BackupResult {
  /** The copy, absolute. */
  file: string;
  bytes: number;
  /** Where the server secret was copied, or null. */
  secret_file: string | null;
  /** What else the copy needs to be restored (the secret), when it is not next to it. */
  warning: string | null;
}

/**
 * An online, consistent copy of the SQLite database, taken with SQLite's backup API while the
 * server keeps serving: WAL mode lets the copy read one snapshot while writers go on. The copy is
 * checked (`PRAGMA quick_check`) and only then moved to `file`, mode 0600 like the database.
 *
 * The copy alone is not enough: codes, webhook secrets and provider credentials are keyed or
 * sealed with the server secret (<data dir>/secret unless OTPGATE_SECRET is set). `withSecret`
 * copies that file next to the backup (`<file>.secret`, mode 0600).
 */
export async function backupDatabase(config: Readonly<Config>, target: string, options: { withSecret?: boolean; force?: boolean } = {}): Promise<BackupResult> {
  if (config.store !== 'sqlite') {
    throw new UsageError('otpgate backup copies the embedded SQLite database; with PostgreSQL use pg_dump or your provider\'s snapshots (docs/deploy.md, "Backups")');
  }
  const source = sqlitePath(config.databaseUrl);
  if (source === ':memory:') throw new UsageError('OTPGATE_DATABASE_URL is sqlite::memory:, which has nothing to back up');
  if (!existsSync(source)) throw new UsageError(`no database at ${source} (check OTPGATE_DATA_DIR / OTPGATE_DATABASE_URL)`);
  const file = resolve(target);
  if (file === resolve(source)) throw new UsageError('the backup cannot overwrite the database itself');
  const secretSource = config.secret === null ? join(config.dataDir, 'secret') : null;
  const secretFile = options.withSecret && secretSource !== null ? `${file}.secret` : null;
  for (const path of [file, secretFile]) {
    if (path !== null && existsSync(path) && !options.force) throw new UsageError(`${path} exists; choose another name or add --force`);
  }
  if (!existsSync(dirname(file))) throw new UsageError(`the directory ${dirname(file)} does not exist`);

  const partial = `${file}.partial-${process.pid}`;
  const db = new Database(source, { fileMustExist: true, timeout: 10_000 });
  try {
    // All remaining pages in one step: one read snapshot, so writes by the server during the copy
    // cannot make SQLite restart it (it restarts a copy whose source another connection changed).
    await db.backup(partial, { progress: ({ remainingPages }) => Math.max(remainingPages, 1) });
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
  try {
    chmodSync(partial, 0o600);
    const copy = new Database(partial, { fileMustExist: true });
    try {
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`the copy failed its integrity check: ${String(check)}`);
      // One self-contained file (no -wal beside it); the server turns WAL on again when it opens it.
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    renameSync(partial, file);
  } catch (error) {
    for (const leftover of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`]) rmSync(leftover, { force: true });
    throw error;
  }

  let warning: string | null = null;
  if (secretFile !== null && secretSource !== null) {
    // Written to a new file of our own (O_EXCL: never through a link someone planted at the name)
    // and renamed over <file>.secret, as the database copy is.
    const partialSecret = `${secretFile}.${process.pid}.partial`;
    rmSync(partialSecret, { force: true });
    const fd = openSync(partialSecret, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, readFileSync(secretSource));
    } finally {
      closeSync(fd);
    }
    renameSync(partialSecret, secretFile);
  } else if (secretSource !== null) {
    warning = `the backup is useless without the server secret ${secretSource}: keep a copy of it apart (or add --with-secret to write ${file}.secret)`;
  } else {
    warning = 'the server secret comes from OTPGATE_SECRET: keep that value, the backup is useless without it';
  }
  return { file, bytes: statSync(file).size, secret_file: secretFile, warning };
}

export function registerBackupCommand(program: Command): void {
  program
    .command('backup')
    .description('Copy the SQLite database while the server runs (a consistent snapshot, mode 0600); see docs/deploy.md for restoring')
    .argument('<file>', 'where to write the copy')
    .option('--with-secret', 'also copy the server secret to <file>.secret (mode 0600): a restore needs it')
    .option('--force', 'overwrite <file> (and <file>.secret)')
    .action(async (file: string, options: { withSecret?: boolean; force?: boolean }) => {
      const result = await backupDatabase(loadConfig(), file, options);
      if (result.warning !== null) process.stderr.write(`otpgate: warning: ${result.warning}\n`);
      printJson(result);
    });
}
