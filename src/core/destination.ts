import { normalizeEmail } from './email-address.js';
import { maskPhone, normalizePhone } from './phone.js';
import type { NormalizedPhone } from './phone.js';
import type { VerificationRecord } from './model.js';

/**
 * Where a verification's messages go, as its channel addresses it: a phone number (SMS,
 * WhatsApp, call) or an email address. The abuse controls count each kind by what it has: a
 * number by its prefix and country, an address by its domain.
 */
export type Destination =
  | { readonly kind: 'phone'; readonly address: string; readonly country: string | null; readonly phone: NormalizedPhone }
  | { readonly kind: 'email'; readonly address: string; readonly country: null; readonly domain: string };

export function phoneDestination(phone: NormalizedPhone): Destination {
  return { kind: 'phone', address: phone.e164, country: phone.country, phone };
}

/** The domain of an address as stored (`local@domain`, domain already normalised). */
export function emailDestination(address: string): Destination {
  return { kind: 'email', address, country: null, domain: address.slice(address.lastIndexOf('@') + 1) };
}

/** An address as logs may show it: a number keeps its last digits (maskPhone), an email address its domain and first character. */
export function maskAddress(to: string): string {
  const at = to.lastIndexOf('@');
  if (at < 0) return maskPhone(to);
  return `${to.slice(0, 1)}***${to.slice(at)}`;
}

/** Whether a `to` (as given or stored) is an email address rather than a phone number: only those hold an `@`. */
export function isEmailAddress(to: string): boolean {
  return to.includes('@');
}

/** A `to` as stored: an email address normalised as one, else a phone number in E.164. */
export function normalizeAddress(to: string, country?: string): string {
  return isEmailAddress(to) ? normalizeEmail(to).address : normalizePhone(to, country).e164;
}

/** Where a stored verification's messages go (its line type is not stored: null). */
export function destinationOf(verification: Pick<VerificationRecord, 'to' | 'country'>): Destination {
  return isEmailAddress(verification.to)
    ? emailDestination(verification.to)
    : phoneDestination({ e164: verification.to, country: verification.country, lineType: null });
}
