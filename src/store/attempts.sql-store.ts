import type { AttemptRecord, AttemptSummary, Page, ReadScope, VerificationStatus } from '../core/model.js';
import type { AttemptFilter, AttemptStore, ListOptions } from '../core/ports.js';
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

  async listAttempts(scope: ReadScope, filter: AttemptFilter, options: ListOptions): Promise<Page<AttemptRecord>> {
    const { where, params } = attemptWhere(scope, filter);
    const after = decodeCursor(options.cursor);
    if (after !== null) {
      where.push('m.id < ?');
      params.push(after);
    }
    params.push(options.limit + 1);
    const rows = await this.#sql.all(`SELECT m.*, v.status AS v_status, v.country AS v_country, v.locale AS v_locale, v.channel AS v_channel
      FROM messages m JOIN verifications v ON v.id = m.verification_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY m.id DESC LIMIT ?`, params);
    const data = rows.map(toAttempt);
    if (data.length <= options.limit) return { data, nextCursor: null };
    const kept = data.slice(0, options.limit);
    return { data: kept, nextCursor: encodeCursor(kept[kept.length - 1]!.message.id) };
  }

  async getAttempt(scope: ReadScope, messageId: string): Promise<AttemptRecord | null> {
    const { where, params } = attemptWhere(scope, {});
    where.push('m.id = ?');
    params.push(messageId);
    const row = await this.#sql.get(`SELECT m.*, v.status AS v_status, v.country AS v_country, v.locale AS v_locale, v.channel AS v_channel
      FROM messages m JOIN verifications v ON v.id = m.verification_id WHERE ${where.join(' AND ')}`, params);
    return row ? toAttempt(row) : null;
  }

  async summarizeAttempts(scope: ReadScope, filter: AttemptFilter): Promise<AttemptSummary> {
    const { where, params } = attemptWhere(scope, filter);
    const row = await this.#sql.get(`SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN v.status = 'approved' THEN 1 ELSE 0 END), 0) AS converted
      FROM messages m JOIN verifications v ON v.id = m.verification_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`, params);
    return { total: Number(row?.total ?? 0), converted: Number(row?.converted ?? 0) };
  }
}

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
  if (filter.destinationPrefix !== undefined) add("m.to_number LIKE ? ESCAPE '\\'", `${filter.destinationPrefix.replace(/[\\%_]/g, '\\$&')}%`);
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
