import type { Row } from '../rows.js';
import type { PgDatabase, Queryable } from '../postgres/postgres.pool.js';
import { runWorkAsync } from './driver.js';
import type { Dialect, SqlDriver, Statement, Work } from './driver.js';

export const POSTGRES_DIALECT: Dialect = {
  name: 'postgres',
  forUpdate: ' FOR UPDATE',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
  inTextArray: (column) => `${column} = ANY(?::text[])`,
  textArray: (values) => values,
  nowMs: '(extract(epoch FROM clock_timestamp()) * 1000)::bigint',
};

/**
 * PostgreSQL through the pool (postgres/postgres.pool.ts: errors that mean "unreachable" become
 * 503, connections always go back). `?` placeholders are numbered once per statement text.
 */
export class PostgresDriver implements SqlDriver {
  readonly dialect = POSTGRES_DIALECT;
  readonly db: PgDatabase;
  readonly #numbered = new Map<string, string>();

  readonly #via: Queryable | undefined;

  /** `via`: the pool its statements outside transactions use (default: the main one). */
  constructor(db: PgDatabase, via?: Queryable) {
    this.db = db;
    this.#via = via;
  }

  /** `?` → `$1, $2…` (statements hold no literal `?`). */
  #text(sql: string): string {
    let text = this.#numbered.get(sql);
    if (text === undefined) {
      let n = 0;
      text = sql.replace(/\?/g, () => `$${++n}`);
      this.#numbered.set(sql, text);
    }
    return text;
  }

  async #query(sql: string, params: readonly unknown[], client: Queryable | undefined = this.#via) {
    return this.db.query(this.#text(sql), [...params], client);
  }

  async all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.#query(sql, params)).rows;
  }

  async get(sql: string, params: readonly unknown[] = []): Promise<Row | undefined> {
    return (await this.#query(sql, params)).rows[0];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.#query(sql, params)).rowCount ?? 0;
  }

  transaction<T>(work: () => Work<T>): Promise<T> {
    return this.db.tx((client) => runWorkAsync(work(), (statement) => this.#execute(statement, client)));
  }

  async #execute({ kind, sql, params }: Statement, client: Queryable): Promise<unknown> {
    const result = await this.#query(sql, params, client);
    if (kind === 'all') return result.rows;
    if (kind === 'get') return result.rows[0];
    return result.rowCount ?? 0;
  }

  close(): Promise<void> {
    return this.db.end();
  }
}
