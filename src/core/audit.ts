import { newId } from './ids.js';
import type { Mode, Page } from './model.js';
import type { Clock, ListOptions, RandomSource } from './ports.js';

/**
 * What an audit record is about. A public contract like event types: an action, once shipped,
 * keeps its name. Changes to configuration and access, never the traffic itself (verifications
 * and checks are in the events and the attempts log).
 */
export const AUDIT_ACTIONS = [
  'service.created',
  'service.updated',
  'service.deleted',
  'service_key.created',
  'service_key.revoked',
  'admin_key.created',
  'admin_key.revoked',
  'basic_credential.created',
  'sms_settings.updated',
  'sms_settings.deleted',
  'template.updated',
  'template.deleted',
  'prefix_block.lifted',
  'webhook_endpoint.created',
  'webhook_endpoint.updated',
  'webhook_endpoint.deleted',
  'webhook_endpoint.secret_rotated',
  'rate_limit.created',
  'rate_limit.updated',
  'rate_limit.deleted',
  'rate_limit_bucket.created',
  'rate_limit_bucket.updated',
  'rate_limit_bucket.deleted',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}

/** Who did it: a key (admin or service, in its mode), the CLI on the server's machine, or otpgate itself at start. */
export interface AuditActor {
  kind: 'admin_key' | 'service_key' | 'cli' | 'system';
  /** The key's id (`key_…`); null for the CLI and the system. */
  keyId: string | null;
  /** The key's mode; null for the CLI and the system. */
  mode: Mode | null;
}

export interface AuditRecord {
  id: string;
  createdAt: number;
  actor: AuditActor;
  action: AuditAction;
  /** The service concerned; null for actions on admin keys. */
  serviceId: string | null;
  /** What was acted on: a service, key, endpoint, template locale, rate limit… */
  targetId: string | null;
  /** Settings before and after the change, as the API shows them (secrets masked); null where there is no "before" or "after". */
  before: unknown;
  after: unknown;
  /** The request that made the change (`X-Request-Id`), and where it came from. */
  requestId: string | null;
  sourceIp: string | null;
}

export interface AuditFilter {
  serviceId?: string | undefined;
  action?: AuditAction | undefined;
}

/** The audit log: append-only; read newest first. */
export interface AuditStore {
  appendAudit(record: AuditRecord): Promise<void>;
  listAudit(filter: AuditFilter, options: ListOptions): Promise<Page<AuditRecord>>;
}

export type AuditEntry = Omit<AuditRecord, 'id' | 'createdAt'>;

/** Writes and reads the audit log (rule T7). */
export class AuditService {
  readonly #deps: { store: AuditStore; clock: Clock; random: RandomSource };

  constructor(deps: { store: AuditStore; clock: Clock; random: RandomSource }) {
    this.#deps = deps;
  }

  async record(entry: AuditEntry): Promise<AuditRecord> {
    const { store, clock, random } = this.#deps;
    const record: AuditRecord = { id: newId('aud', clock, random), createdAt: clock.now(), ...entry };
    await store.appendAudit(record);
    return record;
  }

  list(filter: AuditFilter, cursor: string | undefined, limit: number): Promise<Page<AuditRecord>> {
    return this.#deps.store.listAudit(filter, { cursor, limit });
  }
}
