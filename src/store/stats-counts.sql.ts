import type { MessageRecord, VerificationRecord } from '../core/model.js';
import { TTA_BOUNDS_S } from './migrations.common.js';

/**
 * The statistics counters (migration 150) as statements both dialects run as written, kept in the
 * transaction of the change they count (as attempt-counts.sql.ts keeps `attempt_counts`): a start
 * counts `started` and, when it queued one, `messages`; an approval counts `approved` and one
 * time-to-approve bucket; a provider's answer `sent` or `failed`; a receipt `delivered` or
 * `undelivered`. Everything counts on the UTC day the verification (or message) was created, so
 * the approvals of a day's starts sit next to them and a conversion rate is a ratio of one row.
 */
export const DAY_MS = 86_400_000;

export type MessageCounter = 'messages' | 'sent' | 'delivered' | 'failed' | 'undelivered';

export interface Statement {
  sql: string;
  params: unknown[];
}

const KEY = 'service_id, mode, day, country, provider, channel';

/**
 * A verification was started. Its message is counted by `countMessage`, or here (`messages` 1)
 * when one statement writes both: PostgreSQL's one-statement start cannot upsert one row twice.
 */
export function countStarted(v: VerificationRecord, messages: 0 | 1 = 0): Statement {
  return {
    sql: `INSERT INTO stats_counts (${KEY}, started, messages) VALUES (?, ?, CAST(? AS INTEGER), ?, '', ?, 1, ${messages})
      ON CONFLICT (${KEY}) DO UPDATE SET started = stats_counts.started + 1, messages = stats_counts.messages + ${messages}`,
    params: [v.serviceId, v.mode, Math.floor(v.createdAt / DAY_MS), v.country ?? '', v.channel],
  };
}

/** The time-to-approve bucket (column index) of `ms`. */
export function ttaBucket(ms: number): number {
  const seconds = ms / 1000;
  const i = TTA_BOUNDS_S.findIndex((bound) => seconds <= bound);
  return i < 0 ? TTA_BOUNDS_S.length : i;
}

/** A verification was approved `now`: counted on the day and under the country and channel it was started with. */
export function countApproved(v: VerificationRecord, now: number, when?: string): Statement {
  const column = `tta_${ttaBucket(now - v.createdAt)}`;
  return {
    sql: `INSERT INTO stats_counts (${KEY}, approved, ${column}) SELECT ?, ?, CAST(? AS INTEGER), ?, '', ?, 1, 1 WHERE ${when ?? 'true'}
      ON CONFLICT (${KEY}) DO UPDATE SET approved = stats_counts.approved + 1, ${column} = stats_counts.${column} + 1`,
    params: [v.serviceId, v.mode, Math.floor(v.createdAt / DAY_MS), v.country ?? '', v.channel],
  };
}

/**
 * One more of `counter` for message `m` (as it is after the change: its provider), under the
 * country of its verification. `when` (SQL) counts only if it holds (a CTE in front changed the row).
 */
export function countMessage(m: MessageRecord, counter: MessageCounter, when?: string, verification?: VerificationRecord): Statement {
  // A verification written in the same statement (PostgreSQL's one-statement start) is not yet
  // visible to a subquery: its country is then given.
  const country = verification ? '?' : `COALESCE((SELECT country FROM verifications WHERE id = ?), '')`;
  return {
    sql: `INSERT INTO stats_counts (${KEY}, ${counter})
      SELECT ?, ?, CAST(? AS INTEGER), ${country}, ?, ?, 1 WHERE ${when ?? 'true'}
      ON CONFLICT (${KEY}) DO UPDATE SET ${counter} = stats_counts.${counter} + 1`,
    params: [m.serviceId, m.mode, Math.floor(m.createdAt / DAY_MS), verification ? (verification.country ?? '') : m.verificationId, m.provider ?? '', m.channel],
  };
}

/** The counter a message's new status adds to, if any: a provider's answer or a receipt. */
export function counterOfStatus(status: MessageRecord['status']): MessageCounter | null {
  switch (status) {
    case 'sent':
    case 'delivered':
    case 'undelivered':
    case 'failed':
      return status;
    default:
      return null;
  }
}

/** One more refusal of `rule` (a refusal writes nothing else, so it is a statement of its own). */
export function countRefusal(serviceId: string, mode: string, rule: string, now: number): Statement {
  return {
    sql: `INSERT INTO stats_refusals (service_id, mode, day, rule, refusals) SELECT ?, ?, CAST(? AS INTEGER), ?, 1
      WHERE EXISTS (SELECT 1 FROM services WHERE id = ?)
      ON CONFLICT (service_id, mode, day, rule) DO UPDATE SET refusals = stats_refusals.refusals + 1`,
    params: [serviceId, mode, Math.floor(now / DAY_MS), rule, serviceId],
  };
}
