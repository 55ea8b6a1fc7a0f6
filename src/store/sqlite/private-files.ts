import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** A file or directory that others than the service user may read, as found at start. */
export interface WidePermission {
  path: string;
  /** Octal, e.g. `644`. */
  mode: string;
}

/**
 * The data directory and the database hold phone numbers, events and sealed codes: they are the
 * service user's alone (rule T6). Creates the directory 0700 and the database file 0600 before
 * SQLite opens it (SQLite then gives its WAL and SHM files the database file's mode); what
 * already exists is left as it is and reported when group or others may read it, so an operator
 * who chose wider access on purpose keeps it but hears about it.
 */
export function preparePrivateDatabase(path: string): WidePermission[] {
  const directory = dirname(path);
  if (!existsSync(directory)) mkdirSync(directory, { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  return widePermissions([directory, path, `${path}-wal`, `${path}-shm`]);
}

/** The paths among these that exist and that group or others may access. */
export function widePermissions(paths: readonly string[]): WidePermission[] {
  const wide: WidePermission[] = [];
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) wide.push({ path, mode: mode.toString(8) });
  }
  return wide;
}
