/**
 * Built-in message texts. The country → language table is in locale-countries.ts.
 *
 * Each locale has a code sentence and a "do not share" sentence; the service setting
 * `do_not_share_warning` (default true) decides whether the second is sent (Twilio's
 * DoNotShareWarningEnabled does the same). Placeholders: `{code}` (required) and `{service}`.
 *
 * Encoding policy (M2, M3; templates.test.ts checks every locale, both variants):
 * - Latin-script languages stay GSM-7 and fit ONE segment with a 10-digit code, a 20-character
 *   service name, the Android app hash and a WebOTP line for a 30-character host. GSM 03.38 keeps a
 *   few accented letters (é è ù ì ò à ä ö ü ñ å æ ø É Ç Ä Ö Ü Ñ Å Æ Ø ß), so French, German,
 *   Italian, Catalan's "és" and the Nordic and Estonian texts keep theirs; the others
 *   (á í ó ú ã õ ç č š ž ę ł ğ ş ı ă î ő ā ū and Vietnamese tone marks) would turn the whole message
 *   into UCS-2 and more than halve its capacity, so those words are written without them, as SMS
 *   senders in those languages routinely do (Vietnamese brand-name SMS are sent "không dấu";
 *   Hungarian senders write ö for ő).
 * - Other scripts (Arabic, Hebrew, Greek, Cyrillic, Devanagari, Thai, CJK, Hangul) are UCS-2: each
 *   fits one 70-unit segment with a 6-digit code and a 20-character service name. Adding the WebOTP
 *   line and app hash (about 50 units more) cannot fit UCS-2's 70; such a message goes out as two
 *   67-unit parts, `segments` reports it, and the test pins that count. Greek is UCS-2 rather than
 *   GSM-7 capitals (GSM 03.38 can spell upper-case Greek with Latin look-alikes) because screen
 *   readers and search would read those as Latin letters.
 *
 * Right-to-left (ar, he): the service name is wrapped in FIRST STRONG ISOLATE … POP DIRECTIONAL
 * ISOLATE (U+2068 … U+2069), which UAX #9 §2.7 and W3C's "Inline markup and bidirectional text"
 * recommend for inserted text of unknown direction. Without it a Latin name ending in a neutral
 * ("Acme!", "Pay 24") or followed by the digits would join the code into one left-to-right run
 * and be displayed in the wrong place. The isolate also hides the name from paragraph-direction
 * detection, so the message stays right-to-left whatever the name is. The code is digits (weak
 * type EN) after a Hebrew or Arabic word, so it keeps its digit order and its place without marks;
 * marks next to it could also disturb the code detection of iOS and Android. The characters are
 * default-ignorable, so a phone that does not implement isolates draws nothing. The WebOTP line
 * and the app hash are separate lines, and each line (LF is a paragraph separator in UAX #9) gets
 * its own direction from its first strong character: `@host #code` stays left-to-right, exactly as
 * the WICG spec wants it, and no mark is ever put into it (the service name's own control
 * characters are removed by templates.ts).
 *
 * Sources for phrasing: Twilio Verify's published language list and country defaults
 * (twilio.com/docs/verify/supported-languages, …/default-phone-verification-languages), Vonage
 * Verify v2's language list, the public multi-locale OTP texts of human-internet/humanid-core
 * (server/localization.js), Android's and iOS's own verification wording ("verification code",
 * "认证码/验证码", "認証コード", "인증번호", "Bestätigungscode"), CLDR for tags and scripts. Texts were
 * written for this project, shortened to fit the budgets above.
 */
const TEXTS = {
  af: ['{code} is jou verifikasiekode vir {service}.', 'Moenie dit met iemand deel nie.'],
  ar: ['رمز التحقق لـ\u2068{service}\u2069 هو {code}.', 'لا تشاركه مع أحد.'],
  ca: ['{code} és el teu codi de verificacio per a {service}.', 'No el comparteixis amb ningu.'],
  cs: ['{code} je overovaci kod pro {service}.', 'Nikomu ho nesdelujte.'],
  da: ['{code} er din bekræftelseskode til {service}.', 'Del den ikke med andre.'],
  de: ['{code} ist Ihr Bestätigungscode für {service}.', 'Geben Sie ihn nicht weiter.'],
  // Greek: the short "Κωδικός {service}" form; "Κωδικός επαλήθευσης" does not fit 70 units.
  el: ['Κωδικός {service}: {code}.', 'Μην τον δώσετε σε κανέναν.'],
  en: ['{code} is your {service} verification code.', 'Do not share it.'],
  // The sentence has no word that British and American English spell differently; en-GB is its own
  // locale because Twilio lists it, integrators send it, and voice calls need a British voice.
  'en-GB': ['{code} is your {service} verification code.', 'Do not share it.'],
  // Spain: the informal "tú" that Spanish brands use; Latin America: "usted", which banks and
  // public services there keep.
  es: ['{code} es tu codigo de verificacion de {service}.', 'No lo compartas con nadie.'],
  'es-419': ['{code} es su codigo de verificacion de {service}.', 'No lo comparta con nadie.'],
  et: ['{code} on teie {service} kinnituskood.', 'Ärge jagage seda kellelegi.'],
  fi: ['{code} on vahvistuskoodisi palveluun {service}.', 'Älä kerro sitä kenellekään.'],
  fr: ['{code} est votre code de vérification {service}.', 'Ne le partagez avec personne.'],
  // Quebec French: "transmettre" is the verb Quebec institutions use for passing on a code; the
  // bigger differences (courriel, a Canadian voice) are in phrases.ts.
  'fr-CA': ['{code} est votre code de vérification {service}.', 'Ne le transmettez à personne.'],
  he: ['קוד האימות ל-\u2068{service}\u2069 הוא {code}.', 'אין למסור אותו לאיש.'],
  // "OTP" is the everyday word in Indian SMS and leaves room for longer codes.
  hi: ['{code} आपका {service} OTP है।', 'इसे किसी को न बताएं।'],
  // Ijekavian wording, which Bosnian readers share.
  hr: ['{code} je verifikacijski kod za {service}.', 'Ne dijelite ga ni s kim.'],
  hu: ['Az Ön {service} ellenörzö kodja: {code}.', 'Senkinek ne adja ki.'],
  id: ['{code} adalah kode verifikasi {service} Anda.', 'Jangan bagikan kode ini kepada siapa pun.'],
  it: ['{code} è il tuo codice di verifica {service}.', 'Non condividerlo con nessuno.'],
  ja: ['{service}の認証コードは{code}です。', '他人に教えないでください。'],
  ko: ['{service} 인증번호는 {code}입니다.', '타인에게 알려주지 마세요.'],
  lt: ['{service} patvirtinimo kodas: {code}.', 'Niekam jo nesakykite.'],
  lv: ['{service} verifikacijas kods: {code}.', 'Neizpaudiet to nevienam.'],
  ms: ['{code} ialah kod pengesahan {service} anda.', 'Jangan kongsi dengan sesiapa.'],
  nb: ['{code} er din bekreftelseskode for {service}.', 'Ikke del den med andre.'],
  nl: ['{code} is je verificatiecode voor {service}.', 'Deel deze code met niemand.'],
  pl: ['{code} to Twoj kod weryfikacyjny {service}.', 'Nie udostepniaj go nikomu.'],
  // Portugal "partilhar" and the article ("o seu"); Brazil "compartilhar" and "seu" alone. "é" is
  // GSM-7 and must stay: "e" would read "and".
  pt: ['{code} é o seu codigo de verificacao {service}.', 'Nao o partilhe com ninguem.'],
  'pt-BR': ['{code} é seu codigo de verificacao {service}.', 'Nao compartilhe com ninguem.'],
  ro: ['{code} este codul tau de verificare {service}.', 'Nu il comunica nimanui.'],
  ru: ['Ваш код {service}: {code}.', 'Никому его не сообщайте.'],
  sk: ['{code} je overovaci kod pre {service}.', 'Nikomu ho neprezradzujte.'],
  sl: ['{code} je potrditvena koda za {service}.', 'Ne delite je z nikomer.'],
  // Serbian: Latin by default (what Serbian SMS senders use, and GSM-7 once č ć š ž đ are
  // dropped); sr-Cyrl for Cyrillic.
  sr: ['{code} je verifikacioni kod za {service}.', 'Ne delite ga ni sa kim.'],
  'sr-Cyrl': ['Ваш код за {service}: {code}.', 'Не делите га ни са ким.'],
  sv: ['{code} är din verifieringskod för {service}.', 'Dela den inte med någon.'],
  // Thai separates sentences with a space, not a full stop.
  th: ['รหัสยืนยัน {service} ของคุณคือ {code}', 'ห้ามบอกผู้อื่น'],
  // Filipino SMS keep the English "verification code", as local banks and wallets do.
  tl: ['{code} ang iyong {service} verification code.', 'Huwag itong ibahagi kahit kanino.'],
  tr: ['{code} {service} dogrulama kodunuzdur.', 'Kimseyle paylasmayin.'],
  uk: ['Ваш код {service}: {code}.', 'Нікому його не повідомляйте.'],
  vi: ['{code} la ma xac thuc {service} cua ban.', 'Khong chia se ma nay voi bat ky ai.'],
  // Chinese: spaces around Latin names and digits (W3C clreq allows them and they keep a Latin
  // service name readable); zh and zh-CN simplified with mainland terms, zh-HK and zh-TW
  // traditional with Hong Kong ("你", "透露") and Taiwan ("您", "為") usage.
  zh: ['您的 {service} 验证码是 {code}。', '请勿泄露给他人。'],
  'zh-CN': ['您的 {service} 验证码是 {code}。', '请勿泄露给他人。'],
  'zh-HK': ['你的 {service} 驗證碼是 {code}。', '請勿向任何人透露。'],
  'zh-TW': ['您的 {service} 驗證碼為 {code}。', '請勿將驗證碼告訴他人。'],
} as const satisfies Record<string, readonly [string, string]>;

export type Locale = keyof typeof TEXTS;

/** Every locale with built-in texts, in alphabetical order of its tag. */
export const LOCALES: readonly Locale[] = Object.freeze(Object.keys(TEXTS).sort() as Locale[]);

/** Scripts whose sentences end in an ideographic full stop take no space before the next one. */
function joinSentences(first: string, second: string): string {
  return first.endsWith('。') ? `${first}${second}` : `${first} ${second}`;
}

function mapLocales(pick: (pair: readonly [string, string]) => string): Readonly<Record<Locale, string>> {
  return Object.freeze(Object.fromEntries(LOCALES.map((locale) => [locale, pick(TEXTS[locale])])) as Record<Locale, string>);
}

/** The default built-in text per locale: the code sentence and the "do not share" warning. */
export const BUILT_IN_TEMPLATES: Readonly<Record<Locale, string>> = mapLocales(([text, warning]) => joinSentences(text, warning));

/** The built-in text per locale without the warning (service setting `do_not_share_warning: false`). */
export const BUILT_IN_TEMPLATES_WITHOUT_WARNING: Readonly<Record<Locale, string>> = mapLocales(([text]) => text);

/** The built-in text of a locale, with or without the "do not share" sentence. */
export function builtInTemplate(locale: Locale, doNotShareWarning = true): string {
  return (doNotShareWarning ? BUILT_IN_TEMPLATES : BUILT_IN_TEMPLATES_WITHOUT_WARNING)[locale];
}

/**
 * A regional locale → the locale whose text it shares the language of, where a service's own text
 * for the second is the better fallback for the first (same script). zh-HK and zh-TW are
 * traditional script and sr-Cyrl Cyrillic, so they have none.
 */
export const REGIONAL_PARENTS: Readonly<Partial<Record<Locale, Locale>>> = Object.freeze({
  'en-GB': 'en',
  'es-419': 'es',
  'fr-CA': 'fr',
  'pt-BR': 'pt',
  'zh-CN': 'zh',
});

/** Locales written right to left. */
export const RTL_LOCALES: ReadonlySet<Locale> = new Set<Locale>(['ar', 'he']);

/** A canonical tag, lower-cased, → its locale (`pt-br` → `pt-BR`). */
export const LOCALES_BY_LOWER_TAG: ReadonlyMap<string, Locale> = new Map(LOCALES.map((locale) => [locale.toLowerCase(), locale]));

/**
 * Language subtags that name a supported language under another code: Norwegian `no` and Nynorsk
 * `nn` readers get Bokmål; `in` and `iw` are the pre-1989 codes for Indonesian and Hebrew that
 * Java still emits; `fil` is Filipino, which Twilio tags `tl`; Serbo-Croatian `sh` is written in
 * Latin script like our `sr`; `cmn` (Mandarin) reads Chinese and `yue` (Cantonese) reads Hong Kong
 * Chinese.
 */
export const LOCALE_ALIASES: Readonly<Record<string, Locale>> = Object.freeze({
  no: 'nb',
  nn: 'nb',
  in: 'id',
  iw: 'he',
  fil: 'tl',
  sh: 'sr',
  cmn: 'zh',
  yue: 'zh-HK',
});
