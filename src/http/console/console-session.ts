import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CodeVault } from '../../core/code-vault.js';
import type { Clock, ConsoleSessionStore } from '../../core/ports.js';

/** The session cookie: HttpOnly, SameSite=Strict, Path=/console (Secure over HTTPS). */
export const SESSION_COOKIE = 'og_console';
/** The sign-in form's own token cookie (a login CSRF guard: double submit). */
export const SIGN_IN_COOKIE = 'og_console_signin';
/** A session lasts this long from sign-in, whatever happens meanwhile. */
export const SESSION_TTL_MS = 8 * 3_600_000;

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** Equal strings, compared in constant time (C3 applies to tokens too). */
export function sameToken(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = sha256(a);
  const y = sha256(b);
  return timingSafeEqual(x, y);
}

/** The CSRF token of a session: derived from its id, which only the cookie holds (HttpOnly), so a page of another site cannot know it. */
export function csrfTokenOf(sessionId: string): string {
  return sha256(`otpgate-console-csrf\u0000${sessionId}`).toString('base64url');
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Reads one cookie of a `Cookie` header. */
export function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export function setCookie(name: string, value: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  return `${name}=${value}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${options.maxAgeSeconds}${options.secure ? '; Secure' : ''}`;
}

export interface ConsoleSession {
  id: string;
  /** The key signed in with: every call the console makes carries it, so the API's rules apply. */
  key: string;
  csrf: string;
  expiresAt: number;
}

/**
 * Console sessions, kept in the store: the cookie holds a random id; the store holds its SHA-256
 * and the key sealed with the server secret (bound to that hash), so neither the database alone
 * nor a stolen database row signs anyone in. Sign-out deletes the row; a session ends after
 * SESSION_TTL_MS, or as soon as its key is revoked (every call then fails to authenticate).
 */
export class ConsoleSessions {
  constructor(
    private readonly store: ConsoleSessionStore,
    private readonly vault: CodeVault,
    private readonly clock: Clock,
  ) {}

  async create(key: string): Promise<ConsoleSession> {
    const id = newToken();
    const idHash = sha256(id).toString('hex');
    const now = this.clock.now();
    const expiresAt = now + SESSION_TTL_MS;
    await this.store.createConsoleSession({ idHash, keySealed: this.vault.seal(idHash, key), createdAt: now, expiresAt }, now);
    return { id, key, csrf: csrfTokenOf(id), expiresAt };
  }

  async find(id: string | undefined): Promise<ConsoleSession | null> {
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const idHash = sha256(id).toString('hex');
    const row = await this.store.findConsoleSession(idHash, this.clock.now());
    if (!row) return null;
    try {
      return { id, key: this.vault.open(idHash, row.keySealed), csrf: csrfTokenOf(id), expiresAt: row.expiresAt };
    } catch {
      return null;
    }
  }

  async end(id: string): Promise<void> {
    await this.store.deleteConsoleSession(sha256(id).toString('hex'));
  }
}
