import { domainToASCII } from 'node:url';
import { disposableEmailBlocklistSet } from 'disposable-email-domains-js';
import isEmailModule from 'validator/lib/isEmail.js';
import { AppError } from './errors.js';

/**
 * Email addresses in, one canonical form out (issue 17): what the email channel sends to and
 * what per-address budgets count. validator's `isEmail` (a maintained RFC 5321/5322 checker) does
 * the syntax; this module decides which of the valid forms an OTP service takes, and turns every
 * refusal into one `invalid_request` error whose detail says what to fix.
 *
 * - The domain is lower-cased and IDNA-mapped to its ASCII (punycode) form with node:url's
 *   `domainToASCII` (UTS #46), so `Ada@Bücher.Example` and `Ada@xn--bcher-kva.example` are one
 *   address. The local part is kept as given: RFC 5321 §2.4 leaves its case to the receiving
 *   host (most ignore it, some do not), so folding it could send the code to someone else.
 * - Refused although RFC 5322 allows them: display names (`Ada <ada@example.com>`), quoted local
 *   parts (`"ada lovelace"@example.com`), IP-literal domains (`ada@[192.0.2.1]`), domains without
 *   a dot and TLD (`ada@localhost`), and addresses over 254 characters (RFC 5321 §4.5.3.1.3 caps
 *   a forward path at 256 octets including the angle brackets). None of these is a mailbox a
 *   person types into a sign-in form; each is a way to smuggle something odd into a header.
 * - UTF-8 local parts (RFC 6531) are accepted: they are real addresses in some countries.
 */

/** RFC 5321's path limit less the angle brackets. */
export const MAX_EMAIL_LENGTH = 254;

export interface NormalizedEmail {
  /** `local@domain` with the domain lower-cased and in ASCII (punycode) form. */
  readonly address: string;
  /** The ASCII domain, e.g. `example.com` or `xn--bcher-kva.example`. */
  readonly domain: string;
}

// A CommonJS module whose types declare an ES default export: under NodeNext the default import is
// the module object, and validator sets `module.exports.default` to the function too.
const isEmail = isEmailModule.default;

const IS_EMAIL_OPTIONS = {
  allow_display_name: false,
  require_display_name: false,
  allow_utf8_local_part: true,
  require_tld: true,
  allow_ip_domain: false,
  allow_underscores: false,
  domain_specific_validation: false,
  ignore_max_length: false,
} as const;

function invalid(detail: string): AppError {
  return new AppError('invalid_request', `Invalid email address: ${detail}.`);
}

/** Validates and normalises an email address; throws `AppError('invalid_request')` with the reason otherwise. */
export function normalizeEmail(input: string): NormalizedEmail {
  if (typeof input !== 'string') throw invalid('expected a string');
  const trimmed = input.trim();
  if (trimmed === '') throw invalid('it is empty');
  // Checked before any parsing so that a megabyte of input costs nothing.
  if (trimmed.length > MAX_EMAIL_LENGTH) throw invalid(`it is longer than ${MAX_EMAIL_LENGTH} characters`);
  if (trimmed.includes('"')) throw invalid('quoted local parts are not accepted');
  if (/[<>]/.test(trimmed)) throw invalid('give the address alone, without a display name or angle brackets (ada@example.com)');
  // Control characters and whitespace can never be part of an unquoted address, and in a header
  // a line break would start a new one.
  if (/[\s\p{Cc}]/u.test(trimmed)) throw invalid('it contains spaces or control characters');
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) throw invalid('expected local-part@domain (ada@example.com)');
  const local = trimmed.slice(0, at);
  const domainInput = trimmed.slice(at + 1);
  if (local.includes('@')) throw invalid('it contains more than one @');
  if (Buffer.byteLength(local) > 64) throw invalid('the part before @ is longer than 64 bytes');
  if (domainInput.startsWith('[')) throw invalid('IP-address domains are not accepted; use a domain name');
  const domain = domainToASCII(domainInput.toLowerCase());
  if (domain === '') throw invalid(`"${domainInput}" is not a valid domain name`);
  const address = `${local}@${domain}`;
  if (address.length > MAX_EMAIL_LENGTH) throw invalid(`it is longer than ${MAX_EMAIL_LENGTH} characters once its domain is in ASCII form`);
  if (!isEmail(address, IS_EMAIL_OPTIONS)) {
    if (!/\./.test(domain)) throw invalid(`the domain "${domainInput}" has no top-level domain`);
    throw invalid('it is not a valid address (local-part@domain, with a domain name such as example.com)');
  }
  return { address, domain };
}

let disposable: ReadonlySet<string> | null = null;

/**
 * Whether mail to `domain` (or to a subdomain of a listed domain: `x.mailinator.com`) goes to a
 * throwaway inbox. Backed by `disposable-email-domains-js`, the npm build of the community list
 * github.com/disposable/disposable-email-domains (the list PyPI and many sign-up forms use):
 * about 9k domains, curated so that a domain goes in only when it is shown to be disposable
 * (few false positives: refusing a real person's address is worse than letting one throwaway
 * address through), republished as new domains appear, 200 kB, no dependencies, CC0. mailchecker
 * (55k domains) was the other candidate; its larger list holds entries that are not domains at
 * all and more guesses, and it has no domain-only lookup.
 */
export function isDisposableDomain(domain: string): boolean {
  disposable ??= disposableEmailBlocklistSet();
  const ascii = domainToASCII(domain.trim().toLowerCase().replace(/\.$/, ''));
  if (ascii === '') return false;
  const labels = ascii.split('.');
  // The domain itself and each parent but the bare TLD.
  for (let i = 0; i < labels.length - 1; i++) {
    if (disposable.has(labels.slice(i).join('.'))) return true;
  }
  return false;
}

/** Providers known to ignore dots in the local part (ada.lovelace@ and adalovelace@ are one mailbox). */
const DOTLESS_DOMAINS: ReadonlySet<string> = new Set(['gmail.com', 'googlemail.com']);

/**
 * The mailbox an address reaches, for counting: the local part without a `+tag` sub-address and
 * lower-cased (nearly every host ignores both), and without dots on hosts known to ignore them.
 * Only budgets use it; mail still goes to the address as given.
 */
export function mailboxOf(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1).toLowerCase();
  let local = address.slice(0, at).toLowerCase();
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  if (DOTLESS_DOMAINS.has(domain)) local = local.replace(/\./g, '');
  return `${local}@${domain === 'googlemail.com' ? 'gmail.com' : domain}`;
}
