import { describe, expect, it } from 'vitest';
import { LOCALE_PHRASES, phrasesFor } from './phrases.js';
import type { LocalePhrases } from './phrases.js';
import { RTL_LOCALES } from './locales.js';
import type { Locale } from './locales.js';
import { SUPPORTED_LOCALES } from './templates.js';

// Each text's placeholders, exactly: each once, nothing else in braces.
const PLACEHOLDERS: Record<Exclude<keyof LocalePhrases, 'speech' | 'direction'>, string[]> = {
  voiceIntro: ['{service}'],
  voiceRepeat: [],
  emailSubject: ['{service}'],
  emailSubjectWithCode: ['{code}', '{service}'],
  emailIntro: ['{service}'],
  emailExpiry: ['{minutes}'],
  emailDoNotShare: ['{service}'],
  emailIgnore: [],
};

describe('LOCALE_PHRASES', () => {
  it('has exactly the supported locales', () => {
    expect(Object.keys(LOCALE_PHRASES).sort()).toEqual([...SUPPORTED_LOCALES].sort());
  });

  describe.each(SUPPORTED_LOCALES.map((locale) => [locale]))('%s', (locale: Locale) => {
    const phrases = LOCALE_PHRASES[locale];

    it('has every phrase with exactly its placeholders', () => {
      for (const [field, expected] of Object.entries(PLACEHOLDERS) as Array<[keyof typeof PLACEHOLDERS, string[]]>) {
        const text = phrases[field];
        expect(typeof text, field).toBe('string');
        expect(text.trim(), field).toBe(text);
        expect(text.replace(/\{\w+\}/g, '').replace(/[\s\p{P}\u2068\u2069]/gu, '').length, field).toBeGreaterThan(2);
        expect((text.match(/\{[^{}]*\}/g) ?? []).sort(), field).toEqual([...expected].sort());
      }
    });

    it('has voice texts without trailing punctuation or invisible characters', () => {
      for (const text of [phrases.voiceIntro, phrases.voiceRepeat]) {
        expect(text.replace(/\{\w+\}$/, 'x')).not.toMatch(/[\p{P}\s]$/u);
        expect(text).not.toMatch(/[\p{Cc}\p{Cf}]/u);
      }
    });

    it('names a text-to-speech tag of its language, and its direction', () => {
      expect(phrases.speech).toMatch(/^[a-z]{2,3}-[A-Z]{2}$/);
      const language = locale.split('-')[0];
      const speechLanguage = phrases.speech.split('-')[0];
      expect(speechLanguage === language || (locale === 'tl' && speechLanguage === 'fil')).toBe(true);
      expect(phrases.direction).toBe(RTL_LOCALES.has(locale) ? 'rtl' : 'ltr');
    });

    it('isolates the service name in right-to-left email texts, and only there', () => {
      const emailTexts = [phrases.emailSubject, phrases.emailSubjectWithCode, phrases.emailIntro, phrases.emailDoNotShare];
      for (const text of emailTexts) {
        if (phrases.direction === 'rtl') expect(text).toContain('\u2068{service}\u2069');
        else expect(text).not.toMatch(/[\p{Cf}]/u);
      }
    });
  });

  it('keeps regional variants apart where their usage differs', () => {
    expect(LOCALE_PHRASES['es-419'].emailIntro).not.toBe(LOCALE_PHRASES.es.emailIntro);
    expect(LOCALE_PHRASES['pt-BR'].emailDoNotShare).not.toBe(LOCALE_PHRASES.pt.emailDoNotShare);
    expect(LOCALE_PHRASES['fr-CA'].emailIgnore).toMatch(/courriel/);
    expect(LOCALE_PHRASES.fr.emailIgnore).toMatch(/e-mail/);
    expect(LOCALE_PHRASES['zh-HK'].emailIgnore).toMatch(/電郵/);
    expect(LOCALE_PHRASES['zh-TW'].emailIgnore).toMatch(/電子郵件/);
    expect(LOCALE_PHRASES['zh-CN'].emailIntro).toMatch(/验证码/);
    expect(LOCALE_PHRASES['en-GB'].speech).toBe('en-GB');
    expect(LOCALE_PHRASES.en.speech).toBe('en-US');
    expect(LOCALE_PHRASES['pt-BR'].speech).toBe('pt-BR');
    expect(LOCALE_PHRASES.ar.speech).toBe('ar-SA');
  });

  it('writes email and voice texts with their accents (no GSM-7 limit here)', () => {
    expect(LOCALE_PHRASES.es.voiceIntro).toContain('código de verificación');
    expect(LOCALE_PHRASES.pt.emailDoNotShare).toContain('Não');
    expect(LOCALE_PHRASES.pl.emailDoNotShare).toContain('udostępniaj');
    expect(LOCALE_PHRASES.vi.voiceIntro).toContain('Mã xác thực');
  });
});

describe('phrasesFor', () => {
  it('answers the locale\'s phrases and refuses anything else', () => {
    expect(phrasesFor('ja')).toBe(LOCALE_PHRASES.ja);
    expect(phrasesFor('ja').voiceIntro.replace('{service}', 'Acme')).toBe('Acmeの認証コードは');
    expect(() => phrasesFor('xx' as Locale)).toThrow(TypeError);
    expect(() => phrasesFor('__proto__' as Locale)).toThrow(TypeError);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(LOCALE_PHRASES)).toBe(true);
    expect(Object.isFrozen(LOCALE_PHRASES.en)).toBe(true);
  });
});
