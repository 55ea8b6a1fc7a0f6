import { createConnection } from 'node:net';

/**
 * Suites that need a real service (PostgreSQL, Redis, Kannel, Chromium…) skip when it is
 * missing on a developer's machine, and fail in CI: `.ci/run` sets OTPGATE_TEST_REQUIRE_ALL=1,
 * which turns every optional suite into a required one.
 */
export const REQUIRE_ALL = process.env.OTPGATE_TEST_REQUIRE_ALL === '1';

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function tcpReachable(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Whether a suite needing `available` should be skipped: never when everything is required.
 * With `missing` (what to install), a required suite whose dependency is absent fails at once
 * saying so, instead of failing later on a spawn or a time-out.
 */
export function skipUnless(available: boolean, missing?: string): boolean {
  if (!available && REQUIRE_ALL && missing !== undefined) {
    throw new Error(`${missing} is missing, and OTPGATE_TEST_REQUIRE_ALL=1 makes this suite required (.ci/run installs it)`);
  }
  return !available && !REQUIRE_ALL;
}

export const POSTGRES_URL = process.env.OTPGATE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.OTPGATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
