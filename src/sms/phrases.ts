import { LOCALES, RTL_LOCALES } from './locales.js';
import type { Locale } from './locales.js';
import { LATIN_PHRASES } from './phrases.latin.js';
import { OTHER_SCRIPT_PHRASES } from './phrases.other-scripts.js';

/**
 * What the voice and email channels say, per locale. SMS texts are in locales.ts; these have no
 * GSM-7 limit, so they are written with every accent. Placeholders are filled by the channel:
 * `{service}`, `{code}`, `{minutes}`.
 *
 * Numbers and plurals: one string per phrase cannot agree with every number in languages whose
 * nouns change with it (Slavic, Baltic, Romanian), so those say "{minutes} min." — correct for
 * any count. Arabic, Hebrew and Greek use the plural, right for the usual 2–10 minutes (codes live
 * at most 10 minutes unless the operator opts in).
 *
 * Right to left: in `rtl` locales the email texts wrap `{service}` in FIRST STRONG ISOLATE …
 * POP DIRECTIONAL ISOLATE, for the reason given in locales.ts (a Latin name ending in "!" or
 * digits would otherwise be displayed out of place, in a subject line as much as in a body);
 * an HTML body should still be marked `dir="rtl"`. Voice texts carry no marks: speech has no
 * direction.
 *
 * Sources for phrasing as for locales.ts; speech tags are those the common text-to-speech
 * engines (Amazon Polly, Google Cloud, Azure) accept: `es-MX` for Latin American Spanish,
 * `fil-PH` for Filipino, `zh-HK` (Cantonese) for Hong Kong.
 */
export interface LocalePhrases {
  /** BCP 47 tag for text-to-speech engines (e.g. 'en-US', 'ja-JP', 'pt-BR', 'ar-SA'). */
  speech: string;
  /** Said before the digits: "Your {service} verification code is" (no trailing punctuation). */
  voiceIntro: string;
  /** Said before the second reading: "Again, your code is". */
  voiceRepeat: string;
  /** Email subject without the code: "Your {service} verification code". */
  emailSubject: string;
  /** Email subject with the code, used only when the service asks: "{code} is your {service} verification code". */
  emailSubjectWithCode: string;
  /** "Enter this code to verify with {service}:" */
  emailIntro: string;
  /** "This code expires in {minutes} minutes." */
  emailExpiry: string;
  /** "Do not share this code with anyone. {service} will never ask you for it." */
  emailDoNotShare: string;
  /** "If you did not request this code, you can ignore this email." */
  emailIgnore: string;
  direction: 'ltr' | 'rtl';
}

/** A locale's phrases as written in the data files; the direction comes from RTL_LOCALES. */
export type PhraseTexts = Omit<LocalePhrases, 'direction'>;

// Both halves together must name every locale: a missing one fails to type-check here.
const TEXTS: Record<Locale, PhraseTexts> = { ...LATIN_PHRASES, ...OTHER_SCRIPT_PHRASES };

export const LOCALE_PHRASES: Readonly<Record<Locale, LocalePhrases>> = Object.freeze(
  Object.fromEntries(
    LOCALES.map((locale) => [
      locale,
      Object.freeze({ ...TEXTS[locale], direction: RTL_LOCALES.has(locale) ? 'rtl' : 'ltr' } satisfies LocalePhrases),
    ]),
  ) as Record<Locale, LocalePhrases>,
);

/** The phrases of a locale (a `Locale`, as resolveLocale returns; use normalizeLocaleTag for a raw tag). */
export function phrasesFor(locale: Locale): LocalePhrases {
  const phrases = Object.hasOwn(LOCALE_PHRASES, locale) ? LOCALE_PHRASES[locale] : undefined;
  if (phrases === undefined) throw new TypeError(`phrasesFor: unknown locale ${JSON.stringify(String(locale).slice(0, 35))}`);
  return phrases;
}
