import type { Locale } from './locales.js';

/**
 * The language an SMS to a number of this country should use when nobody said. Only countries
 * where one of our languages is the majority or the usual written language are listed; others
 * return null and fall back to the service default or English. The starting point is Twilio
 * Verify's published country defaults (docs/verify/default-phone-verification-languages); where we
 * differ, it is said below.
 *
 * Multilingual countries and other choices:
 * - Belgium → nl (Flanders holds about 60 % of the population; Twilio picks fr), Switzerland → de
 *   (about 62 %), Luxembourg → fr (the common written language; Twilio picks de).
 * - Canada → en (about 75 %), except numbers with a Quebec area code → fr-CA (localeForNumber).
 * - India → en, as Twilio and Android (MccTable: "English is a better default for India") do:
 *   English is the shared written language of its transactional SMS; Hindi is there by request.
 * - South Africa and Namibia → en (Twilio picks af; Afrikaans is the first language of about 12 %
 *   of South Africans, English the common one); Afrikaans by request.
 * - Philippines → en, the language of its banks' and wallets' SMS; Tagalog (`tl`) by request.
 * - Singapore → en (the language of administration). Malaysia and Brunei → ms.
 * - Hong Kong and Macao → zh-HK (traditional), Taiwan → zh-TW, mainland China → zh-CN.
 * - Portuguese-speaking Africa follows Portugal's norm → pt; Brazil → pt-BR.
 * - Spanish America → es-419; Spain and Equatorial Guinea → es.
 * - Belarus, Kazakhstan and Kyrgyzstan → ru (the common language of their business SMS).
 * - The Maghreb → ar (the official language; French remains common there and can be requested).
 * - Bosnia and Herzegovina → hr (its ijekavian Latin text is what Bosnian readers write too);
 *   Montenegro → sr (Latin).
 * - Cyprus → el.
 */
const COUNTRY_LOCALE_GROUPS: Readonly<Partial<Record<Locale, readonly string[]>>> = {
  en: [
    'US', 'CA', 'AU', 'NZ', 'ZA', 'NG', 'GH', 'KE', 'UG', 'ZM', 'ZW', 'BW', 'NA', 'LR', 'SL', 'GM', 'SG', 'PH',
    'IN', 'PK', 'JM', 'TT', 'BS', 'BB', 'BZ', 'GY', 'AG', 'DM', 'GD', 'KN', 'LC', 'VC', 'BM', 'KY', 'VG', 'VI', 'GU',
    'AS', 'MP', 'FJ', 'PG',
  ],
  'en-GB': ['GB', 'IE', 'IM', 'JE', 'GG', 'GI', 'MT', 'FK', 'SH'],
  es: ['ES', 'GQ'],
  'es-419': ['MX', 'AR', 'CO', 'CL', 'PE', 'VE', 'EC', 'GT', 'CU', 'BO', 'DO', 'HN', 'PY', 'SV', 'NI', 'CR', 'PA', 'UY', 'PR'],
  fr: [
    'FR', 'MC', 'LU', 'SN', 'CI', 'ML', 'BF', 'NE', 'TG', 'BJ', 'GN', 'CD', 'CG', 'GA', 'CM', 'TD', 'CF', 'MG',
    'DJ', 'KM', 'HT', 'GP', 'MQ', 'GF', 'RE', 'YT', 'PM', 'BL', 'MF', 'NC', 'PF', 'WF',
  ],
  de: ['DE', 'AT', 'CH', 'LI'],
  pt: ['PT', 'AO', 'MZ', 'CV', 'GW', 'ST'],
  'pt-BR': ['BR'],
  it: ['IT', 'SM', 'VA'],
  nl: ['NL', 'BE', 'SR', 'AW', 'CW', 'SX', 'BQ'],
  pl: ['PL'],
  sv: ['SE', 'AX'],
  da: ['DK', 'GL', 'FO'],
  nb: ['NO', 'SJ'],
  fi: ['FI'],
  et: ['EE'],
  lv: ['LV'],
  lt: ['LT'],
  cs: ['CZ'],
  sk: ['SK'],
  sl: ['SI'],
  hr: ['HR', 'BA'],
  sr: ['RS', 'ME'],
  hu: ['HU'],
  ro: ['RO', 'MD'],
  ca: ['AD'],
  el: ['GR', 'CY'],
  tr: ['TR'],
  ru: ['RU', 'BY', 'KZ', 'KG'],
  uk: ['UA'],
  ar: [
    'SA', 'AE', 'EG', 'IQ', 'JO', 'KW', 'LB', 'LY', 'MA', 'DZ', 'TN', 'OM', 'QA', 'BH', 'YE', 'SY', 'PS', 'SD', 'MR',
  ],
  he: ['IL'],
  id: ['ID'],
  ms: ['MY', 'BN'],
  th: ['TH'],
  vi: ['VN'],
  ja: ['JP'],
  ko: ['KR', 'KP'],
  'zh-CN': ['CN'],
  'zh-HK': ['HK', 'MO'],
  'zh-TW': ['TW'],
};

export const COUNTRY_LOCALES: ReadonlyMap<string, Locale> = new Map(
  (Object.entries(COUNTRY_LOCALE_GROUPS) as Array<[Locale, readonly string[]]>).flatMap(([locale, countries]) =>
    countries.map((country) => [country, locale] as const),
  ),
);

/**
 * Quebec's area codes (CRTC numbering plan): 367, 418 and 581 (Quebec City and the east), 354, 450
 * and 579 (around Montreal), 263, 438 and 514 (Montreal), 468, 819 and 873 (the west and north).
 * French is the first language of about 80 % of Quebec.
 */
const QUEBEC_AREA_CODES: ReadonlySet<string> = new Set(['263', '354', '367', '418', '438', '450', '468', '514', '579', '581', '819', '873']);

/** The language for numbers of this ISO 3166-1 alpha-2 country, or null when we have none. */
export function localeForCountry(country: string | null): Locale | null {
  if (typeof country !== 'string') return null;
  return COUNTRY_LOCALES.get(country.toUpperCase()) ?? null;
}

/**
 * The language for one number: its country's, except where the number itself says more (a
 * Canadian number with a Quebec area code reads French).
 */
export function localeForNumber(e164: string | null, country: string | null): Locale | null {
  if (typeof country === 'string' && country.toUpperCase() === 'CA' && typeof e164 === 'string') {
    const area = /^\+1(\d{3})/.exec(e164)?.[1];
    if (area !== undefined && QUEBEC_AREA_CODES.has(area)) return 'fr-CA';
  }
  return localeForCountry(country);
}
