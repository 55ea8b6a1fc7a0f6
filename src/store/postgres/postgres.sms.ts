import type { MessageRecord } from '../../core/model.js';
import type { DeliveryReceiptStore, ReceiptUpdate, SmsConfigStore, TemplateStore } from '../../core/ports.js';
import { toMessage } from '../rows.js';
import type { PgDatabase } from './postgres.pool.js';

/**
 * The SMS-delivery part of the PostgreSQL store (issue 4): delivery receipts, per-service SMS
 * settings (sealed) and templates. Same statements and guarantees as store/sqlite/sqlite.sms.ts.
 */
export class PgSmsQueries implements DeliveryReceiptStore, SmsConfigStore, TemplateStore {
  constructor(private readonly db: PgDatabase) {}

  async getMessage(id: string): Promise<MessageRecord | null> {
    const { rows } = await this.db.query('SELECT * FROM messages WHERE id = $1', [id]);
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async findMessageByProviderId(provider: string, providerMessageId: string): Promise<MessageRecord | null> {
    // Vendor ids are unique per vendor account, not across accounts or SMSC restarts: prefer the
    // message still waiting for its receipt.
    const { rows } = await this.db.query(
      `SELECT * FROM messages WHERE provider = $1 AND provider_message_id = $2
       ORDER BY (status IN ('sending', 'sent')) DESC, created_at DESC LIMIT 1`,
      [provider, providerMessageId],
    );
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async applyDeliveryReceipt(messageId: string, update: ReceiptUpdate, now: number): Promise<MessageRecord | null> {
    // One conditional UPDATE: a final state is never overwritten, so a late or replayed receipt
    // cannot undo a newer one, even when two instances receive receipts for one message.
    const { rows } = await this.db.query(
      `UPDATE messages SET status = $1, error_code = COALESCE($2, error_code),
         provider_message_id = COALESCE(provider_message_id, $3), updated_at = $4
       WHERE id = $5 AND status IN ('sending', 'sent') AND NOT (status = 'sent' AND $1 = 'sent') RETURNING *`,
      [update.status, update.errorCode, update.providerMessageId ?? null, now, messageId],
    );
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async getSmsConfig(serviceId: string): Promise<Buffer | null> {
    const { rows } = await this.db.query<{ config_sealed: Buffer }>('SELECT config_sealed FROM service_sms_configs WHERE service_id = $1', [serviceId]);
    return rows[0]?.config_sealed ?? null;
  }

  async putSmsConfig(serviceId: string, sealed: Buffer, now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO service_sms_configs (service_id, config_sealed, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (service_id) DO UPDATE SET config_sealed = excluded.config_sealed, updated_at = excluded.updated_at`,
      [serviceId, sealed, now],
    );
  }

  async deleteSmsConfig(serviceId: string): Promise<boolean> {
    return ((await this.db.query('DELETE FROM service_sms_configs WHERE service_id = $1', [serviceId])).rowCount ?? 0) > 0;
  }

  async putTemplate(serviceId: string, locale: string, text: string, now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO service_templates (service_id, locale, text, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (service_id, locale) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at`,
      [serviceId, locale, text, now],
    );
  }

  async getTemplate(serviceId: string, locale: string): Promise<string | null> {
    const { rows } = await this.db.query<{ text: string }>('SELECT text FROM service_templates WHERE service_id = $1 AND locale = $2', [serviceId, locale]);
    return rows[0]?.text ?? null;
  }

  async listTemplates(serviceId: string): Promise<Record<string, string>> {
    const { rows } = await this.db.query<{ locale: string; text: string }>('SELECT locale, text FROM service_templates WHERE service_id = $1 ORDER BY locale', [serviceId]);
    return Object.fromEntries(rows.map((r) => [r.locale, r.text]));
  }

  async deleteTemplate(serviceId: string, locale: string): Promise<boolean> {
    return ((await this.db.query('DELETE FROM service_templates WHERE service_id = $1 AND locale = $2', [serviceId, locale])).rowCount ?? 0) > 0;
  }
}
