import { describe, it, expect } from 'vitest';
import { analyzeSms, nonGsmCharacters, packedOctets } from './segments.js';

describe('analyzeSms — GSM-7', () => {
  it('fits 160 plain characters in one segment and splits at 161', () => {
    expect(analyzeSms('a'.repeat(160))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(analyzeSms('a'.repeat(161))).toEqual({ encoding: 'GSM-7', segments: 2, units: 161 });
  });

  it('counts extension characters as two septets', () => {
    expect(analyzeSms('€'.repeat(80))).toEqual({ encoding: 'GSM-7', segments: 1, units: 160 });
    expect(analyzeSms('€'.repeat(81))).toEqual({ encoding: 'GSM-7', segments: 2, units: 162 });
    for (const ch of ['^', '{', '}', '\\', '[', '~', ']', '|', '€']) {
      expect(analyzeSms(ch), ch).toEqual({ encoding: 'GSM-7', segments: 1, units: 2 });
    }
  });

  it('holds 153 septets per part of a concatenated message', () => {
    expect(analyzeSms('a'.repeat(153 * 2)).segments).toBe(2);
    expect(analyzeSms('a'.repeat(153 * 2 + 1)).segments).toBe(3);
    expect(analyzeSms('a'.repeat(153 * 3)).segments).toBe(3);
  });

  it('never splits an escape pair across parts', () => {
    // 306 septets would be 2 × 153, but the € cannot straddle the first boundary.
    const text = 'a'.repeat(152) + '€' + 'a'.repeat(152);
    expect(analyzeSms(text)).toEqual({ encoding: 'GSM-7', segments: 3, units: 306 });
  });

  it('keeps the accented letters that GSM 03.38 has', () => {
    expect(analyzeSms('éèùìòÇØøÅåÆæßÉÄÖÑÜäöñüà¿¡£¥§').encoding).toBe('GSM-7');
    expect(analyzeSms('line one\nline two\r\n').encoding).toBe('GSM-7');
  });

  it('reports an empty body as one empty segment', () => {
    expect(analyzeSms('')).toEqual({ encoding: 'GSM-7', segments: 1, units: 0 });
  });
});

describe('analyzeSms — UCS-2', () => {
  it('switches to UCS-2 for a single character outside GSM-7', () => {
    expect(analyzeSms('Hi 😀').encoding).toBe('UCS-2');
    expect(analyzeSms('código').encoding).toBe('UCS-2');
    expect(analyzeSms('ó')).toEqual({ encoding: 'UCS-2', segments: 1, units: 1 });
    // Lower-case ç is not in the GSM basic set (only Ç is).
    expect(analyzeSms('ç').encoding).toBe('UCS-2');
    // Nor is the backtick.
    expect(analyzeSms('`').encoding).toBe('UCS-2');
  });

  it('fits 70 units in one segment and splits at 71', () => {
    expect(analyzeSms('ó'.repeat(70))).toEqual({ encoding: 'UCS-2', segments: 1, units: 70 });
    expect(analyzeSms('ó'.repeat(71))).toEqual({ encoding: 'UCS-2', segments: 2, units: 71 });
  });

  it('holds 67 units per part of a concatenated message', () => {
    expect(analyzeSms('ó'.repeat(67 * 2)).segments).toBe(2);
    expect(analyzeSms('ó'.repeat(67 * 2 + 1)).segments).toBe(3);
  });

  it('counts UTF-16 code units, not graphemes', () => {
    expect(analyzeSms('😀')).toEqual({ encoding: 'UCS-2', segments: 1, units: 2 });
    // thumbs-up + skin tone: one grapheme, four code units
    expect(analyzeSms('👍🏽').units).toBe(4);
    expect(analyzeSms('😀'.repeat(35))).toEqual({ encoding: 'UCS-2', segments: 1, units: 70 });
    expect(analyzeSms('😀'.repeat(36)).segments).toBe(2);
  });

  it('charges GSM characters one unit each once the message is UCS-2', () => {
    expect(analyzeSms('€ó')).toEqual({ encoding: 'UCS-2', segments: 1, units: 2 });
  });
});

describe('packedOctets', () => {
  it('packs 160 septets into 140 octets and spends 2 octets per UCS-2 unit', () => {
    expect(packedOctets(analyzeSms('a'.repeat(160)))).toBe(140);
    expect(packedOctets(analyzeSms('a'.repeat(161)))).toBe(141);
    expect(packedOctets(analyzeSms('a'.repeat(8)))).toBe(7);
    expect(packedOctets(analyzeSms('ó'.repeat(70)))).toBe(140);
  });
});

describe('nonGsmCharacters', () => {
  it('lists each offending character once', () => {
    expect(nonGsmCharacters('código ó 😀 ok')).toEqual(['ó', '😀']);
    expect(nonGsmCharacters('plain')).toEqual([]);
  });
});
