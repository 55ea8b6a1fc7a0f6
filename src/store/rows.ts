/**
 * Row → domain record mapping shared by the SQL stores. Column names are the same in both
 * dialects; only a few value types differ (SQLite: settings as JSON text and booleans as 0/1;
 * PostgreSQL: jsonb objects and real booleans), and each mapper accepts both.
 */
import { withAbuseDefaults } from '../core/abuse-settings.js';
import type { CodeVault } from '../core/code-vault.js';
import type { PrefixBlock } from '../core/ports.js';
import { isChannel } from '../core/model.js';
import type { ApiKeyRecord, Channel, DevOutboxEntry, MessageRecord, Mode, Page, ServiceRecord, ServiceSettings, VerificationRecord, VerificationStatus } from '../core/model.js';
import { DEFAULT_SETTINGS } from '../core/service-settings.js';
import { encodeCursor } from './cursor.js';

export type Row = Record<string, unknown>;

/** A page of `limit` from `limit + 1` rows: the extra row only says that there is more. */
export function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  if (rows.length <= limit) return { data: rows, nextCursor: null };
  const data = rows.slice(0, limit);
  return { data, nextCursor: encodeCursor(data[data.length - 1]!.id) };
}

/** The `mode` column (NOT NULL, checked by the schema): a row is in exactly one world. */
export function toChannel(value: unknown): Channel {
  if (isChannel(value)) return value;
  throw new Error(`a channel column holds ${JSON.stringify(value)}`);
}

export function toMode(value: unknown): Mode {
  if (value === 'live' || value === 'test') return value;
  throw new Error(`a mode column holds ${JSON.stringify(value)}`);
}

export function toService(row: Row): ServiceRecord {
  const settings = typeof row.settings === 'string' ? (JSON.parse(row.settings) as ServiceSettings) : (row.settings as ServiceSettings);
  return {
    id: row.id as string,
    // Settings added later take their default on rows written before them (nested abuse settings too).
    settings: withAbuseDefaults({ ...DEFAULT_SETTINGS, ...settings }),
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}

/**
 * The rule both stores apply inside their lock: of the active admin keys, `id` may be revoked
 * unless it is the last bearer one (Basic credentials cannot reach /v1, so they keep nobody in).
 */
export function adminKeyToRevoke(active: ApiKeyRecord[], id: string): ApiKeyRecord | 'last' | null {
  const key = active.find((k) => k.id === id);
  if (!key) return null;
  if (key.scheme === 'bearer' && active.filter((k) => k.scheme === 'bearer').length <= 1) return 'last';
  return key;
}

export function toApiKey(row: Row): ApiKeyRecord {
  return {
    id: row.id as string,
    kind: row.kind as ApiKeyRecord['kind'],
    source: (row.source as ApiKeyRecord['source'] | undefined) ?? 'issued',
    scheme: row.scheme === 'basic' ? 'basic' : 'bearer',
    serviceId: (row.service_id as string | null) ?? null,
    keyHash: row.key_hash as string,
    prefix: row.prefix as string,
    name: (row.name as string | null) ?? null,
    createdAt: row.created_at as number,
    revokedAt: (row.revoked_at as number | null) ?? null,
    mode: toMode(row.mode),
  };
}

export function toVerification(row: Row): VerificationRecord {
  return {
    id: row.id as string,
    serviceId: row.service_id as string,
    to: row.to_number as string,
    country: (row.country as string | null) ?? null,
    channel: toChannel(row.channel),
    status: row.status as VerificationStatus,
    locale: row.locale as string,
    codeDigest: row.code_digest as Buffer,
    codeSealed: row.code_sealed as Buffer,
    contextDigest: row.context_digest as string,
    attempts: row.attempts as number,
    maxAttempts: row.max_attempts as number,
    sendCount: row.send_count as number,
    maxSends: row.max_sends as number,
    resendCooldownMs: row.resend_cooldown_ms as number,
    lastSendAt: row.last_send_at as number,
    expiresAt: row.expires_at as number,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
    isTest: row.is_test === 1 || row.is_test === true,
    mode: toMode(row.mode),
    clientIp: (row.client_ip as string | null) ?? null,
    customCode: row.custom_code === 1 || row.custom_code === true,
    friendlyName: (row.friendly_name as string | null) ?? null,
    appHash: (row.app_hash as string | null) ?? null,
  };
}

export function toMessage(row: Row): MessageRecord {
  return {
    id: row.id as string,
    verificationId: row.verification_id as string,
    serviceId: row.service_id as string,
    mode: toMode(row.mode),
    channel: toChannel(row.channel),
    to: row.to_number as string,
    status: row.status as MessageRecord['status'],
    attempts: row.attempts as number,
    nextAttemptAt: row.next_attempt_at as number,
    leaseUntil: (row.lease_until as number | null) ?? null,
    leaseOwner: (row.lease_owner as string | null) ?? null,
    provider: (row.provider as string | null) ?? null,
    providerMessageId: (row.provider_message_id as string | null) ?? null,
    errorCode: (row.error_code as string | null) ?? null,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}

/** Dev-outbox bodies are sealed at rest (rule C2); the row id is the associated data. */
export function toDevOutboxEntry(row: Row, vault: CodeVault): DevOutboxEntry {
  return {
    id: row.id as string,
    serviceId: row.service_id as string,
    mode: toMode(row.mode),
    verificationId: row.verification_id as string,
    messageId: row.message_id as string,
    channel: toChannel(row.channel),
    to: row.to_number as string,
    body: vault.open(row.id as string, row.body_sealed as Buffer),
    createdAt: row.created_at as number,
  };
}

export function toPrefixBlock(row: Row): PrefixBlock {
  return {
    serviceId: row.service_id as string,
    prefix: row.prefix as string,
    mode: row.mode as PrefixBlock['mode'],
    reason: row.reason as string,
    sends: Number(row.sends),
    approvals: Number(row.approvals),
    baselinePerWindow: Number(row.baseline_per_window),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}
