import { codeOf } from '../../test/helpers/errors.js';
import { describe, it, expect } from 'vitest';
import { BUILT_IN_TEMPLATES } from './locales.js';
import { analyzeSms, packedOctets } from './segments.js';
import {
  SUPPORTED_LOCALES,
  checkTemplate,
  isSupportedLocale,
  localeForCountry,
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


describe('built-in templates', () => {
  it('cover at least 10 locales including the required ones', () => {
    expect(SUPPORTED_LOCALES.length).toBeGreaterThanOrEqual(10);
    for (const locale of ['en', 'es', 'fr', 'de', 'pt', 'it', 'nl']) expect(SUPPORTED_LOCALES).toContain(locale);
    expect(BUILT_IN_TEMPLATES.en).toBe('{code} is your {service} verification code. Do not share it.');
  });

  it('hold {code} and {service} in every locale', () => {
    for (const locale of SUPPORTED_LOCALES) {
      expect(BUILT_IN_TEMPLATES[locale], locale).toContain('{code}');
      expect(BUILT_IN_TEMPLATES[locale], locale).toContain('{service}');
    }
  });

  it('stay GSM-7 and one segment at their largest (M2): 20-char service, 10-digit code, WebOTP line, app hash', () => {
    expect(SERVICE_20).toHaveLength(20);
    expect(DOMAIN_30).toHaveLength(30);
    for (const locale of SUPPORTED_LOCALES) {
      const sms = renderSms({ locale, code: CODE_10, serviceName: SERVICE_20, webotpDomain: DOMAIN_30, androidAppHash: APP_HASH });
      expect({ locale, encoding: sms.encoding, segments: sms.segments }).toEqual({ locale, encoding: 'GSM-7', segments: 1 });
      expect(checkTemplate(BUILT_IN_TEMPLATES[locale], { webotpDomain: DOMAIN_30, androidAppHash: APP_HASH })).toMatchObject({
        ok: true,
        warnings: [],
      });
    }
  });

  it('keep an Android SMS Retriever message within 140 bytes in every locale (M3)', () => {
    // "140 bytes" = the 140 octets of one PDU's user data. GSM-7 septets are packed 8 into 7
    // octets, so ≤ 160 septets ⇔ ≤ 140 bytes; in UCS-2 it would be ≤ 70 UTF-16 units.
    for (const locale of SUPPORTED_LOCALES) {
      const sms = renderSms({ locale, code: CODE_10, serviceName: SERVICE_20, androidAppHash: APP_HASH, webotpDomain: DOMAIN_30 });
      expect(sms.body).toContain(APP_HASH);
      expect(packedOctets(sms), locale).toBeLessThanOrEqual(140);
      expect(sms.units, locale).toBeLessThanOrEqual(160);
    }
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

  it('uses the language of a regional tag', () => {
    expect(renderSms({ locale: 'es-MX', code: '1234', serviceName: 'X' }).body).toBe(
      renderSms({ locale: 'es', code: '1234', serviceName: 'X' }).body,
    );
    expect(renderSms({ locale: 'PT_br', code: '1234', serviceName: 'X' }).body).toContain('codigo de verificacao');
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
  it('are case-insensitive and fall back from region to language', () => {
    expect(normalizeLocaleTag('EN')).toBe('en');
    expect(normalizeLocaleTag('es-MX')).toBe('es');
    expect(normalizeLocaleTag('pt_BR')).toBe('pt');
    expect(normalizeLocaleTag('fr-CA')).toBe('fr');
    expect(normalizeLocaleTag('zh-Hant-TW')).toBeNull();
    expect(normalizeLocaleTag('no')).toBe('nb');
    expect(normalizeLocaleTag('in')).toBe('id');
    expect(isSupportedLocale('de-AT')).toBe(true);
    for (const bad of ['', 'e', 'english', 'en--US', '../en', 'en-', 'x'.repeat(100)]) expect(isSupportedLocale(bad), bad).toBe(false);
  });
});

describe('localeForCountry', () => {
  it('maps countries to the languages we have', () => {
    const expected: Record<string, string> = {
      ES: 'es', MX: 'es', AR: 'es', CO: 'es', CL: 'es', FR: 'fr', SN: 'fr', DE: 'de', AT: 'de', BR: 'pt', PT: 'pt',
      IT: 'it', NL: 'nl', PL: 'pl', SE: 'sv', DK: 'da', NO: 'nb', FI: 'fi', TR: 'tr', ID: 'id', RO: 'ro', US: 'en', GB: 'en',
      // the documented choices for multilingual countries
      BE: 'nl', CH: 'de', CA: 'en', LU: 'fr',
    };
    for (const [country, locale] of Object.entries(expected)) expect(localeForCountry(country), country).toBe(locale);
    expect(localeForCountry('br')).toBe('pt');
    expect(localeForCountry('JP')).toBeNull();
    expect(localeForCountry(null)).toBeNull();
  });

  it('only ever returns supported locales', () => {
    for (const country of ['ES', 'FR', 'BE', 'GL', 'MD', 'AX']) {
      expect(SUPPORTED_LOCALES).toContain(localeForCountry(country));
    }
  });
});

describe('resolveLocale', () => {
  it('prefers requested > service default > country > en', () => {
    expect(resolveLocale({ requested: 'fr-BE', serviceDefault: 'de', country: 'ES' })).toBe('fr');
    expect(resolveLocale({ requested: null, serviceDefault: 'de', country: 'ES' })).toBe('de');
    expect(resolveLocale({ serviceDefault: null, country: 'MX' })).toBe('es');
    expect(resolveLocale({ country: 'JP' })).toBe('en');
    expect(resolveLocale({})).toBe('en');
  });

  it('refuses an unsupported requested locale, listing the supported ones', () => {
    expect(codeOf(() => resolveLocale({ requested: 'xx', country: 'FR' }))).toBe('invalid_request');
    expect(() => resolveLocale({ requested: 'xx' })).toThrow(/locale "xx" is not supported; supported: en, es, fr/);
  });

  it('skips a stale unsupported service default', () => {
    expect(resolveLocale({ serviceDefault: 'ja', country: 'IT' })).toBe('it');
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
