/**
 * Built-in message texts and the country → language table.
 *
 * Every text must stay GSM-7 and leave room for a WebOTP line and an Android app hash inside
 * one segment (M2, M3; templates.test.ts checks it for every locale). GSM 03.38 keeps a few
 * accented letters (é è ù ì ò à ä ö ü ñ å æ ø É Ç Ä Ö Ü Ñ Å Æ Ø ß), so French, German,
 * Italian and the Nordic texts keep theirs; the others (á í ó ú ã õ ç ę ł ğ ş ı ă î …) would
 * turn the whole message into UCS-2 and more than halve its capacity, so those words are
 * written without them, as SMS senders in those languages routinely do.
 *
 * Placeholders: `{code}` (required) and `{service}`.
 */
export const BUILT_IN_TEMPLATES = {
  en: '{code} is your {service} verification code. Do not share it.',
  es: '{code} es tu codigo de verificacion de {service}. No lo compartas con nadie.',
  fr: '{code} est votre code de vérification {service}. Ne le partagez avec personne.',
  de: '{code} ist Ihr Bestätigungscode für {service}. Geben Sie ihn nicht weiter.',
  // Brazilian wording ("compartilhe"): Brazil holds most Portuguese-speaking phones. "é" is GSM-7
  // and must stay: "e" would read "and".
  pt: '{code} é o seu codigo de verificacao {service}. Nao o compartilhe com ninguem.',
  it: '{code} è il tuo codice di verifica {service}. Non condividerlo con nessuno.',
  nl: '{code} is je verificatiecode voor {service}. Deel deze code met niemand.',
  pl: '{code} to Twoj kod weryfikacyjny {service}. Nie udostepniaj go nikomu.',
  sv: '{code} är din verifieringskod för {service}. Dela den inte med någon.',
  da: '{code} er din bekræftelseskode til {service}. Del den ikke med andre.',
  nb: '{code} er din bekreftelseskode for {service}. Ikke del den med andre.',
  fi: '{code} on vahvistuskoodisi palveluun {service}. Älä kerro sitä kenellekään.',
  tr: '{code} {service} dogrulama kodunuzdur. Kimseyle paylasmayin.',
  id: '{code} adalah kode verifikasi {service} Anda. Jangan bagikan kode ini kepada siapa pun.',
  ro: '{code} este codul tau de verificare {service}. Nu il comunica nimanui.',
} as const satisfies Record<string, string>;

export type Locale = keyof typeof BUILT_IN_TEMPLATES;

/**
 * Tags that name a supported language under another code: Norwegian `no` and Nynorsk `nn`
 * readers get Bokmål, and `in` is the pre-1989 code for Indonesian that Java still emits.
 */
export const LOCALE_ALIASES: Readonly<Record<string, Locale>> = Object.freeze({
  no: 'nb',
  nn: 'nb',
  in: 'id',
});

/**
 * The language an SMS to a number of this country should use when nobody said. Only countries
 * where one of our languages is the majority or the usual written language are listed; others
 * return null and fall back to the service default or English.
 *
 * Multilingual countries take their most widely read language: Belgium → nl (Flanders holds
 * about 60 % of the population), Switzerland → de (about 62 %), Canada → en (about 75 %),
 * Luxembourg → fr (the common written language; Luxembourgish has no template). Integrators who
 * know better pass `locale` on the request.
 */
const COUNTRY_LOCALE_GROUPS: Readonly<Record<Locale, readonly string[]>> = {
  en: [
    'US', 'GB', 'IE', 'CA', 'AU', 'NZ', 'ZA', 'NG', 'GH', 'KE', 'UG', 'ZM', 'ZW', 'BW', 'NA', 'LR', 'SL', 'GM',
    'SG', 'PH', 'IN', 'PK', 'MT', 'JM', 'TT', 'BS', 'BB', 'BZ', 'GY', 'AG', 'DM', 'GD', 'KN', 'LC', 'VC', 'BM',
    'KY', 'VG', 'VI', 'GU', 'AS', 'MP', 'GI', 'IM', 'JE', 'GG', 'FJ', 'PG',
  ],
  es: [
    'ES', 'MX', 'AR', 'CO', 'CL', 'PE', 'VE', 'EC', 'GT', 'CU', 'BO', 'DO', 'HN', 'PY', 'SV', 'NI', 'CR', 'PA',
    'UY', 'PR', 'GQ',
  ],
  fr: [
    'FR', 'MC', 'LU', 'SN', 'CI', 'ML', 'BF', 'NE', 'TG', 'BJ', 'GN', 'CD', 'CG', 'GA', 'CM', 'TD', 'CF', 'MG',
    'DJ', 'KM', 'HT', 'GP', 'MQ', 'GF', 'RE', 'YT', 'PM', 'BL', 'MF', 'NC', 'PF', 'WF',
  ],
  de: ['DE', 'AT', 'CH', 'LI'],
  pt: ['BR', 'PT', 'AO', 'MZ', 'CV', 'GW', 'ST'],
  it: ['IT', 'SM', 'VA'],
  nl: ['NL', 'BE', 'SR', 'AW', 'CW', 'SX', 'BQ'],
  pl: ['PL'],
  sv: ['SE', 'AX'],
  da: ['DK', 'GL', 'FO'],
  nb: ['NO', 'SJ'],
  fi: ['FI'],
  tr: ['TR'],
  id: ['ID'],
  ro: ['RO', 'MD'],
};

export const COUNTRY_LOCALES: ReadonlyMap<string, Locale> = new Map(
  (Object.entries(COUNTRY_LOCALE_GROUPS) as Array<[Locale, readonly string[]]>).flatMap(([locale, countries]) =>
    countries.map((country) => [country, locale] as const),
  ),
);
