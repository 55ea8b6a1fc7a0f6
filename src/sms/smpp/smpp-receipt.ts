import type { PDU } from 'smpp';
import type { ReceiptOutcome } from '../provider-types.js';

/**
 * Reads an SMPP 3.4 delivery receipt: a deliver_sm with esm_class bit 2 set (SMSC delivery
 * receipt), its text in the de-facto format of SMPP 3.4 Appendix B
 * (`id:… sub:… dlvrd:… submit date:… done date:… stat:DELIVRD err:000 text:…`), and, when the
 * SMSC adds them, the receipted_message_id and message_state TLVs, which win.
 */
const MESSAGE_STATES: Record<number, string> = { 1: 'ENROUTE', 2: 'DELIVRD', 3: 'EXPIRED', 4: 'DELETED', 5: 'UNDELIV', 6: 'ACCEPTD', 7: 'UNKNOWN', 8: 'REJECTD' };

export function parseSmppReceipt(pdu: PDU): ReceiptOutcome | null {
  const esmClass = typeof pdu.esm_class === 'number' ? pdu.esm_class : 0;
  if ((esmClass & 0x3c) !== 0x04) return null;
  const raw = pdu.short_message as { message?: unknown } | Buffer | string | undefined;
  const text = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('latin1') : String(raw?.message ?? '');
  const id = typeof pdu.receipted_message_id === 'string' ? pdu.receipted_message_id : /\bid:(\S+)/i.exec(text)?.[1];
  const stat = typeof pdu.message_state === 'number' ? MESSAGE_STATES[pdu.message_state] : /\bstat:(\w+)/i.exec(text)?.[1]?.toUpperCase();
  const err = /\berr:(\w+)/i.exec(text)?.[1];
  if (!id || !stat) return null;
  const errorCode = err && !/^0+$/.test(err) ? `smpp_err_${err}` : null;
  switch (stat) {
    case 'DELIVRD':
      return { accepted: true, status: 'delivered', errorCode: null, providerMessageId: id };
    case 'EXPIRED':
    case 'DELETED':
    case 'UNDELIV':
    case 'UNKNOWN':
      return { accepted: true, status: 'undelivered', errorCode: errorCode ?? `smpp_${stat}`, providerMessageId: id };
    case 'REJECTD':
      return { accepted: true, status: 'failed', errorCode: errorCode ?? 'smpp_REJECTD', providerMessageId: id };
    default:
      // ENROUTE, ACCEPTD: not final
      return { accepted: true, status: null, errorCode: null, providerMessageId: id };
  }
}
