import type { ConsoleSessionRecord, ConsoleSessionStore, StatsCountRow, StatsQuery, StatsStore } from '../core/ports.js';
import type { Mode } from '../core/model.js';
import { TTA_BOUNDS_S } from './migrations.common.js';
import type { SqlDriver } from './sql/driver.js';
import { DAY_MS, countRefusal } from './stats-counts.sql.js';

const TTA = Array.from({ length: TTA_BOUNDS_S.length + 1 }, (_, i) => `tta_${i}`);
const GROUP_COLUMN = { day: 'day', country: 'country', provider: 'provider', channel: 'channel' } as const;

const dayKey = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * Reads of the statistics counters (the writes ride in the store's transactions, see
 * stats-counts.sql.ts), and the console's sessions. A period is a range of the primary key's
 * `day` under one service and mode (or every service's rows of one mode, for an admin), so it
 * reads a few rows a day whatever the number of verifications.
 */
export class SqlStatsStore implements StatsStore, ConsoleSessionStore {
  readonly #sql: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#sql = driver;
  }

  #where(query: StatsQuery): { where: string; params: unknown[] } {
    const params: unknown[] = [];
    let where = 'WHERE mode = ? AND day >= ? AND day <= ?';
    params.push(query.mode, query.fromDay, query.toDay);
    if (query.serviceId !== null) {
      where = `WHERE service_id = ? AND ${where.slice(6)}`;
      params.unshift(query.serviceId);
    }
    return { where, params };
  }

  async statsCounts(query: StatsQuery): Promise<StatsCountRow[]> {
    const group = GROUP_COLUMN[query.groupBy];
    const { where, params } = this.#where(query);
    const sums = ['started', 'approved', 'messages', 'sent', 'delivered', 'failed', 'undelivered', ...TTA].map((c) => `SUM(${c}) AS ${c}`).join(', ');
    const keyColumns = group === 'channel' || group === 'country' ? 'service_id, channel, country' : `${group}, service_id, channel, country`;
    const rows = await this.#sql.all(
      `SELECT ${keyColumns}, ${sums} FROM stats_counts ${where} GROUP BY ${keyColumns} ORDER BY ${keyColumns}`,
      params,
    );
    return rows.map((r) => ({
      key: group === 'day' ? dayKey(Number(r.day)) : String(r[group] ?? ''),
      serviceId: String(r.service_id),
      channel: String(r.channel),
      country: String(r.country),
      started: Number(r.started),
      approved: Number(r.approved),
      messages: Number(r.messages),
      sent: Number(r.sent),
      delivered: Number(r.delivered),
      failed: Number(r.failed),
      undelivered: Number(r.undelivered),
      tta: TTA.map((c) => Number(r[c])),
    }));
  }

  async statsRefusals(query: StatsQuery): Promise<Array<{ key: string; rule: string; refusals: number }>> {
    const { where, params } = this.#where(query);
    const byDay = query.groupBy === 'day';
    const rows = await this.#sql.all(
      `SELECT ${byDay ? 'day, ' : ''}rule, SUM(refusals) AS refusals FROM stats_refusals ${where} GROUP BY ${byDay ? 'day, ' : ''}rule ORDER BY ${byDay ? 'day, ' : ''}rule`,
      params,
    );
    return rows.map((r) => ({ key: byDay ? dayKey(Number(r.day)) : '', rule: String(r.rule), refusals: Number(r.refusals) }));
  }

  async countRefusal(serviceId: string, mode: Mode, rule: string, now: number): Promise<void> {
    const statement = countRefusal(serviceId, mode, rule, now);
    await this.#sql.run(statement.sql, statement.params);
  }

  async createConsoleSession(session: ConsoleSessionRecord, now: number): Promise<void> {
    await this.#sql.run('DELETE FROM console_sessions WHERE expires_at <= ?', [now]);
    await this.#sql.run('INSERT INTO console_sessions (id_hash, key_sealed, created_at, expires_at) VALUES (?, ?, ?, ?)', [
      session.idHash, session.keySealed, session.createdAt, session.expiresAt,
    ]);
  }

  async findConsoleSession(idHash: string, now: number): Promise<ConsoleSessionRecord | null> {
    const row = await this.#sql.get('SELECT * FROM console_sessions WHERE id_hash = ? AND expires_at > ?', [idHash, now]);
    if (!row) return null;
    return { idHash: String(row.id_hash), keySealed: Buffer.from(row.key_sealed as Uint8Array), createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) };
  }

  async deleteConsoleSession(idHash: string): Promise<void> {
    await this.#sql.run('DELETE FROM console_sessions WHERE id_hash = ?', [idHash]);
  }
}
