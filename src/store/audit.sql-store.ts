import type { AuditAction, AuditFilter, AuditRecord, AuditStore } from '../core/audit.js';
import type { Page } from '../core/model.js';
import type { ListOptions } from '../core/ports.js';
import { Conditions } from './conditions.js';
import { decodeCursor } from './cursor.js';
import { page } from './rows.js';
import type { Row } from './rows.js';
import type { SqlExecutor } from './sql-executor.js';

/** The audit log on either SQL store: append-only, read newest first by id (ids sort by time). */
export class SqlAuditStore implements AuditStore {
  readonly #sql: SqlExecutor;

  constructor(executor: SqlExecutor) {
    this.#sql = executor;
  }

  async appendAudit(r: AuditRecord): Promise<void> {
    await this.#sql.run(
      `INSERT INTO audit_log (id, created_at, actor_kind, actor_key_id, actor_mode, action, service_id, target_id, before_data, after_data, request_id, source_ip)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [r.id, r.createdAt, r.actor.kind, r.actor.keyId, r.actor.mode, r.action, r.serviceId, r.targetId, json(r.before), json(r.after), r.requestId, r.sourceIp],
    );
  }

  async listAudit(filter: AuditFilter, options: ListOptions): Promise<Page<AuditRecord>> {
    const conditions = new Conditions();
    if (filter.serviceId !== undefined) conditions.add('service_id = ?', filter.serviceId);
    if (filter.action !== undefined) conditions.add('action = ?', filter.action);
    const before = decodeCursor(options.cursor);
    if (before !== null) conditions.add('id < ?', before);
    const rows = await this.#sql.all(`SELECT * FROM audit_log ${conditions.where} ORDER BY id DESC LIMIT ?`, conditions.params(options.limit + 1));
    return page(rows.map(toAuditRecord), options.limit);
  }

}

/** JSON as text in both dialects (the column is text), null kept as SQL NULL. */
function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function parse(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : null;
}

function toAuditRecord(row: Row): AuditRecord {
  return {
    id: row.id as string,
    createdAt: Number(row.created_at),
    actor: {
      kind: row.actor_kind as AuditRecord['actor']['kind'],
      keyId: (row.actor_key_id as string | null) ?? null,
      mode: (row.actor_mode as AuditRecord['actor']['mode']) ?? null,
    },
    action: row.action as AuditAction,
    serviceId: (row.service_id as string | null) ?? null,
    targetId: (row.target_id as string | null) ?? null,
    before: parse(row.before_data),
    after: parse(row.after_data),
    requestId: (row.request_id as string | null) ?? null,
    sourceIp: (row.source_ip as string | null) ?? null,
  };
}
