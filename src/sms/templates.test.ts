import { codeOf } from '../../test/helpers/errors.js';
import { describe, it, expect } from 'vitest';
import { BUILT_IN_TEMPLATES, BUILT_IN_TEMPLATES_WITHOUT_WARNING, builtInTemplate } from './locales.js';
import { analyzeSms, packedOctets } from './segments.js';
import {
  SUPPORTED_LOCALES,
  checkTemplate,
  isSupportedLocale,
  localeForCountry,
  localeForNumber,
  normalizeLocaleTag,
  renderSms,
  resolveLocale,
  validateAndroidAppHash,
  validateWebOtpDomain,
} from './templates.js';

const SERVICE_20 = 'Acme Payments Europe'; // 20 characters
const CODE_10 = '0123456789';
const DOMAIN_30 = 'login-secure-example-shop.co.uk'.slice(0, 30); // 30 characters
const APP_HASH = 'FA+9qCX9VSu';


// Every locale the issue asks for (Twilio Verify's SMS list) and zh-TW.
const REQUIRED_LOCALES = [
  'af', 'ar', 'ca', 'cs', 'da', 'de', 'el', 'en', 'en-GB', 'es', 'es-419', 'et', 'fi', 'fr', 'fr-CA', 'he', 'hi', 'hr', 'hu',
  'id', 'it', 'ja', 'ko', 'lt', 'lv', 'ms', 'nb', 'nl', 'pl', 'pt', 'pt-BR', 'ro', 'ru', 'sk', 'sl', 'sr', 'sv', 'th', 'tl',
  'tr', 'uk', 'vi', 'zh', 'zh-CN', 'zh-HK', 'zh-TW',
];
// Scripts that GSM 03.38 cannot write: these locales are UCS-2 by design; every other one must be GSM-7.
const UCS2_LOCALES = new Set(['ar', 'el', 'he', 'hi', 'ja', 'ko', 'ru', 'sr-Cyrl', 'th', 'uk', 'zh', 'zh-CN', 'zh-HK', 'zh-TW']);
const SERVICE_20_SAMPLES = [SERVICE_20, 'Zażółć Bank (EU) 24!', 'Ünïcödé Ltd Payments'];

describe('built-in templates', () => {
  it('cover every required locale, and nothing outside the table is silently GSM-7 or UCS-2', () => {
    for (const locale of REQUIRED_LOCALES) expect(SUPPORTED_LOCALES, locale).toContain(locale);
    for (const locale of UCS2_LOCALES) expect(SUPPORTED_LOCALES, locale).toContain(locale);
    expect(BUILT_IN_TEMPLATES.en).toBe('{code} is your {service} verification code. Do not share it.');
    expect(BUILT_IN_TEMPLATES_WITHOUT_WARNING.en).toBe('{code} is your {service} verification code.');
  });

  it('hold {code} and {service} once in both variants; the variant without the warning is the first sentence alone', () => {
    for (const locale of SUPPORTED_LOCALES) {
      for (const text of [BUILT_IN_TEMPLATES[locale], BUILT_IN_TEMPLATES_WITHOUT_WARNING[locale]]) {
        expect(text.split('{code}'), locale).toHaveLength(2);
        expect(text.split('{service}'), locale).toHaveLength(2);
      }
      const short = BUILT_IN_TEMPLATES_WITHOUT_WARNING[locale];
      expect(BUILT_IN_TEMPLATES[locale].startsWith(short), locale).toBe(true);
      expect(BUILT_IN_TEMPLATES[locale].length - short.length, locale).toBeGreaterThan(5);
      expect(builtInTemplate(locale, false)).toBe(short);
      expect(builtInTemplate(locale)).toBe(BUILT_IN_TEMPLATES[locale]);
    }
  });

  // The table test of rule M2 over every locale and both variants.
  describe.each(SUPPORTED_LOCALES.map((locale) => [locale]))('%s', (locale) => {
    const ucs2 = UCS2_LOCALES.has(locale);
    it.each([[true], [false]])(`is ${ucs2 ? 'UCS-2' : 'GSM-7'} and one segment with the warning = %s`, (doNotShareWarning) => {
      for (const serviceName of ucs2 ? [SERVICE_20] : [SERVICE_20, 'Acme Payments Europe']) {
        expect(serviceName).toHaveLength(20);
        if (ucs2) {
          // One 70-unit segment with a 6-digit code and a 20-character service name.
          const sms = renderSms({ locale, code: '012345', serviceName, doNotShareWarning });
          expect(sms).toMatchObject({ encoding: 'UCS-2', segments: 1 });
          expect(sms.units).toBeLessThanOrEqual(70);
          // With the WebOTP line and the app hash it cannot fit 70 units: two parts, and said so.
          const full = renderSms({ locale, code: CODE_10, serviceName, webotpDomain: DOMAIN_30, androidAppHash: APP_HASH, doNotShareWarning });
          expect(full).toMatchObject({ encoding: 'UCS-2', segments: 2 });
          expect(full.units).toBeGreaterThan(70);
          expect(full.units).toBeLessThanOrEqual(2 * 67);
          expect(full.body.split('\n').at(-1)).toBe(`@${DOMAIN_30} #${CODE_10}`);
        } else {
          const sms = renderSms({ locale, code: CODE_10, serviceName, webotpDomain: DOMAIN_30, androidAppHash: APP_HASH, doNotShareWarning });
          expect({ encoding: sms.encoding, segments: sms.segments }).toEqual({ encoding: 'GSM-7', segments: 1 });
          expect(sms.units).toBeLessThanOrEqual(160);
          // Android SMS Retriever: ≤ 140 bytes of PDU user data (M3).
          expect(sms.body).toContain(APP_HASH);
          expect(packedOctets(sms)).toBeLessThanOrEqual(140);
          expect(checkTemplate(builtInTemplate(locale, doNotShareWarning), { webotpDomain: DOMAIN_30, androidAppHash: APP_HASH })).toMatchObject({
            ok: true, warnings: [], encoding: 'GSM-7', segments: 1,
          });
        }
      }
    });

    it('keeps the WebOTP line last and free of any control or bidi character', () => {
      for (const serviceName of SERVICE_20_SAMPLES) {
        const sms = renderSms({ locale, code: '012345', serviceName, webotpDomain: 'example.com', androidAppHash: APP_HASH });
        const lines = sms.body.split('\n');
        expect(lines.at(-1)).toBe('@example.com #012345');
        expect(lines.at(-2)).toBe(APP_HASH);
        for (const line of lines.slice(-2)) expect(line).not.toMatch(/[\p{Cc}\p{Cf}]/u);
        expect(lines[0]).toContain('012345');
      }
    });
  });
});

describe('renderSms', () => {
  it('fills the placeholders', () => {
    const sms = renderSms({ locale: 'en', code: '042917', serviceName: 'Acme' });
    expect(sms.body).toBe('042917 is your Acme verification code. Do not share it.');
    expect(sms.redactedBody).toBe('****** is your Acme verification code. Do not share it.');
    expect(sms).toMatchObject({ encoding: 'GSM-7', segments: 1, units: sms.body.length });
  });

  it('ends with exactly "@host #code" when WebOTP is configured (M3)', () => {
    const sms = renderSms({ locale: 'en', code: '042917', serviceName: 'Acme', webotpDomain: 'Login.Example.com' });
    expect(sms.body).toBe('042917 is your Acme verification code. Do not share it.\n\n@login.example.com #042917');
    expect(sms.body.split('\n').at(-1)).toBe('@login.example.com #042917');
    expect(sms.redactedBody.split('\n').at(-1)).toBe('@login.example.com #******');
    expect(sms.redactedBody).not.toContain('042917');
  });

  it('puts the app hash on its own line, above the WebOTP line', () => {
    const both = renderSms({ locale: 'de', code: '123456', serviceName: 'Acme', webotpDomain: 'example.com', androidAppHash: APP_HASH });
    expect(both.body.split('\n')).toEqual([
      '123456 ist Ihr Bestätigungscode für Acme. Geben Sie ihn nicht weiter.',
      '',
      APP_HASH,
      '@example.com #123456',
    ]);
    const hashOnly = renderSms({ locale: 'en', code: '123456', serviceName: 'Acme', androidAppHash: APP_HASH });
    expect(hashOnly.body.endsWith(`\n\n${APP_HASH}`)).toBe(true);
  });

  it('masks every occurrence of the code, and only the code', () => {
    const sms = renderSms({
      locale: 'en',
      code: '555123',
      serviceName: 'Shop 555123',
      template: 'Code {code} for {service}. Again: {code}',
      webotpDomain: 'example.com',
    });
    expect(sms.body).toBe('Code 555123 for Shop 555123. Again: 555123\n\n@example.com #555123');
    expect(sms.redactedBody).toBe('Code ****** for Shop 555123. Again: ******\n\n@example.com #******');
  });

  it('uses the regional text a tag reads as, or its language', () => {
    expect(renderSms({ locale: 'es-MX', code: '1234', serviceName: 'X' }).body).toBe('1234 es su codigo de verificacion de X. No lo comparta con nadie.');
    expect(renderSms({ locale: 'es-ES', code: '1234', serviceName: 'X' }).body).toBe('1234 es tu codigo de verificacion de X. No lo compartas con nadie.');
    expect(renderSms({ locale: 'PT_br', code: '1234', serviceName: 'X' }).body).toBe('1234 é seu codigo de verificacao X. Nao compartilhe com ninguem.');
    expect(renderSms({ locale: 'pt-PT', code: '1234', serviceName: 'X' }).body).toBe('1234 é o seu codigo de verificacao X. Nao o partilhe com ninguem.');
    expect(renderSms({ locale: 'zh-Hant-HK', code: '1234', serviceName: 'X' }).body).toBe('你的 X 驗證碼是 1234。請勿向任何人透露。');
    expect(renderSms({ locale: 'zh_TW', code: '1234', serviceName: 'X' }).body).toBe('您的 X 驗證碼為 1234。請勿將驗證碼告訴他人。');
    expect(renderSms({ locale: 'de-AT', code: '1234', serviceName: 'X' }).body).toBe(renderSms({ locale: 'de', code: '1234', serviceName: 'X' }).body);
  });

  it('leaves out the "do not share" sentence only when asked, in every script', () => {
    expect(renderSms({ locale: 'en', code: '1234', serviceName: 'X', doNotShareWarning: false }).body).toBe('1234 is your X verification code.');
    expect(renderSms({ locale: 'ja', code: '1234', serviceName: 'X', doNotShareWarning: false }).body).toBe('Xの認証コードは1234です。');
    expect(renderSms({ locale: 'ja', code: '1234', serviceName: 'X' }).body).toBe('Xの認証コードは1234です。他人に教えないでください。');
    expect(renderSms({ locale: 'th', code: '1234', serviceName: 'X' }).body).toBe('รหัสยืนยัน X ของคุณคือ 1234 ห้ามบอกผู้อื่น');
    // A service's own template is sent as written either way.
    expect(renderSms({ locale: 'en', code: '1234', serviceName: 'X', template: 'Code {code}. Keep it secret.', doNotShareWarning: false }).body).toBe('Code 1234. Keep it secret.');
  });

  it('keeps the service name literal: no second substitution, no replacement patterns', () => {
    const sms = renderSms({ locale: 'en', code: '111222', serviceName: "{code} $& $' {service}" });
    expect(sms.body).toBe("111222 is your {code} $& $' {service} verification code. Do not share it.");
  });

  it('flattens line breaks and bidi overrides in the service name', () => {
    const sms = renderSms({ locale: 'en', code: '111222', serviceName: 'Evil\n@evil.example #111222\u202e', webotpDomain: 'example.com' });
    expect(sms.body.split('\n')).toHaveLength(3);
    expect(sms.body.split('\n').at(-1)).toBe('@example.com #111222');
    expect(sms.body).not.toContain('\u202e');
  });

  it('strips every format and bidi control character from the service name (Unicode Cf)', () => {
    const controls = ['\u061c', '\ufeff', '\u200b', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u00ad', '\u2060', '\u206f'];
    for (const c of controls) {
      const sms = renderSms({ locale: 'en', code: '111222', serviceName: `Ac${c}me${c}` });
      expect(sms.body, JSON.stringify(c)).toBe('111222 is your Ac me verification code. Do not share it.');
    }
  });

  it('reports UCS-2 when the service name leaves GSM-7', () => {
    const sms = renderSms({ locale: 'en', code: '123456', serviceName: 'Café Olé 😀' });
    expect(sms.encoding).toBe('UCS-2');
    expect(sms.units).toBe(sms.body.length);
  });

  it('accepts a custom template and refuses one without {code}', () => {
    expect(renderSms({ locale: 'en', code: '9876', serviceName: 'Acme', template: 'Acme: {code}\n' }).body).toBe('Acme: 9876');
    expect(codeOf(() => renderSms({ locale: 'en', code: '9876', serviceName: 'Acme', template: 'no code here' }))).toBe('invalid_request');
  });

  it('refuses an unsupported locale, a bad host or hash, and a malformed code', () => {
    expect(codeOf(() => renderSms({ locale: 'xx', code: '1234', serviceName: 'A' }))).toBe('invalid_request');
    expect(codeOf(() => renderSms({ locale: 'en', code: '1234', serviceName: 'A', webotpDomain: 'https://x.com' }))).toBe('invalid_request');
    expect(codeOf(() => renderSms({ locale: 'en', code: '1234', serviceName: 'A', androidAppHash: 'short' }))).toBe('invalid_request');
    expect(() => renderSms({ locale: 'en', code: '12 34', serviceName: 'A' })).toThrow(TypeError);
    expect(() => renderSms({ locale: 'en', code: '12#4', serviceName: 'A' })).toThrow(TypeError);
  });
});

describe('locale tags', () => {
  it('are case-insensitive and resolve regions and scripts to the regional text, else to the language', () => {
    const expected: Record<string, string | null> = {
      EN: 'en', 'en-US': 'en', 'en-GB': 'en-GB', en_gb: 'en-GB', 'en-IE': 'en-GB', 'en-AU': 'en',
      'es-MX': 'es-419', 'es-419': 'es-419', 'es-AR': 'es-419', 'es-US': 'es-419', 'es-ES': 'es', es: 'es', 'es-GQ': 'es',
      pt_BR: 'pt-BR', 'pt-br': 'pt-BR', 'pt-PT': 'pt', pt: 'pt', 'pt-AO': 'pt',
      'fr-CA': 'fr-CA', 'fr-BE': 'fr', 'fr-FR': 'fr',
      zh: 'zh', 'zh-CN': 'zh-CN', 'zh-Hans': 'zh-CN', 'zh-Hans-CN': 'zh-CN', 'zh-SG': 'zh', 'zh-HK': 'zh-HK',
      'zh-Hant-HK': 'zh-HK', 'zh-MO': 'zh-HK', zh_TW: 'zh-TW', 'zh-Hant-TW': 'zh-TW', 'zh-Hant': 'zh-TW', 'zh-Hans-HK': 'zh-CN',
      yue: 'zh-HK', 'yue-Hant-HK': 'zh-HK', 'cmn-Hans-CN': 'zh-CN',
      sr: 'sr', 'sr-RS': 'sr', 'sr-Latn': 'sr', 'sr-Latn-RS': 'sr', 'sr-Cyrl': 'sr-Cyrl', 'sr-Cyrl-RS': 'sr-Cyrl', 'sr_cyrl': 'sr-Cyrl',
      no: 'nb', nn: 'nb', 'nb-NO': 'nb', in: 'id', iw: 'he', 'he-IL': 'he', fil: 'tl', 'fil-PH': 'tl', 'ar-EG': 'ar', 'ja-JP': 'ja', 'ko-KR': 'ko',
      'hi-IN': 'hi', 'de-AT': 'de', 'tlh': null, 'xx-Hant': null,
    };
    for (const [tag, locale] of Object.entries(expected)) expect(normalizeLocaleTag(tag), tag).toBe(locale);
    for (const bad of ['', 'e', 'english', 'en--US', '../en', 'en-', 'x'.repeat(100), 'zh-Hant-TW-', '__proto__', 'constructor']) {
      expect(isSupportedLocale(bad), bad).toBe(false);
    }
  });

  it('normalize every supported locale to itself, whatever its case', () => {
    for (const locale of SUPPORTED_LOCALES) {
      expect(normalizeLocaleTag(locale)).toBe(locale);
      expect(normalizeLocaleTag(locale.toUpperCase().replace('-', '_'))).toBe(locale);
    }
  });
});

describe('localeForCountry', () => {
  it('maps countries to the languages we have', () => {
    const expected: Record<string, string> = {
      ES: 'es', MX: 'es-419', AR: 'es-419', CO: 'es-419', CL: 'es-419', FR: 'fr', SN: 'fr', DE: 'de', AT: 'de', BR: 'pt-BR',
      PT: 'pt', AO: 'pt', IT: 'it', NL: 'nl', PL: 'pl', SE: 'sv', DK: 'da', NO: 'nb', FI: 'fi', TR: 'tr', ID: 'id', RO: 'ro',
      US: 'en', GB: 'en-GB', IE: 'en-GB', AU: 'en', JP: 'ja', KR: 'ko', RU: 'ru', BY: 'ru', UA: 'uk', CN: 'zh-CN', HK: 'zh-HK',
      MO: 'zh-HK', TW: 'zh-TW', IL: 'he', SA: 'ar', EG: 'ar', AE: 'ar', GR: 'el', CY: 'el', TH: 'th', VN: 'vi', MY: 'ms',
      CZ: 'cs', SK: 'sk', SI: 'sl', HR: 'hr', RS: 'sr', HU: 'hu', EE: 'et', LV: 'lv', LT: 'lt', AD: 'ca',
      // the documented choices for multilingual countries
      BE: 'nl', CH: 'de', CA: 'en', LU: 'fr', IN: 'en', ZA: 'en', PH: 'en', SG: 'en', BA: 'hr', ME: 'sr',
    };
    for (const [country, locale] of Object.entries(expected)) expect(localeForCountry(country), country).toBe(locale);
    expect(localeForCountry('br')).toBe('pt-BR');
    expect(localeForCountry('AQ')).toBeNull();
    expect(localeForCountry(null)).toBeNull();
  });

  it('only ever returns supported locales', () => {
    for (const country of ['ES', 'FR', 'BE', 'GL', 'MD', 'AX', 'JP', 'HK', 'TW', 'MX', 'BA', 'KZ', 'MA']) {
      expect(SUPPORTED_LOCALES).toContain(localeForCountry(country));
    }
  });

  it('reads a Quebec area code as Canadian French, and the rest of Canada as English', () => {
    expect(localeForNumber('+15145550123', 'CA')).toBe('fr-CA');
    expect(localeForNumber('+14185550123', 'CA')).toBe('fr-CA');
    expect(localeForNumber('+14165550123', 'CA')).toBe('en');
    expect(localeForNumber('+16045550123', 'CA')).toBe('en');
    // 514 is Montreal only in Canada's plan; a US number never reads French.
    expect(localeForNumber('+15145550123', 'US')).toBe('en');
    expect(localeForNumber(null, 'JP')).toBe('ja');
  });
});

describe('resolveLocale', () => {
  it('prefers requested > service default > country > en', () => {
    expect(resolveLocale({ requested: 'fr-BE', serviceDefault: 'de', country: 'ES' })).toBe('fr');
    expect(resolveLocale({ requested: 'es-MX', country: 'ES' })).toBe('es-419');
    expect(resolveLocale({ requested: null, serviceDefault: 'de', country: 'ES' })).toBe('de');
    expect(resolveLocale({ serviceDefault: null, country: 'MX' })).toBe('es-419');
    expect(resolveLocale({ country: 'JP' })).toBe('ja');
    expect(resolveLocale({ country: 'CA', phone: '+15145550123' })).toBe('fr-CA');
    expect(resolveLocale({ country: 'AQ' })).toBe('en');
    expect(resolveLocale({})).toBe('en');
  });

  it('refuses an unsupported requested locale, listing the supported ones', () => {
    expect(codeOf(() => resolveLocale({ requested: 'xx', country: 'FR' }))).toBe('invalid_request');
    expect(() => resolveLocale({ requested: 'xx' })).toThrow(/locale "xx" is not supported; supported: af, ar, ca, .*zh-TW$/);
  });

  it('skips a stale unsupported service default', () => {
    expect(resolveLocale({ serviceDefault: 'tlh', country: 'IT' })).toBe('it');
  });
});

describe('validateWebOtpDomain', () => {
  it('accepts bare hosts and lower-cases them', () => {
    expect(validateWebOtpDomain('Example.COM')).toBe('example.com');
    expect(validateWebOtpDomain('login.my-shop.co.uk')).toBe('login.my-shop.co.uk');
    expect(validateWebOtpDomain('xn--bcher-kva.example')).toBe('xn--bcher-kva.example');
    expect(validateWebOtpDomain('localhost')).toBe('localhost');
  });

  it('refuses schemes, ports, paths, IPs and malformed labels', () => {
    for (const bad of [
      '', 'https://example.com', 'example.com:443', 'example.com/login', 'example.com.', '.example.com', 'a..b',
      '-a.example', 'a-.example', 'exa mple.com', 'bücher.example', '192.168.0.1', 'user@example.com',
      `${'a'.repeat(64)}.com`, `${'a.'.repeat(127)}com`, 'example.com#1',
    ]) {
      expect(codeOf(() => validateWebOtpDomain(bad)), bad).toBe('invalid_request');
    }
  });
});

describe('validateAndroidAppHash', () => {
  it('accepts exactly 11 base64 characters', () => {
    expect(validateAndroidAppHash('FA+9qCX9VSu')).toBe('FA+9qCX9VSu');
    expect(validateAndroidAppHash('abc/DEF+123')).toBe('abc/DEF+123');
    for (const bad of ['', 'FA+9qCX9VS', 'FA+9qCX9VSuu', 'FA-9qCX9VSu', 'FA=9qCX9VSu', 'FA 9qCX9VSu']) {
      expect(codeOf(() => validateAndroidAppHash(bad)), bad).toBe('invalid_request');
    }
  });
});

describe('checkTemplate', () => {
  it('passes a short GSM-7 template without warnings', () => {
    expect(checkTemplate('{code} is your {service} code')).toEqual({
      ok: true, errors: [], warnings: [], encoding: 'GSM-7', segments: 1, units: analyzeSms('1234567890 is your Example Service Name code').units,
    });
  });

  it('fails a template without {code}', () => {
    const result = checkTemplate('Welcome to {service}!');
    expect(result.ok).toBe(false);
    expect(result.errors).toContain('template must contain {code}');
  });

  it('warns when the template goes UCS-2, naming the characters', () => {
    const result = checkTemplate('{code} es tu código de {service}');
    expect(result).toMatchObject({ ok: true, encoding: 'UCS-2', segments: 1 });
    expect(result.warnings.join('\n')).toMatch(/UCS-2.*ó/);
  });

  it('warns when the template takes more than one segment', () => {
    const result = checkTemplate(`{code} ${'x'.repeat(150)}`);
    expect(result.ok).toBe(true);
    expect(result.segments).toBe(2);
    expect(result.warnings.join('\n')).toMatch(/2 segments/);
    // the sample code has 10 digits: 10 + 150 = 160 septets fit, 161 do not
    expect(checkTemplate(`{code}${'x'.repeat(150)}`).segments).toBe(1);
    expect(checkTemplate(`{code}${'x'.repeat(151)}`).segments).toBe(2);
  });

  it('counts the WebOTP line and app hash the service will add', () => {
    const template = `{code} ${'x'.repeat(120)}`;
    expect(checkTemplate(template).segments).toBe(1);
    expect(checkTemplate(template, { webotpDomain: 'example.com', androidAppHash: APP_HASH }).segments).toBe(2);
  });

  it('warns about unknown placeholders and a hand-written WebOTP line', () => {
    const result = checkTemplate('{code} for {servce}\n@example.com #{code}');
    expect(result.ok).toBe(true);
    expect(result.warnings.join('\n')).toMatch(/\{servce\}/);
    expect(result.warnings.join('\n')).toMatch(/webotp_domain/);
  });

  it('fails an oversized template or invalid options', () => {
    expect(checkTemplate(`{code}${'x'.repeat(1000)}`).ok).toBe(false);
    expect(checkTemplate('{code}', { webotpDomain: 'http://x' }).ok).toBe(false);
  });
});
