import type { Database, Statement as Prepared } from 'better-sqlite3';
import type { Row } from '../rows.js';
import { GroupCommit } from '../sqlite/group-commit.js';
import { runWorkSync } from './driver.js';
import type { Dialect, SqlDriver, Statement, Work } from './driver.js';

export const SQLITE_DIALECT: Dialect = {
  name: 'sqlite',
  forUpdate: '',
  skipLocked: '',
  inTextArray: (column) => `${column} IN (SELECT value FROM json_each(?))`,
  textArray: (values) => JSON.stringify(values),
  nowMs: "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
};

/** better-sqlite3 binds numbers, strings, bigints, buffers and null: booleans become 1 and 0. */
function bind(params: readonly unknown[]): unknown[] {
  return params.map((p) => (p === true ? 1 : p === false ? 0 : p));
}

/**
 * SQLite through better-sqlite3, with group commit (sqlite/group-commit.ts): a statement that
 * writes, and every unit of work, joins the batch of the current event-loop turn and resolves
 * once it has committed; a statement that only reads (SQLite says so: `readonly`) runs at once
 * and hands its rows out after the open batch commits. Which is which is known where each
 * statement runs, not from a list of method names.
 */
export class SqliteDriver implements SqlDriver {
  readonly dialect = SQLITE_DIALECT;
  readonly db: Database;
  readonly group: GroupCommit;
  readonly #statements = new Map<string, Prepared>();

  constructor(db: Database) {
    this.db = db;
    this.group = new GroupCommit(db);
  }

  /** A prepared statement, cached by its text (the store's statements are a fixed set). */
  prepare(sql: string): Prepared {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #run<T>(sql: string, run: (statement: Prepared) => T): Promise<T> {
    const statement = this.prepare(sql);
    return statement.readonly ? this.group.read(() => run(statement)) : this.group.write(() => run(statement));
  }

  all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.#run(sql, (s) => s.all(...bind(params)) as Row[]);
  }

  get(sql: string, params: readonly unknown[] = []): Promise<Row | undefined> {
    return this.#run(sql, (s) => s.get(...bind(params)) as Row | undefined);
  }

  run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.#run(sql, (s) => s.run(...bind(params)).changes);
  }

  /** The work runs at once, synchronously, as a transaction of its own inside the batch (a SAVEPOINT). */
  transaction<T>(work: () => Work<T>): Promise<T> {
    return this.group.write(() => this.db.transaction(() => runWorkSync(work(), (statement) => this.execute(statement)))());
  }

  /** One statement now, outside any batch bookkeeping: for work already inside a transaction. */
  execute({ kind, sql, params }: Statement): unknown {
    const statement = this.prepare(sql);
    const values = bind(params);
    if (kind === 'all') return statement.all(...values);
    if (kind === 'get') return statement.get(...values);
    return statement.run(...values).changes;
  }

  async close(): Promise<void> {
    await this.group.flush().catch(() => {});
    if (this.db.open) this.db.close();
  }
}
