import type { MessageRecord, VerificationRecord } from '../core/model.js';

/**
 * The attempt counters (migration 102) as statements both dialects run as written: one row per
 * service, mode, hour, country and destination prefix, kept in the transaction of each send and
 * each approval, so `/v2/Attempts/Summary` sums a few rows instead of scanning every message.
 */
export const HOUR_MS = 3_600_000;

/** The destination prefix a send is counted under: `+` and up to 4 digits. */
export const PREFIX_LENGTH = 5;

export function counted(message: MessageRecord): boolean {
  return message.status !== 'suppressed';
}

/** One more attempt of a new verification (its row may not be visible to a subquery yet: values given). */
export function countNewAttempt(v: VerificationRecord, m: MessageRecord): { sql: string; params: unknown[] } {
  return {
    sql: `INSERT INTO attempt_counts (service_id, mode, hour, country, prefix, attempts, converted, proven) VALUES (?, ?, ?, ?, ?, 1, 0, 0)
      ON CONFLICT (service_id, mode, hour, country, prefix) DO UPDATE SET attempts = attempt_counts.attempts + 1`,
    params: [m.serviceId, m.mode, Math.floor(m.createdAt / HOUR_MS), v.country ?? '', m.to.slice(0, PREFIX_LENGTH)],
  };
}

/** One more attempt (a resend) of a verification already stored. */
export function countResend(m: MessageRecord): { sql: string; params: unknown[] } {
  return {
    sql: `INSERT INTO attempt_counts (service_id, mode, hour, country, prefix, attempts, converted, proven)
      SELECT service_id, mode, ?, COALESCE(country, ''), ?, 1, 0, 0 FROM verifications WHERE id = ?
      ON CONFLICT (service_id, mode, hour, country, prefix) DO UPDATE SET attempts = attempt_counts.attempts + 1`,
    params: [Math.floor(m.createdAt / HOUR_MS), m.to.slice(0, PREFIX_LENGTH), m.verificationId],
  };
}

/**
 * A verification was approved: each of its sends counts as converted, in the hour it was sent,
 * and as proven unless its code was the integrator's own (a custom code proves no person).
 * `when` (SQL) counts only if it holds (a CTE in front changed the verification).
 */
export function countConversion(verificationId: string, when?: string): { sql: string; params: unknown[] } {
  return {
    sql: `INSERT INTO attempt_counts (service_id, mode, hour, country, prefix, attempts, converted, proven)
      SELECT m.service_id, m.mode, m.created_at / ${HOUR_MS}, COALESCE(v.country, ''), substr(m.to_number, 1, ${PREFIX_LENGTH}), 0, COUNT(*),
        SUM(CASE WHEN v.custom_code THEN 0 ELSE 1 END)
      FROM messages m JOIN verifications v ON v.id = m.verification_id
      WHERE m.verification_id = ? AND m.status <> 'suppressed'${when ? ` AND ${when}` : ''}
      GROUP BY m.service_id, m.mode, m.created_at / ${HOUR_MS}, COALESCE(v.country, ''), substr(m.to_number, 1, ${PREFIX_LENGTH})
      ON CONFLICT (service_id, mode, hour, country, prefix) DO UPDATE SET converted = attempt_counts.converted + excluded.converted,
        proven = attempt_counts.proven + excluded.proven`,
    params: [verificationId],
  };
}
