import type { MessageRecord, Page } from '../../core/model.js';
import { encodeCursor } from '../cursor.js';

/** Row mapping and paging shared by the SQLite store's parts. */
export type Row = Record<string, unknown>;

export function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  if (rows.length <= limit) return { data: rows, nextCursor: null };
  const data = rows.slice(0, limit);
  return { data, nextCursor: encodeCursor(data[data.length - 1]!.id) };
}

export function toMessage(row: Row): MessageRecord {
  return {
    id: row.id as string,
    verificationId: row.verification_id as string,
    serviceId: row.service_id as string,
    to: row.to_number as string,
    status: row.status as MessageRecord['status'],
    attempts: row.attempts as number,
    nextAttemptAt: row.next_attempt_at as number,
    leaseUntil: (row.lease_until as number | null) ?? null,
    provider: (row.provider as string | null) ?? null,
    providerMessageId: (row.provider_message_id as string | null) ?? null,
    errorCode: (row.error_code as string | null) ?? null,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}
