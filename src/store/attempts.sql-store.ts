import type { AttemptRecord, AttemptSummary, Page, ReadScope, VerificationStatus } from '../core/model.js';
import type { AttemptFilter, AttemptStore, AttemptSummaryFilter, ListOptions, ProvenTraffic } from '../core/ports.js';
import { HOUR_MS, PREFIX_LENGTH } from './attempt-counts.sql.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { toMessage } from './rows.js';
import type { Row } from './rows.js';
import type { SqlExecutor } from './sql-executor.js';

/** The attempts log on either SQL store: messages joined with the state of their verification. */
export class SqlAttemptStore implements AttemptStore {
  readonly #sql: SqlExecutor;

  constructor(executor: SqlExecutor) {
    this.#sql = executor;
  }

  /**
   * Newest first, and bounded: a page looks at most SCAN_WINDOW sends of the scope (an index range
   * below the cursor), whatever the filters. When they match fewer than `limit` in that window,
   * the page is short and `nextCursor` goes on below the window, so a rare filter costs more
   * pages, never one long scan on the event loop (rule T8).
   */
  async listAttempts(scope: ReadScope, filter: AttemptFilter, options: ListOptions): Promise<Page<AttemptRecord>> {
    const { where, params } = attemptWhere(scope, filter);
    const after = decodeCursor(options.cursor);
    if (after !== null) {
      where.push('m.id < ?');
      params.push(after);
    }
    // One verification's sends are found through its index: no window needed.
    const windowEnd = filter.verificationId === undefined ? await this.#windowEnd(scope, after) : null;
    if (windowEnd !== null) {
      where.push('m.id >= ?');
      params.push(windowEnd);
    }
    params.push(options.limit + 1);
    const rows = await this.#sql.all(`SELECT m.*, v.status AS v_status, v.country AS v_country, v.locale AS v_locale, v.channel AS v_channel
      FROM messages m JOIN verifications v ON v.id = m.verification_id
      WHERE ${where.join(' AND ')} ORDER BY m.id DESC LIMIT ?`, params);
    const data = rows.map(toAttempt);
    if (data.length > options.limit) {
      const kept = data.slice(0, options.limit);
      return { data: kept, nextCursor: encodeCursor(kept[kept.length - 1]!.message.id) };
    }
    return { data, nextCursor: windowEnd === null ? null : encodeCursor(windowEnd) };
  }

  /** The last send id inside the scan window below `after`, or null when the window reaches the end. */
  async #windowEnd(scope: ReadScope, after: string | null): Promise<string | null> {
    const where = ['mode = ?'];
    const params: unknown[] = [scope.mode];
    if (scope.serviceId !== null) {
      where.unshift('service_id = ?');
      params.unshift(scope.serviceId);
    }
    if (after !== null) {
      where.push('id < ?');
      params.push(after);
    }
    const row = await this.#sql.get(`SELECT id FROM messages WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT 1 OFFSET ?`, [...params, SCAN_WINDOW - 1]);
    return (row?.id as string | undefined) ?? null;
  }

  async getAttempt(scope: ReadScope, messageId: string): Promise<AttemptRecord | null> {
    const { where, params } = attemptWhere(scope, {});
    where.push('m.id = ?');
    params.push(messageId);
    const row = await this.#sql.get(`SELECT m.*, v.status AS v_status, v.country AS v_country, v.locale AS v_locale, v.channel AS v_channel
      FROM messages m JOIN verifications v ON v.id = m.verification_id WHERE ${where.join(' AND ')}`, params);
    return row ? toAttempt(row) : null;
  }

  async provenTraffic(serviceId: string, since: number): Promise<ProvenTraffic> {
    const rows = await this.#sql.all(`SELECT hour, SUM(proven) AS proven FROM attempt_counts
      WHERE service_id = ? AND mode = 'live' AND hour >= ? GROUP BY hour`, [serviceId, Math.floor(since / HOUR_MS)]);
    let peakHour = 0;
    const days = new Map<number, number>();
    for (const row of rows) {
      const proven = Number(row.proven);
      peakHour = Math.max(peakHour, proven);
      const day = Math.floor(Number(row.hour) / 24);
      days.set(day, (days.get(day) ?? 0) + proven);
    }
    return { peakHour, peakDay: Math.max(0, ...days.values()) };
  }

  /**
   * From the hourly counters (store/attempt-counts.sql.ts): a sum over at most one row per hour,
   * country and 4-digit prefix of the period, never a scan of the sends. Periods are whole hours:
   * the hours that hold `createdAfter` and `createdBefore` count in full.
   */
  async summarizeAttempts(scope: ReadScope, filter: AttemptSummaryFilter): Promise<AttemptSummary> {
    const where = ['mode = ?'];
    const params: unknown[] = [scope.mode];
    const add = (clause: string, value: unknown) => {
      where.push(clause);
      params.push(value);
    };
    if (scope.serviceId !== null) add('service_id = ?', scope.serviceId);
    if (filter.createdAfter !== undefined) add('hour >= ?', Math.floor(filter.createdAfter / HOUR_MS));
    if (filter.createdBefore !== undefined) add('hour <= ?', Math.floor((filter.createdBefore - 1) / HOUR_MS));
    if (filter.country !== undefined) add('country = ?', filter.country);
    if (filter.destinationPrefix !== undefined) {
      if (filter.destinationPrefix.length > PREFIX_LENGTH) throw new Error('destination prefixes are counted to 4 digits after +');
      add('prefix LIKE ?', `${filter.destinationPrefix}%`);
    }
    const row = await this.#sql.get(`SELECT COALESCE(SUM(attempts), 0) AS total, COALESCE(SUM(converted), 0) AS converted
      FROM attempt_counts WHERE ${where.join(' AND ')}`, params);
    return { total: Number(row?.total ?? 0), converted: Number(row?.converted ?? 0) };
  }
}

/** Sends one attempts page may look at (see listAttempts). */
export const SCAN_WINDOW = 1000;

/** Suppressed sends (test numbers) never reached a phone: they are not attempts. */
function attemptWhere(scope: ReadScope, filter: AttemptFilter): { where: string[]; params: unknown[] } {
  const where = ["m.status <> 'suppressed'", 'm.mode = ?'];
  const params: unknown[] = [scope.mode];
  const add = (clause: string, value: unknown) => {
    where.push(clause);
    params.push(value);
  };
  if (scope.serviceId !== null) add('m.service_id = ?', scope.serviceId);
  if (filter.verificationId !== undefined) add('m.verification_id = ?', filter.verificationId);
  if (filter.to !== undefined) add('m.to_number = ?', filter.to);
  if (filter.country !== undefined) add('v.country = ?', filter.country);
  if (filter.createdAfter !== undefined) add('m.created_at > ?', filter.createdAfter);
  if (filter.createdBefore !== undefined) add('m.created_at < ?', filter.createdBefore);
  if (filter.converted !== undefined) where.push(filter.converted ? "v.status = 'approved'" : "v.status <> 'approved'");
  return { where, params };
}

function toAttempt(row: Row): AttemptRecord {
  const message = toMessage(row);
  return {
    message,
    verification: {
      id: message.verificationId,
      serviceId: message.serviceId,
      to: message.to,
      country: (row.v_country as string | null) ?? null,
      channel: 'sms',
      status: row.v_status as VerificationStatus,
      locale: row.v_locale as string,
    },
  };
}
