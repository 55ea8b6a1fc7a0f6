import type { MessageRecord } from '../core/model.js';
import type { DeliveryReceiptStore, SmsConfigStore, TemplateStore } from '../core/ports.js';
import { toMessage } from './rows.js';
import type { SqlExecutor } from './sql-executor.js';

/** What the shared SQL holds: all of the SMS-delivery store but `applyDeliveryReceipt` (it writes events in its transaction). */
export type SmsDeliveryStore = Omit<DeliveryReceiptStore, 'applyDeliveryReceipt'> & SmsConfigStore & TemplateStore;

/**
 * The SMS-delivery part of both SQL stores (issue 4): delivery receipts, per-service SMS settings
 * (sealed) and templates, in SQL that SQLite and PostgreSQL read alike.
 */
export class SqlSmsStore implements SmsDeliveryStore {
  constructor(private readonly sql: SqlExecutor) {}

  async getMessage(id: string): Promise<MessageRecord | null> {
    const row = await this.sql.get('SELECT * FROM messages WHERE id = ?', [id]);
    return row ? toMessage(row) : null;
  }

  async findMessageByProviderId(provider: string, providerMessageId: string): Promise<MessageRecord | null> {
    // Vendor ids are unique per vendor account, not across accounts or SMSC restarts: prefer the
    // message still waiting for its receipt.
    const row = await this.sql.get(
      `SELECT * FROM messages WHERE provider = ? AND provider_message_id = ?
       ORDER BY (status IN ('sending', 'sent')) DESC, created_at DESC LIMIT 1`,
      [provider, providerMessageId],
    );
    return row ? toMessage(row) : null;
  }

  async getSmsConfig(serviceId: string): Promise<Buffer | null> {
    const row = await this.sql.get('SELECT config_sealed FROM service_sms_configs WHERE service_id = ?', [serviceId]);
    return row ? (row.config_sealed as Buffer) : null;
  }

  async putSmsConfig(serviceId: string, sealed: Buffer, now: number): Promise<void> {
    await this.sql.run(
      `INSERT INTO service_sms_configs (service_id, config_sealed, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (service_id) DO UPDATE SET config_sealed = excluded.config_sealed, updated_at = excluded.updated_at`,
      [serviceId, sealed, now],
    );
  }

  async deleteSmsConfig(serviceId: string): Promise<boolean> {
    return (await this.sql.run('DELETE FROM service_sms_configs WHERE service_id = ?', [serviceId])) > 0;
  }

  async putTemplate(serviceId: string, locale: string, text: string, now: number): Promise<void> {
    await this.sql.run(
      `INSERT INTO service_templates (service_id, locale, text, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (service_id, locale) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at`,
      [serviceId, locale, text, now],
    );
  }

  async getTemplate(serviceId: string, locale: string): Promise<string | null> {
    const row = await this.sql.get('SELECT text FROM service_templates WHERE service_id = ? AND locale = ?', [serviceId, locale]);
    return row ? (row.text as string) : null;
  }

  async listTemplates(serviceId: string): Promise<Record<string, string>> {
    const rows = await this.sql.all('SELECT locale, text FROM service_templates WHERE service_id = ? ORDER BY locale', [serviceId]);
    return Object.fromEntries(rows.map((r) => [r.locale as string, r.text as string]));
  }

  async deleteTemplate(serviceId: string, locale: string): Promise<boolean> {
    return (await this.sql.run('DELETE FROM service_templates WHERE service_id = ? AND locale = ?', [serviceId, locale])) > 0;
  }
}
