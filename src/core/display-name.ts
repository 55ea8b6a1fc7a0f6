import { createRequire } from 'node:module';
import LinkifyIt from 'linkify-it';

// `tlds` is a JSON module: required, as Node.js 20 imports JSON only with an import attribute.
const tlds = createRequire(import.meta.url)('tlds') as string[];

/**
 * Names that otpgate writes into an SMS next to a code: the service name (`{service}`) and a
 * verification's friendly name (Twilio's `CustomFriendlyName`). Whoever may set one chooses text
 * that a stranger's phone shows as coming from a trusted sender, so a name is a phishing vector:
 * "Acme: call 0800 555 123 or visit acme-support.top" turns an OTP into a lure. Twilio refuses
 * URLs and more than four digits in these names; so does otpgate (rule M5, docs/security.md).
 *
 * Links are found with linkify-it (markdown-it's link finder) over the full IANA list of
 * top-level domains (`tlds`), so `bit.ly/x`, `acme.app` and `www.x` count as links while
 * "Acme Inc." does not.
 */
const links = new LinkifyIt().tlds(tlds);

/** At most this many digits in a name (Twilio's rule): a year or a branch number, not a phone number. */
export const MAX_NAME_DIGITS = 4;

/** Why `name` may not go into an SMS, or null when it may. */
export function smsNameProblem(name: string): string | null {
  // Digits of every script count (Arabic-Indic, Devanagari… render as numbers too).
  const digits = name.match(/\p{Nd}/gu)?.length ?? 0;
  if (digits > MAX_NAME_DIGITS) return `must hold at most ${MAX_NAME_DIGITS} digits (it holds ${digits}): a name in an SMS must not carry a phone number`;
  if (links.test(name) || /\bwww\./i.test(name)) return 'must not hold a URL, domain or e-mail address: a name in an SMS must not carry a link';
  return null;
}
