/**
 * Row → record mapping of the event and webhook tables, shared by the SQL stores. SQLite
 * gives JSON as text and booleans as 0/1; PostgreSQL gives jsonb objects and booleans.
 */
import type { EventRecord, EventType } from '../core/events.js';
import type { WebhookAttemptRecord, WebhookDeliveryRecord, WebhookEndpointRecord } from '../core/events.ports.js';
import { toMode } from './rows.js';
import type { Row } from './rows.js';

export function toEvent(row: Row): EventRecord {
  return {
    id: row.id as string,
    serviceId: row.service_id as string,
    mode: toMode(row.mode),
    type: row.type as EventType,
    data: (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>,
    createdAt: row.created_at as number,
  };
}

export function toEndpoint(row: Row): WebhookEndpointRecord {
  return {
    id: row.id as string,
    serviceId: row.service_id as string,
    mode: toMode(row.mode),
    url: row.url as string,
    description: (row.description as string | null) ?? null,
    eventTypes: (typeof row.event_types === 'string' ? JSON.parse(row.event_types) : row.event_types) as EventType[],
    enabled: row.enabled === 1 || row.enabled === true,
    disabledReason: (row.disabled_reason as string | null) ?? null,
    secretSealed: row.secret_sealed as Buffer,
    previousSecretSealed: (row.previous_secret_sealed as Buffer | null) ?? null,
    previousSecretExpiresAt: (row.previous_secret_expires_at as number | null) ?? null,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}

export function toDelivery(row: Row): WebhookDeliveryRecord {
  return {
    id: row.id as string,
    eventId: row.event_id as string,
    endpointId: row.endpoint_id as string,
    serviceId: row.service_id as string,
    status: row.status as WebhookDeliveryRecord['status'],
    attempts: row.attempts as number,
    nextAttemptAt: row.next_attempt_at as number,
    leaseUntil: (row.lease_until as number | null) ?? null,
    leaseOwner: (row.lease_owner as string | null) ?? null,
    lastStatusCode: (row.last_status_code as number | null) ?? null,
    lastError: (row.last_error as string | null) ?? null,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}

export function toAttempt(row: Row): WebhookAttemptRecord {
  return {
    id: row.id as string,
    deliveryId: row.delivery_id as string,
    endpointId: row.endpoint_id as string,
    eventId: row.event_id as string,
    eventType: row.event_type as EventType,
    attempt: row.attempt as number,
    statusCode: (row.status_code as number | null) ?? null,
    latencyMs: row.latency_ms as number,
    error: (row.error as string | null) ?? null,
    createdAt: row.created_at as number,
  };
}
