import { SegmentedMessage } from 'sms-segments-calculator';

/**
 * GSM-7 / UCS-2 segment counting (rule M2).
 *
 * Segmentation itself is delegated to Twilio's `sms-segments-calculator`, whose limits match
 * 3GPP TS 23.038/23.040: 140 octets of user data per PDU → 160 septets or 70 UCS-2 units alone,
 * 153 / 67 once the 6-octet concatenation header is added. It also never splits a GSM-7 escape
 * pair or a surrogate pair across segments, which a naive `ceil(units / 153)` gets wrong.
 *
 * What we do NOT take from the library is the unit count: for UCS-2 its `numberOfCharacters`
 * counts grapheme clusters (an emoji with a skin-tone modifier is "1"), whereas the carrier bills
 * UTF-16 code units. We report code units so `units` means the same thing as the 160/70 limits.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsAnalysis {
  encoding: SmsEncoding;
  /** How many SMS parts the carrier will send (and bill). Always ≥ 1, even for an empty body. */
  segments: number;
  /** Septets for GSM-7 (extension characters `^{}\[~]|€` count two), UTF-16 code units for UCS-2. */
  units: number;
}

/** Capacity of a message that fits in one PDU, by encoding. */
export const SINGLE_SEGMENT_UNITS: Readonly<Record<SmsEncoding, number>> = Object.freeze({
  'GSM-7': 160,
  'UCS-2': 70,
});

/** Capacity of each part of a concatenated message (the UDH takes 6 octets). */
export const MULTIPART_SEGMENT_UNITS: Readonly<Record<SmsEncoding, number>> = Object.freeze({
  'GSM-7': 153,
  'UCS-2': 67,
});

/** One PDU carries at most 140 octets of user data. */
export const MAX_PDU_OCTETS = 140;

export function analyzeSms(text: string): SmsAnalysis {
  const message = new SegmentedMessage(text);
  const encoding: SmsEncoding = message.encodingName;
  // Sum of code units per encoded character: septets (escape pairs are two) in GSM-7, UTF-16
  // units in UCS-2 (the library stores GSM-7-representable characters as one unit there).
  const units = message.encodedChars.reduce((sum, char) => sum + char.codeUnits.length, 0);
  return { encoding, segments: message.segmentsCount, units };
}

/**
 * Octets the text occupies in PDU user data when sent as one message: GSM-7 septets are packed
 * (8 septets in 7 octets, so 160 septets = 140 octets), UCS-2 takes 2 octets per unit. This is
 * the "bytes" of Android's SMS Retriever 140-byte limit (see templates.ts for the reasoning).
 */
export function packedOctets(analysis: Pick<SmsAnalysis, 'encoding' | 'units'>): number {
  return analysis.encoding === 'GSM-7' ? Math.ceil((analysis.units * 7) / 8) : analysis.units * 2;
}

/** Characters that would force UCS-2, in order of appearance, without duplicates. */
export function nonGsmCharacters(text: string): string[] {
  return [...new Set(new SegmentedMessage(text).getNonGsmCharacters())];
}
