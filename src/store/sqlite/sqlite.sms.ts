import type { Statement } from 'better-sqlite3';
import type { MessageRecord } from '../../core/model.js';
import type { DeliveryReceiptStore, ReceiptUpdate, SmsConfigStore, TemplateStore } from '../../core/ports.js';
import { toMessage } from '../rows.js';
import type { Row } from '../rows.js';

/**
 * The SMS-delivery part of the SQLite store (issue 4): delivery receipts, per-service SMS
 * settings (sealed) and templates. store/postgres/postgres.sms.ts holds the same statements.
 */
export class SqliteSmsQueries implements DeliveryReceiptStore, SmsConfigStore, TemplateStore {
  constructor(private readonly stmt: (sql: string) => Statement) {}

  async getMessage(id: string): Promise<MessageRecord | null> {
    const row = this.stmt('SELECT * FROM messages WHERE id = ?').get(id) as Row | undefined;
    return row ? toMessage(row) : null;
  }

  async findMessageByProviderId(provider: string, providerMessageId: string): Promise<MessageRecord | null> {
    // Vendor ids are unique per vendor account, not across accounts or SMSC restarts: prefer the
    // message still waiting for its receipt.
    const row = this.stmt(`SELECT * FROM messages WHERE provider = ? AND provider_message_id = ?
      ORDER BY status IN ('sending', 'sent') DESC, created_at DESC LIMIT 1`)
      .get(provider, providerMessageId) as Row | undefined;
    return row ? toMessage(row) : null;
  }

  async applyDeliveryReceipt(messageId: string, update: ReceiptUpdate, now: number): Promise<MessageRecord | null> {
    const row = this.stmt(`UPDATE messages SET status = ?, error_code = COALESCE(?, error_code),
      provider_message_id = COALESCE(provider_message_id, ?), updated_at = ?
      WHERE id = ? AND status IN ('sending', 'sent') AND NOT (status = 'sent' AND ? = 'sent') RETURNING *`)
      .get(update.status, update.errorCode, update.providerMessageId ?? null, now, messageId, update.status) as Row | undefined;
    return row ? toMessage(row) : null;
  }

  async getSmsConfig(serviceId: string): Promise<Buffer | null> {
    const row = this.stmt('SELECT config_sealed FROM service_sms_configs WHERE service_id = ?').get(serviceId) as Row | undefined;
    return row ? (row.config_sealed as Buffer) : null;
  }

  async putSmsConfig(serviceId: string, sealed: Buffer, now: number): Promise<void> {
    this.stmt(`INSERT INTO service_sms_configs (service_id, config_sealed, updated_at) VALUES (?, ?, ?)
      ON CONFLICT(service_id) DO UPDATE SET config_sealed = excluded.config_sealed, updated_at = excluded.updated_at`).run(serviceId, sealed, now);
  }

  async deleteSmsConfig(serviceId: string): Promise<boolean> {
    return this.stmt('DELETE FROM service_sms_configs WHERE service_id = ?').run(serviceId).changes > 0;
  }

  async putTemplate(serviceId: string, locale: string, text: string, now: number): Promise<void> {
    this.stmt(`INSERT INTO service_templates (service_id, locale, text, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT(service_id, locale) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at`).run(serviceId, locale, text, now);
  }

  async getTemplate(serviceId: string, locale: string): Promise<string | null> {
    const row = this.stmt('SELECT text FROM service_templates WHERE service_id = ? AND locale = ?').get(serviceId, locale) as Row | undefined;
    return row ? (row.text as string) : null;
  }

  async listTemplates(serviceId: string): Promise<Record<string, string>> {
    const rows = this.stmt('SELECT locale, text FROM service_templates WHERE service_id = ? ORDER BY locale').all(serviceId) as Row[];
    return Object.fromEntries(rows.map((r) => [r.locale as string, r.text as string]));
  }

  async deleteTemplate(serviceId: string, locale: string): Promise<boolean> {
    return this.stmt('DELETE FROM service_templates WHERE service_id = ? AND locale = ?').run(serviceId, locale).changes > 0;
  }
}
