import { LOCALE_ALIASES, LOCALES_BY_LOWER_TAG } from './locales.js';
import type { Locale } from './locales.js';

/**
 * BCP 47 tag → the locale whose text a reader of that tag should get.
 *
 * A tag is read as language[-script][-region][-anything else]. The exact tag wins (`pt-BR`,
 * `zh-HK`); otherwise the language decides, with its script or region where that changes the text:
 * - Chinese: Traditional script or Taiwan → zh-TW, Hong Kong or Macao → zh-HK (`zh-Hant` alone is
 *   Taiwan's, as CLDR's likely subtags say); Simplified or the mainland → zh-CN; plain `zh`
 *   and Singapore (simplified, without mainland-only terms) → zh.
 * - Portuguese: Brazil → pt-BR; Portugal and the African countries, which follow the European
 *   norm → pt.
 * - Spanish: the Americas (`es-419`, `es-MX`, `es-US`, …) → es-419; Spain and the rest → es.
 * - French: Canada → fr-CA. English: the British Isles, Gibraltar and Malta → en-GB.
 * - Serbian: Cyrillic script → sr-Cyrl; Latin or none → sr.
 */
export function normalizeLocaleTag(tag: string): Locale | null {
  if (typeof tag !== 'string' || tag.length > 35) return null;
  const lower = tag.toLowerCase().replace(/_/g, '-');
  if (!/^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$/.test(lower)) return null;
  const exact = LOCALES_BY_LOWER_TAG.get(lower);
  if (exact !== undefined) return exact;

  const [first = '', ...rest] = lower.split('-');
  const script = rest[0]?.length === 4 && /^[a-z]{4}$/.test(rest[0]) ? rest.shift() : undefined;
  const region = rest[0] !== undefined && /^(?:[a-z]{2}|\d{3})$/.test(rest[0]) ? rest[0] : undefined;
  const alias = LOCALE_ALIASES[first];
  const language = alias ?? LOCALES_BY_LOWER_TAG.get(first) ?? null;
  if (language === null) return null;

  switch (language) {
    case 'zh':
    case 'zh-HK':
      return chinese(language, script, region);
    case 'pt':
      return region === 'br' ? 'pt-BR' : 'pt';
    case 'es':
      return region !== undefined && SPANISH_AMERICAS.has(region) ? 'es-419' : 'es';
    case 'fr':
      return region === 'ca' ? 'fr-CA' : 'fr';
    case 'en':
      return region !== undefined && BRITISH_ENGLISH.has(region) ? 'en-GB' : 'en';
    case 'sr':
      return script === 'cyrl' ? 'sr-Cyrl' : 'sr';
    default:
      return language;
  }
}

function chinese(language: 'zh' | 'zh-HK', script: string | undefined, region: string | undefined): Locale {
  if (region === 'hk' || region === 'mo') return script === 'hans' ? 'zh-CN' : 'zh-HK';
  if (region === 'tw') return script === 'hans' ? 'zh-CN' : 'zh-TW';
  if (script === 'hant') return language === 'zh-HK' ? 'zh-HK' : 'zh-TW';
  if (script === 'hans' || region === 'cn') return 'zh-CN';
  return language;
}

/** Regions whose Spanish is Latin American (CLDR's es-419 children, and 419 itself). */
const SPANISH_AMERICAS: ReadonlySet<string> = new Set([
  '419', 'ar', 'bo', 'br', 'bz', 'cl', 'co', 'cr', 'cu', 'do', 'ec', 'gt', 'hn', 'mx', 'ni', 'pa', 'pe', 'pr', 'py', 'sv',
  'us', 'uy', 've',
]);

/** Regions that write British English. */
const BRITISH_ENGLISH: ReadonlySet<string> = new Set(['gb', 'uk', 'ie', 'im', 'je', 'gg', 'gi', 'mt']);
