import type { AttemptRecord, AttemptSummary, Page, ReadScope, VerificationStatus } from '../core/model.js';
import type { AttemptFilter, AttemptStore, AttemptSummaryFilter, ListOptions, ProvenTraffic } from '../core/ports.js';
import { HOUR_MS, PREFIX_LENGTH } from './attempt-counts.sql.js';
import { Conditions, scanWindowEnd } from './conditions.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { toChannel, toMessage } from './rows.js';
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
    const conditions = attemptConditions(scope, filter);
    const after = decodeCursor(options.cursor);
    if (after !== null) conditions.add('m.id < ?', after);
    // One verification's sends are found through its index: no window needed.
    const windowEnd = filter.verificationId === undefined ? await scanWindowEnd(this.#sql, 'messages', scope, after) : null;
    if (windowEnd !== null) conditions.add('m.id >= ?', windowEnd);
    const rows = await this.#sql.all(`SELECT m.*, v.status AS v_status, v.country AS v_country, v.locale AS v_locale, v.channel AS v_channel
      FROM messages m JOIN verifications v ON v.id = m.verification_id
      ${conditions.where} ORDER BY m.id DESC LIMIT ?`, conditions.params(options.limit + 1));
    const data = rows.map(toAttempt);
    if (data.length > options.limit) {
      const kept = data.slice(0, options.limit);
      return { data: kept, nextCursor: encodeCursor(kept[kept.length - 1]!.message.id) };
    }
    return { data, nextCursor: windowEnd === null ? null : encodeCursor(windowEnd) };
  }

  async getAttempt(scope: ReadScope, messageId: string): Promise<AttemptRecord | null> {
    const conditions = attemptConditions(scope, {}).add('m.id = ?', messageId);
    const row = await this.#sql.get(`SELECT m.*, v.status AS v_status, v.country AS v_country, v.locale AS v_locale, v.channel AS v_channel
      FROM messages m JOIN verifications v ON v.id = m.verification_id ${conditions.where}`, conditions.params());
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
    const conditions = Conditions.of(scope);
    if (filter.createdAfter !== undefined) conditions.add('hour >= ?', Math.floor(filter.createdAfter / HOUR_MS));
    if (filter.createdBefore !== undefined) conditions.add('hour <= ?', Math.floor((filter.createdBefore - 1) / HOUR_MS));
    if (filter.country !== undefined) conditions.add('country = ?', filter.country);
    if (filter.destinationPrefix !== undefined) {
      if (filter.destinationPrefix.length > PREFIX_LENGTH) throw new Error('destination prefixes are counted to 4 digits after +');
      conditions.add('prefix LIKE ?', `${filter.destinationPrefix}%`);
    }
    const row = await this.#sql.get(`SELECT COALESCE(SUM(attempts), 0) AS total, COALESCE(SUM(converted), 0) AS converted
      FROM attempt_counts ${conditions.where}`, conditions.params());
    return { total: Number(row?.total ?? 0), converted: Number(row?.converted ?? 0) };
  }

}


/** Suppressed sends (test numbers) never reached a phone: they are not attempts. */
function attemptConditions(scope: ReadScope, filter: AttemptFilter): Conditions {
  const conditions = Conditions.of(scope, 'm.').add("m.status <> 'suppressed'");
  if (filter.verificationId !== undefined) conditions.add('m.verification_id = ?', filter.verificationId);
  if (filter.to !== undefined) conditions.add('m.to_number = ?', filter.to);
  if (filter.country !== undefined) conditions.add('v.country = ?', filter.country);
  if (filter.createdAfter !== undefined) conditions.add('m.created_at > ?', filter.createdAfter);
  if (filter.createdBefore !== undefined) conditions.add('m.created_at < ?', filter.createdBefore);
  if (filter.channel !== undefined) conditions.add('m.channel = ?', filter.channel);
  if (filter.converted !== undefined) conditions.add(filter.converted ? "v.status = 'approved'" : "v.status <> 'approved'");
  return conditions;
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
      channel: toChannel(row.v_channel),
      status: row.v_status as VerificationStatus,
      locale: row.v_locale as string,
    },
  };
}
