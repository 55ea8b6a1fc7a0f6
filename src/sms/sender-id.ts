/**
 * Sender ids (rule M4). An alphanumeric id is 1–11 of [A-Za-z0-9 ] with at least one letter
 * (GSM 03.40 TP-OA alphanumeric address: 11 GSM-7 characters; all digits would be read as a
 * number). A numeric sender is a short code or an E.164 number.
 */
const ALPHANUMERIC = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
const NUMERIC = /^\+?[1-9]\d{2,14}$/;

/**
 * Where carriers refuse alphanumeric sender ids, a numeric sender must be used instead
 * (North America, China, Brazil: the vendors' country guidelines agree on these).
 */
export const ALPHANUMERIC_UNSUPPORTED: ReadonlySet<string> = new Set(['US', 'CA', 'PR', 'CN', 'BR']);

export type SenderKind = 'alphanumeric' | 'numeric';

export function senderKind(value: string): SenderKind | null {
  if (NUMERIC.test(value)) return 'numeric';
  if (ALPHANUMERIC.test(value)) return 'alphanumeric';
  return null;
}

/** Why `value` is not a valid sender id, or null when it is. */
export function senderIdProblem(value: string): string | null {
  if (senderKind(value) !== null) return null;
  return `"${value}" is neither an alphanumeric sender id (1–11 of A–Z, a–z, 0–9 and space, with at least one letter) nor a number`;
}

export interface SenderIdRules {
  /** Default sender id or number; null leaves it to the provider. */
  senderId: string | null;
  /** Per ISO country code. */
  countrySenderIds: Readonly<Record<string, string>>;
  /** Used where the chosen id is alphanumeric but the country does not allow that. */
  numericSender: string | null;
}

/** The sender for a message to `country`: country rule, else default, with the numeric fallback. */
export function chooseSender(rules: SenderIdRules, country: string | null): string | null {
  const chosen = (country !== null ? rules.countrySenderIds[country] : undefined) ?? rules.senderId;
  if (chosen === null || chosen === undefined) return rules.numericSender;
  if (senderKind(chosen) === 'alphanumeric' && country !== null && ALPHANUMERIC_UNSUPPORTED.has(country)) {
    return rules.numericSender;
  }
  return chosen;
}
