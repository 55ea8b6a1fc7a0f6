import type { Row } from '../rows.js';

/**
 * The one SQL store runs on either database through a driver. SQL is written once, with `?`
 * placeholders (the PostgreSQL driver numbers them); the few statements that truly differ ask
 * the driver's `dialect`.
 *
 * A unit of work that must be atomic — several statements, later ones depending on what earlier
 * ones returned — is a generator of statements (`Work`): each `yield* q.get(…)` hands one
 * statement to the driver and gets its result back, typed. The SQLite driver runs the whole
 * generator synchronously inside one transaction (so nothing else of this process can run in
 * between, and better-sqlite3's transactions stay synchronous); the PostgreSQL driver runs it
 * statement by statement on one connection between BEGIN and COMMIT. The store's code is the
 * same for both.
 */

/** One statement and the kind of answer wanted from it. */
export interface Statement {
  kind: 'all' | 'get' | 'run';
  sql: string;
  params: readonly unknown[];
}

/** A unit of work: yields statements, gets their results, returns T. */
export type Work<T> = Generator<Statement, T, unknown>;

/** Statements as steps of a `Work` (use with `yield*`). */
export const q = {
  *all(sql: string, params: readonly unknown[] = []): Work<Row[]> {
    return (yield { kind: 'all', sql, params }) as Row[];
  },
  *get(sql: string, params: readonly unknown[] = []): Work<Row | undefined> {
    return (yield { kind: 'get', sql, params }) as Row | undefined;
  },
  /** Rows changed. */
  *run(sql: string, params: readonly unknown[] = []): Work<number> {
    return (yield { kind: 'run', sql, params }) as number;
  },
};

/** What differs between the two databases, as SQL fragments. */
export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /** Appended to a SELECT that chooses rows to lock for the rest of the transaction (SQLite: its write lock already does). */
  readonly forUpdate: string;
  /** Appended to a SELECT that chooses rows to claim while other instances claim too. */
  readonly skipLocked: string;
  /** A condition "column is one of the strings in the array parameter". */
  inTextArray(column: string): string;
  /** The parameter for `inTextArray`. */
  textArray(values: readonly string[]): unknown;
  /** The database's own clock, in epoch milliseconds (instances of several hosts compare liveness on one clock). */
  readonly nowMs: string;
}

export interface SqlDriver {
  readonly dialect: Dialect;
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  get(sql: string, params?: readonly unknown[]): Promise<Row | undefined>;
  /** Rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs `work` atomically: all of its statements or none. */
  transaction<T>(work: () => Work<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * Runs a unit of work synchronously against a synchronous statement runner. A statement that
 * fails is thrown into the work at its `yield`, so it may catch it (its `finally` runs either way).
 */
export function runWorkSync<T>(work: Work<T>, execute: (statement: Statement) => unknown): T {
  let step = work.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = execute(step.value);
    } catch (error) {
      step = work.throw(error);
      continue;
    }
    step = work.next(result);
  }
  return step.value;
}

/** The same against an asynchronous statement runner, one statement at a time. */
export async function runWorkAsync<T>(work: Work<T>, execute: (statement: Statement) => Promise<unknown>): Promise<T> {
  let step = work.next();
  while (!step.done) {
    let result: unknown;
    try {
      result = await execute(step.value);
    } catch (error) {
      step = work.throw(error);
      continue;
    }
    step = work.next(result);
  }
  return step.value;
}
