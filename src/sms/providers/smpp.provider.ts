import { SendError } from '../../core/ports.js';
import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import type { ProviderModule } from '../provider-types.js';
import { ProviderBase } from './provider-base.js';
import { analyzeSms } from '../segments.js';
import { statusName } from '../smpp/smpp-connections.js';

/**
 * SMPP 3.4 through the `smpp` library: a transceiver bind kept open per SMSC account
 * (SmppConnections), `submit_sm` with `registered_delivery: 1` (receipt on final state), receipts
 * as `deliver_sm` on the same bind. ESME_RTHROTTLED is the SMSC saying "not now": the SMS was not
 * taken, so it is submitted again after a back-off, which cannot duplicate it.
 */
const RETRYABLE = new Set(['ESME_RTHROTTLED', 'ESME_RMSGQFUL', 'ESME_RSYSERR', 'ESME_RSUBMITFAIL', 'ESME_RX_T_APPN', 'ESME_RINVBNDSTS']);

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new SendError('timeout', 'aborted during throttling back-off', true));
    }, { once: true });
  });

class SmppProvider extends ProviderBase {

  async send(sms: OutgoingMessage): Promise<SendResult> {
    const s = this.definition.settings;
    if (!this.context.smpp) throw new SendError('smpp_unavailable', 'no SMPP connection pool in this process', false);
    const link = this.context.smpp.link(this.definition);
    const timeoutMs = Number(s.timeout_ms ?? 5000);
    await link.ready(timeoutMs);
    const from = sms.from ?? s.source_addr ?? '';
    const alphanumeric = /[A-Za-z]/.test(from);
    const ucs2 = analyzeSms(sms.body).encoding === 'UCS-2';
    const params: Record<string, unknown> = {
      source_addr_ton: alphanumeric ? 5 : 1, // alphanumeric, or international
      source_addr_npi: alphanumeric ? 0 : 1,
      source_addr: from.replace(/^\+/, ''),
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: sms.to.replace(/^\+/, ''),
      registered_delivery: 1,
      // UCS-2 (0x08) outside GSM-7; otherwise the SMSC default alphabet (0x00).
      data_coding: ucs2 ? 0x08 : 0x00,
      short_message: ucs2 ? Buffer.from(sms.body, 'utf16le').swap16() : Buffer.from(sms.body, 'latin1'),
    };
    const retries = Number(s.throttle_retries ?? 3);
    let backoff = Number(s.throttle_backoff_ms ?? 1000);
    for (let attempt = 0; ; attempt++) {
      const pdu = await link.submit(params, timeoutMs);
      if (pdu.command_status === 0) return { providerMessageId: typeof pdu.message_id === 'string' ? pdu.message_id : null };
      const name = statusName(pdu.command_status);
      if (name === 'ESME_RTHROTTLED' && attempt < retries) {
        await sleep(backoff, this.context.signal);
        backoff *= 2;
        continue;
      }
      throw new SendError(`smpp_${name}`, `submit_sm answered ${name}`, RETRYABLE.has(name));
    }
  }
}

const positiveInt = (v: string) => (/^\d+$/.test(v) && Number(v) > 0 ? null : 'must be a positive whole number');

export const smppProvider: ProviderModule = {
  type: 'smpp',
  channels: ['sms'],
  fields: [
    { key: 'host', required: true, secret: false, destination: true, description: 'SMSC host', example: 'smsc.example.net' },
    { key: 'port', required: false, secret: false, destination: true, description: 'SMSC port. Default 2775', validate: positiveInt },
    { key: 'system_id', required: true, secret: false, description: 'ESME account (system_id)' },
    { key: 'password', required: true, secret: true, description: 'ESME password' },
    { key: 'system_type', required: false, secret: false, description: 'system_type, if the SMSC wants one' },
    { key: 'source_addr', required: false, secret: false, description: 'Default sender (number or alphanumeric)' },
    { key: 'enquire_link_ms', required: false, secret: false, description: 'enquire_link period. Default 30000', validate: positiveInt },
    { key: 'timeout_ms', required: false, secret: false, description: 'Bind and submit_sm_resp time-out. Default 5000', validate: positiveInt },
    { key: 'throttle_backoff_ms', required: false, secret: false, description: 'First wait after ESME_RTHROTTLED, doubling. Default 1000', validate: positiveInt },
    { key: 'throttle_retries', required: false, secret: false, description: 'Re-submits after ESME_RTHROTTLED before failing over. Default 3', validate: (v) => (/^\d+$/.test(v) ? null : 'must be a whole number') },
  ],
  create: (definition, context) => new SmppProvider(definition, context),
};
