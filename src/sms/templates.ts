import { LRUCache } from 'lru-cache';
import { AppError } from '../core/errors.js';
import { builtInTemplate, LOCALES } from './locales.js';
import type { Locale } from './locales.js';
import { localeForNumber } from './locale-countries.js';
import { normalizeLocaleTag } from './locale-tags.js';
import { analyzeSms, MULTIPART_SEGMENT_UNITS, nonGsmCharacters, SINGLE_SEGMENT_UNITS } from './segments.js';
import type { SmsEncoding } from './segments.js';

/**
 * The one place message text is rendered (architecture rule 5). Providers receive `body` and
 * log `redactedBody`; neither they nor anything else builds SMS text.
 *
 * Layout, when the service configured the autofill hooks:
 *
 *     <template text>
 *
 *     <11-char Android app hash>
 *     @<webotp host> #<code>
 *
 * The WebOTP line must be the last line (WICG sms-one-time-codes; Chromium and Safari parse
 * `@host #code` with exactly one space, code free of `#` and whitespace). SMS Retriever only
 * needs the hash somewhere in the message, so it goes just above, where it does not disturb the
 * WebOTP parse. Either line is left out when not configured.
 *
 * SMS Retriever also wants the message to be at most 140 bytes. We read that as the 140 octets of
 * one PDU's user data: ≤ 160 GSM-7 septets (packed 8 into 7 octets) or ≤ 70 UCS-2 units, i.e.
 * one segment. Every built-in Latin-script text meets it with both lines, a 10-digit code, a
 * 20-character service name and a 30-character host. A UCS-2 text (Arabic, CJK, Cyrillic, …)
 * fits one segment alone, but not with both lines: it goes out as two parts, the hash still
 * inside, and Android may then not hand it to the app (locales.ts). `segments` says so.
 */

export type { Locale } from './locales.js';
export { normalizeLocaleTag } from './locale-tags.js';
export { localeForCountry, localeForNumber } from './locale-countries.js';

/** Every locale with built-in texts, alphabetical (`en`, `en-GB`, `es`, `es-419`, …). */
export const SUPPORTED_LOCALES: readonly Locale[] = LOCALES;

export const DEFAULT_LOCALE: Locale = 'en';

/** The longest custom template accepted: past this it is a letter, not an OTP message. */
export const MAX_TEMPLATE_LENGTH = 1000;

export interface RenderSmsInput {
  /** A supported locale or a tag that reads as one (`es-MX` → es-419); ignored when `template` is given. */
  locale: string;
  /**
   * Whether the built-in text carries its "do not share" sentence (service setting
   * `do_not_share_warning`). Default true; ignored when `template` is given.
   */
  doNotShareWarning?: boolean;
  /** The one-time code: letters or digits only (it ends the WebOTP line). */
  code: string;
  /** Shown where the template says `{service}`; control and bidi characters become spaces. */
  serviceName: string;
  /** Bare host for the WebOTP line; none by default. */
  webotpDomain?: string | null;
  /** 11-character Android SMS Retriever hash; none by default. */
  androidAppHash?: string | null;
  /** A custom template with `{code}` (and optionally `{service}`); the locale's built-in by default. */
  template?: string | null;
}

export interface RenderedSms {
  body: string;
  /** `body` with every occurrence of the code replaced by `*` of the same length: safe to log. */
  redactedBody: string;
  encoding: SmsEncoding;
  segments: number;
  units: number;
}

export interface ResolveLocaleInput {
  requested?: string | null;
  serviceDefault?: string | null;
  country?: string | null;
  /** The E.164 number, where its digits say more than its country (Quebec area codes). */
  phone?: string | null;
}

export interface TemplateCheck {
  /** False when the template cannot be used at all (see `errors`). */
  ok: boolean;
  errors: string[];
  /** Usable but costly or surprising: UCS-2, several segments, unknown placeholders. */
  warnings: string[];
  encoding: SmsEncoding;
  segments: number;
  units: number;
}

export interface TemplateCheckOptions {
  /** Check with the WebOTP line this service will add. */
  webotpDomain?: string | null;
  /** Check with the app hash this service will add. */
  androidAppHash?: string | null;
}

export function isSupportedLocale(tag: string): boolean {
  return normalizeLocaleTag(tag) !== null;
}

/**
 * requested > service default > the number's country (or area code) > English.
 *
 * A requested locale we cannot serve is the caller's mistake and is refused. A service default
 * that stopped being supported is skipped instead, so one stale setting cannot fail every send.
 *
 * @throws AppError `invalid_request` for an unsupported requested locale
 */
export function resolveLocale(input: ResolveLocaleInput): Locale {
  const { requested, serviceDefault, country, phone } = input;
  if (requested !== undefined && requested !== null && requested !== '') {
    const locale = normalizeLocaleTag(requested);
    if (locale === null) {
      const shown = JSON.stringify(String(requested).slice(0, 35));
      throw new AppError('invalid_request', `locale ${shown} is not supported; supported: ${SUPPORTED_LOCALES.join(', ')}`);
    }
    return locale;
  }
  const fromService = serviceDefault ? normalizeLocaleTag(serviceDefault) : null;
  return fromService ?? localeForNumber(phone ?? null, country ?? null) ?? DEFAULT_LOCALE;
}

// Segment analysis is the costliest part of a render (grapheme splitting), and it is the same for
// every code: digits and the '*' that masks them are each one unit in GSM-7 and in UCS-2, so the
// masked text, which holds no secret, has exactly the encoding, segments and units of the real
// one. Keyed by it, the analysis runs once per distinct template, service name and code length.
const maskedAnalyses = new LRUCache<string, ReturnType<typeof analyzeSms>>({ max: 1000 });
function analyzeMasked(redactedBody: string): ReturnType<typeof analyzeSms> {
  let analysis = maskedAnalyses.get(redactedBody);
  if (analysis === undefined) {
    analysis = analyzeSms(redactedBody);
    maskedAnalyses.set(redactedBody, analysis);
  }
  return analysis;
}

/**
 * Render the SMS for one send. Placeholders are filled in one pass, so a service name holding
 * `{code}` or `$&` stays literal text.
 *
 * @throws AppError `invalid_request` for an unsupported locale, a template without `{code}`, or
 *   an invalid WebOTP host or app hash
 */
export function renderSms(input: RenderSmsInput): RenderedSms {
  const code = assertCode(input.code);
  const template = input.template ?? builtInTextFor(input.locale, input.doNotShareWarning ?? true);
  if (!template.includes('{code}')) throw new AppError('invalid_request', 'template must contain {code}');
  const parts = {
    template,
    service: cleanServiceName(input.serviceName),
    domain: input.webotpDomain ? validateWebOtpDomain(input.webotpDomain) : null,
    hash: input.androidAppHash ? validateAndroidAppHash(input.androidAppHash) : null,
  };
  const body = compose(parts, code);
  // Rendered again rather than search-and-replaced in `body`, so digits of the service name that
  // happen to equal the code stay readable and the code is masked wherever the template put it.
  const redactedBody = compose(parts, '*'.repeat(code.length));
  return { body, redactedBody, ...analyzeMasked(redactedBody) };
}

/**
 * A WebOTP host as browsers parse it: letters, digits, hyphens and dots, no scheme, port, path
 * or trailing dot. Returned lower-cased.
 *
 * @throws AppError `invalid_request`
 */
export function validateWebOtpDomain(domain: string): string {
  const fail = (why: string): never => {
    throw new AppError('invalid_request', `webotp_domain ${why}; give a bare host such as "example.com"`);
  };
  if (typeof domain !== 'string' || domain.length === 0) return fail('is empty');
  if (domain.length > 253) return fail('is longer than 253 characters');
  if (/[:/?#@\s]/.test(domain)) return fail('must not hold a scheme, port, path or spaces');
  const host = domain.toLowerCase();
  if (!/^[a-z0-9.-]+$/.test(host)) return fail('may hold only letters, digits, hyphens and dots (use punycode for IDNs)');
  const labels = host.split('.');
  for (const label of labels) {
    if (label.length === 0) return fail('has an empty label');
    if (label.length > 63) return fail('has a label longer than 63 characters');
    if (label.startsWith('-') || label.endsWith('-')) return fail('has a label that starts or ends with a hyphen');
  }
  // All-digit last label: an IPv4 address, which cannot hold the certificate WebOTP requires.
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return fail('must be a host name, not an IP address');
  return host;
}

/**
 * The 11-character SMS Retriever hash (base64 of the app's signing digest, truncated).
 *
 * @throws AppError `invalid_request`
 */
export function validateAndroidAppHash(hash: string): string {
  if (typeof hash !== 'string' || !/^[A-Za-z0-9+/]{11}$/.test(hash)) {
    throw new AppError('invalid_request', 'android_app_hash must be exactly 11 characters of A-Z, a-z, 0-9, + and /');
  }
  return hash;
}

/**
 * Dry-run a custom template with a 10-digit code and a 20-character service name (the largest
 * code length we allow and a long-ish brand) and report what it would cost (M2).
 */
export function checkTemplate(template: string, options: TemplateCheckOptions = {}): TemplateCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (typeof template !== 'string') template = '';
  if (!template.includes('{code}')) errors.push('template must contain {code}');
  if (template.length > MAX_TEMPLATE_LENGTH) errors.push(`template is longer than ${MAX_TEMPLATE_LENGTH} characters`);

  let domain: string | null = null;
  let hash: string | null = null;
  try {
    if (options.webotpDomain) domain = validateWebOtpDomain(options.webotpDomain);
    if (options.androidAppHash) hash = validateAndroidAppHash(options.androidAppHash);
  } catch (error) {
    errors.push(error instanceof Error ? error.message : String(error));
  }

  const unknown = [...template.matchAll(/\{([^{}\s]{1,40})\}/g)]
    .map((m) => m[1] ?? '')
    .filter((name) => name !== 'code' && name !== 'service');
  if (unknown.length > 0) {
    warnings.push(`unknown placeholders are sent as written: ${[...new Set(unknown)].map((n) => `{${n}}`).join(', ')}`);
  }
  if (/^@\S+ #/m.test(template)) {
    warnings.push('template holds its own "@host #code" line; set webotp_domain instead so the line is last and correct');
  }
  // Bidi isolates and marks (U+2066–U+2069, LRM, RLM, ALM) are how right-to-left texts keep an
  // inserted name in place (see locales.ts); every other control or format character is suspect.
  if (/[\p{Cc}\p{Cf}]/u.test(template.replace(/[\n\u2066-\u2069\u200e\u200f\u061c]/g, ''))) {
    warnings.push('template holds control or invisible formatting characters');
  }

  const sample = compose({ template, service: SAMPLE_SERVICE, domain, hash }, SAMPLE_CODE);
  const analysis = analyzeSms(sample);
  if (analysis.encoding === 'UCS-2') {
    const offending = nonGsmCharacters(sample).slice(0, 10).join(' ');
    warnings.push(
      `message goes UCS-2 (${SINGLE_SEGMENT_UNITS['UCS-2']} characters per segment instead of ${SINGLE_SEGMENT_UNITS['GSM-7']}) because of: ${offending}`,
    );
  }
  if (analysis.segments > 1) {
    const { encoding } = analysis;
    warnings.push(
      `message takes ${analysis.segments} segments (${analysis.units} ${encoding === 'GSM-7' ? 'septets' : 'UTF-16 units'}; ` +
        `one segment holds ${SINGLE_SEGMENT_UNITS[encoding]}, ${MULTIPART_SEGMENT_UNITS[encoding]} each when split) ` +
        'with a 10-digit code and a 20-character service name',
    );
  }
  return { ok: errors.length === 0, errors, warnings, ...analysis };
}

const SAMPLE_CODE = '1234567890';
const SAMPLE_SERVICE = 'Example Service Name';

interface Parts {
  template: string;
  service: string;
  domain: string | null;
  hash: string | null;
}

function compose(parts: Parts, code: string): string {
  const text = parts.template
    .replace(/\{(code|service)\}/g, (_match, name: string) => (name === 'code' ? code : parts.service))
    .trimEnd();
  const footer: string[] = [];
  if (parts.hash !== null) footer.push(parts.hash);
  if (parts.domain !== null) footer.push(`@${parts.domain} #${code}`);
  return footer.length === 0 ? text : `${text}\n\n${footer.join('\n')}`;
}

function builtInTextFor(locale: string, doNotShareWarning: boolean): string {
  const supported = normalizeLocaleTag(locale);
  if (supported === null) {
    const shown = JSON.stringify(String(locale).slice(0, 35));
    throw new AppError('invalid_request', `locale ${shown} is not supported; supported: ${SUPPORTED_LOCALES.join(', ')}`);
  }
  return builtInTemplate(supported, doNotShareWarning);
}

function assertCode(code: string): string {
  // Codes come from our generator or validated test numbers; anything else is a bug, not input.
  if (typeof code !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(code)) {
    throw new TypeError('renderSms: code must be 1-32 letters or digits');
  }
  return code;
}

// A line break in a service name would split the message where the template did not choose to
// (and could imitate an "@host #code" line); bidi controls could make the code read other than
// sent. Every control (Cc), line or paragraph separator and format character (Cf: bidi marks,
// embeddings, overrides and isolates, the Arabic letter mark U+061C, the byte-order mark U+FEFF,
// zero-width and invisible characters) becomes a space.
function cleanServiceName(name: string): string {
  return String(name)
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();
}
