import type { Row } from './rows.js';

/**
 * The few statement shapes the dialect-neutral parts of the SQL stores need. SQL is written once
 * with `?` placeholders; the PostgreSQL executor numbers them (`$1, $2…`). Only for statements
 * whose SQL is the same in both dialects and holds no literal `?`.
 */
export interface SqlExecutor {
  all(sql: string, params: unknown[]): Promise<Row[]>;
  get(sql: string, params: unknown[]): Promise<Row | undefined>;
  /** Rows changed. */
  run(sql: string, params: unknown[]): Promise<number>;
}

/** `?` placeholders → PostgreSQL's `$1, $2…`. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
