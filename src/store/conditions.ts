import type { ReadScope } from '../core/model.js';
import type { SqlExecutor } from './sql-executor.js';

/** The most rows a page of a list with no index for its filter looks at (rule T8). */
export const SCAN_WINDOW = 1000;

/** A WHERE clause built condition by condition, each with its parameters in the order they appear. */
export class Conditions {
  readonly #clauses: string[] = [];
  readonly #params: unknown[] = [];

  /** Rows of `scope`: its mode, and its service unless it is an admin's view of every service; `alias` qualifies the columns ('m.'). */
  static of(scope: ReadScope, alias = ''): Conditions {
    const conditions = new Conditions();
    if (scope.serviceId !== null) conditions.add(`${alias}service_id = ?`, scope.serviceId);
    return conditions.add(`${alias}mode = ?`, scope.mode);
  }

  add(clause: string, ...values: unknown[]): this {
    this.#clauses.push(clause);
    this.#params.push(...values);
    return this;
  }

  /** `WHERE …`, or nothing when no condition was added. */
  get where(): string {
    return this.#clauses.length > 0 ? `WHERE ${this.#clauses.join(' AND ')}` : '';
  }

  /** The parameters of `where`, then `more` (a LIMIT, say). */
  params(...more: unknown[]): unknown[] {
    return [...this.#params, ...more];
  }
}

/**
 * Where a bounded page of `table` (newest first) stops looking: the SCAN_WINDOW-th newest id of
 * `scope` below `after`, or null when fewer are left. A page with a filter that no index serves
 * reads ids down to this one only; when it finds fewer rows than it wants, its next cursor goes
 * on below the window, so a rare filter costs more pages, never one long scan (rule T8).
 */
export async function scanWindowEnd(sql: SqlExecutor, table: string, scope: ReadScope, after: string | null): Promise<string | null> {
  const conditions = Conditions.of(scope);
  if (after !== null) conditions.add('id < ?', after);
  const row = await sql.get(`SELECT id FROM ${table} ${conditions.where} ORDER BY id DESC LIMIT 1 OFFSET ?`, conditions.params(SCAN_WINDOW - 1));
  return (row?.id as string | undefined) ?? null;
}
