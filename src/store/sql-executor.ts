import type { Row } from './rows.js';

/**
 * The statements a part of the store runs: SQL written once with `?` placeholders, the same in
 * both dialects (the SQL store's driver, sql/driver.ts, is one).
 */
export interface SqlExecutor {
  all(sql: string, params: unknown[]): Promise<Row[]>;
  get(sql: string, params: unknown[]): Promise<Row | undefined>;
  /** Rows changed. */
  run(sql: string, params: unknown[]): Promise<number>;
}
