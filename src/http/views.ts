import type { ApiKeyRecord, DevOutboxEntry, MessageRecord, ServiceRecord, VerificationRecord } from '../core/model.js';
import { prefixBlockEventData } from '../core/events.js';
import type { EventRecord } from '../core/events.js';
import type { AuditRecord } from '../core/audit.js';
import type { WebhookAttemptRecord, WebhookEndpointRecord } from '../core/events.ports.js';
import { accountSidFor } from '../core/tenancy.service.js';
import { attemptsRemaining, resendAvailableAt } from '../core/verification.service.js';
import { sidOf } from './routes/twilio/sids.js';

/** Records → the JSON the API promises. Times leave as ISO 8601 UTC. */
const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/**
 * A service as the API shows it. The fixed codes of test numbers are credentials (an app-store
 * reviewer signs in with one), so only admin keys see them, and the audit log keeps none;
 * `revealTestCodes: false` shows each as asterisks. Every caller says which it is.
 */
/** How an admin key's answer shows a service, and how the audit log keeps one. */
export const ADMIN = { revealTestCodes: true } as const;
export const AUDITED = { revealTestCodes: false } as const;

export function serviceView(service: ServiceRecord, options: { revealTestCodes: boolean }) {
  const testNumbers = options.revealTestCodes
    ? service.settings.test_numbers
    : Object.fromEntries(Object.entries(service.settings.test_numbers).map(([number, code]) => [number, '*'.repeat(code.length)]));
  return {
    id: service.id,
    ...service.settings,
    test_numbers: testNumbers,
    twilio_service_sid: sidOf('VA', service.id),
    twilio_account_sid: accountSidFor(service.id),
    created_at: iso(service.createdAt),
    updated_at: iso(service.updatedAt),
  };
}

export function apiKeyView(key: ApiKeyRecord) {
  return {
    id: key.id,
    service_id: key.serviceId,
    kind: key.kind,
    mode: key.mode,
    source: key.source,
    scheme: key.scheme,
    name: key.name,
    prefix: key.prefix,
    created_at: iso(key.createdAt),
    revoked_at: isoOrNull(key.revokedAt),
  };
}

export function verificationView(v: VerificationRecord, messages: MessageRecord[]) {
  return {
    id: v.id,
    service_id: v.serviceId,
    mode: v.mode,
    to: v.to,
    country: v.country,
    channel: v.channel,
    status: v.status,
    locale: v.locale,
    expires_at: iso(v.expiresAt),
    attempts_remaining: attemptsRemaining(v),
    sends: messages.map((m) => ({ message_id: m.id, channel: m.channel, at: iso(m.createdAt), status: m.status, provider: m.provider, error_code: m.errorCode })),
    resend_available_at: isoOrNull(resendAvailableAt(v)),
    created_at: iso(v.createdAt),
    updated_at: iso(v.updatedAt),
  };
}

export function checkView(v: VerificationRecord, valid: boolean) {
  return { id: v.id, to: v.to, status: v.status, valid, attempts_remaining: attemptsRemaining(v), expires_at: iso(v.expiresAt) };
}

export function outboxView(entry: DevOutboxEntry) {
  return {
    id: entry.id,
    channel: entry.channel,
    to: entry.to,
    body: entry.body,
    verification_id: entry.verificationId,
    message_id: entry.messageId,
    created_at: iso(entry.createdAt),
  };
}

/** The API's view of a prefix block is the `fraud.prefix_blocked` event's data. */
export const prefixBlockView = prefixBlockEventData;

export function eventView(event: EventRecord) {
  return { id: event.id, type: event.type, timestamp: iso(event.createdAt), service_id: event.serviceId, mode: event.mode, data: event.data };
}

export function webhookEndpointView(e: WebhookEndpointRecord, now: number) {
  const overlapping = e.previousSecretExpiresAt !== null && e.previousSecretExpiresAt > now;
  return {
    id: e.id,
    mode: e.mode,
    url: e.url,
    description: e.description,
    event_types: e.eventTypes,
    enabled: e.enabled,
    disabled_reason: e.disabledReason,
    previous_secret_expires_at: overlapping ? iso(e.previousSecretExpiresAt!) : null,
    created_at: iso(e.createdAt),
    updated_at: iso(e.updatedAt),
  };
}

export function auditView(r: AuditRecord) {
  return {
    id: r.id,
    at: iso(r.createdAt),
    actor: { kind: r.actor.kind, key_id: r.actor.keyId, mode: r.actor.mode },
    action: r.action,
    service_id: r.serviceId,
    target_id: r.targetId,
    before: r.before ?? null,
    after: r.after ?? null,
    request_id: r.requestId,
    source_ip: r.sourceIp,
  };
}

export function webhookAttemptView(a: WebhookAttemptRecord) {
  return {
    id: a.id,
    event_id: a.eventId,
    event_type: a.eventType,
    delivery_id: a.deliveryId,
    attempt: a.attempt,
    status_code: a.statusCode,
    latency_ms: a.latencyMs,
    error: a.error,
    created_at: iso(a.createdAt),
  };
}
