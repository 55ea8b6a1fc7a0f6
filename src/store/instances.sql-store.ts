import { INSTANCE_DEAD_AFTER_MS } from '../core/ports.js';
import type { InstanceRecord, InstanceStore } from '../core/ports.js';
import { q } from './sql/driver.js';
import type { Dialect, SqlDriver } from './sql/driver.js';

/** Records unseen for this long are deleted when an instance registers (a day's crashes leave no trace). */
const FORGET_AFTER_MS = 24 * 3600_000;

/**
 * A lease whose owner (an instance id, in `column`) is no longer alive: its record is gone (a
 * clean stop, or removed as dead by its successor on the same host) or went unseen for
 * INSTANCE_DEAD_AFTER_MS on the database's clock. Both lease claims (messages, webhook
 * deliveries) take such a lease over without waiting for it to run out. A null owner (a lease
 * taken by an older version) only runs out.
 */
export function leaseOwnerGone(d: Dialect, column: string): string {
  return `${column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM instances WHERE instances.id = ${column} AND instances.seen_at > ${d.nowMs} - ${INSTANCE_DEAD_AFTER_MS})`;
}

export class SqlInstances implements InstanceStore {
  readonly #sql: SqlDriver;
  readonly #liveness: SqlDriver;

  /** `liveness` writes the heartbeat: on PostgreSQL a connection the rest of the work cannot take. */
  constructor(driver: SqlDriver, liveness: SqlDriver) {
    this.#sql = driver;
    this.#liveness = liveness;
  }

  async listInstances(host: string): Promise<InstanceRecord[]> {
    const rows = await this.#sql.all('SELECT id, host, pid, started_at FROM instances WHERE host = ? ORDER BY id', [host]);
    return rows.map((r) => ({ id: r.id as string, host: r.host as string, pid: Number(r.pid), startedAt: Number(r.started_at) }));
  }

  async registerInstance(instance: InstanceRecord, dead: readonly string[]): Promise<void> {
    const d = this.#sql.dialect;
    await this.#sql.transaction(function* () {
      if (dead.length > 0) yield* q.run(`DELETE FROM instances WHERE ${d.inTextArray('id')}`, [d.textArray(dead)]);
      yield* q.run(`DELETE FROM instances WHERE seen_at < ${d.nowMs} - ${FORGET_AFTER_MS}`);
      const { sql, params } = beatStatement(d, instance);
      yield* q.run(sql, params);
    });
  }

  async beatInstance(instance: InstanceRecord): Promise<void> {
    const { sql, params } = beatStatement(this.#liveness.dialect, instance);
    await this.#liveness.run(sql, params);
  }

  async removeInstance(id: string): Promise<void> {
    await this.#sql.run('DELETE FROM instances WHERE id = ?', [id]);
  }
}

/** Inserts or refreshes an instance's record, seen now on the database's clock. */
function beatStatement(d: Dialect, instance: InstanceRecord): { sql: string; params: unknown[] } {
  return {
    sql: `INSERT INTO instances (id, host, pid, started_at, seen_at) VALUES (?, ?, ?, ?, ${d.nowMs})
     ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at`,
    params: [instance.id, instance.host, instance.pid, instance.startedAt],
  };
}
