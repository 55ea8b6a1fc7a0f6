import { InvalidArgumentError } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config.js';
import type { Container } from '../container.js';
import { createContainer } from '../container.js';
import type { AuditAction } from '../core/audit.js';
import type { Mode, Origin, Tenant } from '../core/model.js';
import { tenantOf } from '../core/scope.js';
import { createLogger } from '../observability/logger.js';

/**
 * What `otpgate` exits with, so a script can branch on it (README, "CLI"). Output on success is
 * JSON on stdout; every failure writes one line to stderr (a problem's JSON for code 1).
 */
export const EXIT = {
  /** Done; the answer is on stdout. */
  ok: 0,
  /** The request was refused (bad input, not found, a rule): `{"code","status","detail"}` on stderr. */
  refused: 1,
  /** Bad usage (unknown command, missing option) or invalid configuration (a variable named on stderr). */
  usage: 2,
  /** `check` only: the code is wrong; the verification (valid: false, attempts left) is on stdout. */
  wrongCode: 3,
  /** Unavailable or unexpected: the store or Redis cannot be reached, a 5xx-class problem, a bug. Trying again may work. */
  failed: 4,
} as const;

/** Refused before touching anything: a usage mistake the command itself finds (exit 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Runs one command against the configured store and prints what it returns as JSON on stdout.
 * Logs go to stderr, so `| jq` reads only the answer.
 */
export async function withContainer<T>(run: (c: Container) => Promise<T>): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, pino.destination({ dest: 2, sync: true }));
  // Unknown OTPGATE_* variables matter to a command too (a mistyped OTPGATE_DATA_DIR points it elsewhere).
  for (const unknown of config.unknownVariables) {
    logger.warn({ variable: unknown.name, closest: unknown.closest }, `${unknown.name} is not an otpgate variable and is ignored${unknown.closest === null ? '' : `; did you mean ${unknown.closest}?`}`);
  }
  const c = await createContainer(config, { defaultMetrics: false, logger });
  try {
    const result = await run(c);
    if (result !== undefined) printJson(result);
  } finally {
    await c.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Changes made with the CLI are audited too: by `cli`, on this machine. */
export async function audited(c: Container, entry: { action: AuditAction; serviceId: string | null; targetId: string | null; before?: unknown; after?: unknown }): Promise<void> {
  await c.audit.record({
    actor: { kind: 'cli', keyId: null, mode: null },
    action: entry.action,
    serviceId: entry.serviceId,
    targetId: entry.targetId,
    before: entry.before ?? null,
    after: entry.after ?? null,
    requestId: null,
    sourceIp: null,
  });
}

/** The CLI runs on this machine: its starts and checks count as coming from the loopback address. */
export const CLI_ORIGIN: Origin = { sourceIp: '127.0.0.1', clientIp: null };

/** The service's live world, or its test world with `--test`, as a key of that mode would see it. */
export async function tenantFor(c: Container, serviceId: string, test: boolean | undefined): Promise<Tenant> {
  const mode: Mode = test ? 'test' : 'live';
  return tenantOf(await c.tenancy.getService(serviceId), mode);
}

export const positiveInt = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
};

/** `--json '{"…"}'`: an object, or a usage error naming the option. */
export const jsonObject = (value: string): Record<string, unknown> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError('must be a JSON object, e.g. \'{"ttl_seconds": 600}\'');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new InvalidArgumentError('must be a JSON object');
  return parsed as Record<string, unknown>;
};

/** `a,b, c` → ['a', 'b', 'c']. */
export const commaList = (value: string): string[] => value.split(',').map((part) => part.trim()).filter(Boolean);
