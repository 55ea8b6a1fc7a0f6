import { SendError } from '../../core/ports.js';
import type { OutgoingMessage, SendResult } from '../../core/ports.js';
import { analyzeSms } from '../segments.js';
import type { ProviderDefinition, ProviderModule, ReceiptOutcome, ReceiptRequest } from '../provider-types.js';
import { ProviderBase } from './provider-base.js';
import { httpCall, requireHttpUrl, statusError } from './http-call.js';
import { urlSecretMatches } from './receipt-auth.js';

/**
 * Kannel's smsbox HTTP interface (Kannel user guide, "Sending SMS messages over HTTP"):
 * `GET /cgi-bin/sendsms?username&password&to&text&from&smsc&dlr-mask&dlr-url&charset&coding`.
 * smsbox answers `202 0: Accepted for delivery` or `202 3: Queued for later delivery`; it has no
 * message id of its own, so the receipt URL carries ours, and a per-provider secret that
 * authenticates the receipt (Kannel cannot sign its callbacks, rule H5).
 */
export const KANNEL_DLR_MASK = 1 | 2 | 8 | 16; // delivered, undelivered, accepted by SMSC, rejected by SMSC

class KannelProvider extends ProviderBase {

  async send(sms: OutgoingMessage): Promise<SendResult> {
    const s = this.definition.settings;
    const query = new URLSearchParams({ username: s.username ?? '', password: s.password ?? '', to: sms.to, text: sms.body, charset: 'UTF-8' });
    // UCS-2 for texts outside GSM-7; Kannel converts the UTF-8 text it is given.
    if (analyzeSms(sms.body).encoding === 'UCS-2') query.set('coding', '2');
    if (sms.from) query.set('from', sms.from);
    if (s.smsc) query.set('smsc', s.smsc);
    if (sms.callbackUrl && s.dlr_secret) {
      // %d is the DLR type and %A the SMSC's answer; Kannel substitutes both when it calls back.
      const dlr = `${sms.callbackUrl}?secret=${encodeURIComponent(s.dlr_secret)}&type=%d&answer=%A`;
      query.set('dlr-mask', String(KANNEL_DLR_MASK));
      query.set('dlr-url', dlr);
    }
    const url = `${s.url!.replace(/\/+$/, '')}/cgi-bin/sendsms?${query.toString()}`;
    const answer = await httpCall(this.context, { method: 'GET', url });
    if (answer.status === 200 || answer.status === 202) {
      const code = /^\s*(\d+):/.exec(answer.text)?.[1];
      if (code === undefined || code === '0' || code === '3') return { providerMessageId: null };
      throw new SendError(`kannel_${code}`, answer.text.trim().slice(0, 200), false);
    }
    // 403 bad credentials, 400 bad request, 503 "Temporal failure, try again later".
    throw statusError(`kannel_http_${answer.status}`, answer.status, answer.text.trim());
  }
}

function receipt(definition: ProviderDefinition, request: ReceiptRequest): ReceiptOutcome {
  if (!urlSecretMatches(request, definition.settings.dlr_secret)) return { accepted: false, reason: 'bad or missing secret' };
  const type = Number(request.query.type);
  const answer = (request.query.answer ?? '').slice(0, 100);
  // Kannel DLR types: 1 delivered to phone, 2 not delivered to phone, 4 queued on SMSC,
  // 8 delivered to SMSC, 16 not delivered to SMSC.
  switch (type) {
    case 1:
      return { accepted: true, status: 'delivered', errorCode: null, providerMessageId: null };
    case 2:
      return { accepted: true, status: 'undelivered', errorCode: errorOf(answer, 'kannel_dlr_2'), providerMessageId: null };
    case 16:
      return { accepted: true, status: 'failed', errorCode: errorOf(answer, 'kannel_dlr_16'), providerMessageId: null };
    case 4:
    case 8:
      return { accepted: true, status: null, errorCode: null, providerMessageId: null };
    default:
      return { accepted: false, reason: `unknown DLR type "${request.query.type ?? ''}"` };
  }
}

/** SMPP receipts relayed by Kannel carry `err:NNN`; keep it as the error code when present. */
function errorOf(answer: string, fallback: string): string {
  const err = /err:(\w+)/.exec(answer)?.[1];
  return err && err !== '000' ? `kannel_err_${err}` : fallback;
}

export const kannelProvider: ProviderModule = {
  type: 'kannel',
  channels: ['sms'],
  fields: [
    { key: 'url', required: true, secret: false, description: 'smsbox base URL (sendsms-port)', validate: requireHttpUrl, example: 'http://127.0.0.1:13013' },
    { key: 'username', required: true, secret: false, description: 'sendsms-user username', example: 'otpgate' },
    { key: 'password', required: true, secret: true, description: 'sendsms-user password' },
    { key: 'dlr_secret', required: false, secret: true, description: 'Secret put in the dlr-url; receipts without it are refused. Without it, no receipts are asked for.' },
    { key: 'smsc', required: false, secret: false, description: 'smsc-id to route through', example: 'smpp-main' },
  ],
  create: (definition, context) => new KannelProvider(definition, context),
  receipt,
};
