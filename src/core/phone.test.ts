import { codeOf } from '../../test/helpers/errors.js';
import { describe, it, expect } from 'vitest';
import { getExampleNumber } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { AppError } from './errors.js';
import { E164_PATTERN, assertSmsCapable, maskPhone, normalizePhone } from './phone.js';
import type { NormalizedPhone } from './phone.js';


describe('normalizePhone — mobile numbers in the formats people type', () => {
  const cases: Array<{ name: string; e164: string; country: string; inputs: Array<[string, string?]> }> = [
    {
      name: 'US',
      e164: '+14155552671',
      country: 'US',
      inputs: [['+1 (415) 555-2671'], ['+1.415.555.2671'], ['+14155552671'], ['(415) 555-2671', 'US'], ['415-555-2671', 'us'], ['1 415 555 2671', 'US'], ['011 1 415 555 2671', 'US'], ['0014155552671']],
    },
    {
      name: 'UK',
      e164: '+447400123456',
      country: 'GB',
      inputs: [['+44 7400 123456'], ['+44 (0) 7400 123456'], ['07400 123456', 'GB'], ['07400-123-456', 'gb'], ['00447400123456'], ['00 44 7400 123456', 'US']],
    },
    {
      name: 'DE',
      e164: '+4915123456789',
      country: 'DE',
      inputs: [['+49 151 23456789'], ['0151 23456789', 'DE'], ['0151/23456789', 'DE'], ['004915123456789'], ['004915123456789', 'DE'], ['+49 (0)151 2345 6789']],
    },
    {
      name: 'FR',
      e164: '+33612345678',
      country: 'FR',
      inputs: [['+33 6 12 34 56 78'], ['06 12 34 56 78', 'FR'], ['06.12.34.56.78', 'FR'], ['+33 (0)6 12 34 56 78'], ['0033612345678']],
    },
    {
      name: 'IN',
      e164: '+919876543210',
      country: 'IN',
      inputs: [['+91 98765 43210'], ['+91-9876543210'], ['098765 43210', 'IN'], ['98765 43210', 'IN'], ['00919876543210']],
    },
    {
      name: 'BR',
      e164: '+5511912345678',
      country: 'BR',
      inputs: [['+55 11 91234-5678'], ['+55 (11) 91234-5678'], ['(11) 91234-5678', 'BR'], ['011 91234 5678', 'BR'], ['005511912345678']],
    },
  ];

  for (const { name, e164, country, inputs } of cases) {
    it(`normalises ${name} mobile inputs to ${e164}`, () => {
      for (const [input, hint] of inputs) {
        const phone = normalizePhone(input, hint);
        expect(phone.e164, `${input} (${hint ?? 'no hint'})`).toBe(e164);
        expect(phone.country).toBe(country);
        expect(['mobile', 'fixed_line_or_mobile']).toContain(phone.lineType);
        expect(E164_PATTERN.test(phone.e164)).toBe(true);
        expect(() => assertSmsCapable(phone)).not.toThrow();
      }
    });
  }

  it("accepts libphonenumber's own mobile examples in international and national format", () => {
    for (const region of ['US', 'GB', 'DE', 'FR', 'IN', 'BR'] as const) {
      const example = getExampleNumber(region, examples);
      expect(example).toBeDefined();
      if (!example) continue;
      expect(normalizePhone(example.formatInternational()).e164).toBe(example.number);
      expect(normalizePhone(example.formatNational(), region).e164).toBe(example.number);
      expect(normalizePhone(example.number).lineType).toBe(region === 'US' ? 'fixed_line_or_mobile' : 'mobile');
    }
  });

  it('lets a leading + win over the country hint', () => {
    expect(normalizePhone('+44 7400 123456', 'US')).toEqual({ e164: '+447400123456', country: 'GB', lineType: 'mobile' });
  });

  it('accepts non-Latin digits and Unicode dashes', () => {
    expect(normalizePhone('+٩٧١٥٠١٢٣٤٥٦٧').e164).toBe('+971501234567');
    expect(normalizePhone('+1\u00a0415\u2013555\u20132671').e164).toBe('+14155552671');
  });

  it('reports non-geographic numbers with a null country', () => {
    const phone = normalizePhone('+882 16 123456');
    expect(phone.country).toBeNull();
    expect(phone.lineType).toBe('voip');
  });

  it('returns a frozen value', () => {
    expect(Object.isFrozen(normalizePhone('+14155552671'))).toBe(true);
  });
});

describe('normalizePhone — refusals', () => {
  const garbage: Array<[string, string?]> = [
    [''],
    ['   '],
    ['+'],
    ['abc'],
    ['+1 415 CALL NOW'],
    ['+1 415 555 2671 ext. 5'],
    ['+14155552671;ext=5'],
    ['1'.repeat(30)],
    ['+' + '1'.repeat(30)],
    ['+0123'],
    ['+0 415 555 2671'],
    ['+123'],
    ['++14155552671'],
    ['+1 415 555'],
    ['+1 415 555 26711'],
    ['+999 123456789'],
    ['000'],
    ['1+4155552671'],
    ['+1 415 555 2671\u0000'],
    ['<script>'],
    [' '.repeat(65) + '+14155552671'],
    ['0151 23456789', 'FR'],
  ];

  for (const [input, hint] of garbage) {
    it(`refuses ${JSON.stringify(input.length > 40 ? input.slice(0, 20) + '…' : input)}${hint ? ` with ${hint}` : ''}`, () => {
      expect(codeOf(() => normalizePhone(input, hint))).toBe('invalid_phone_number');
    });
  }

  it('asks for a country calling code when a national number comes without a hint', () => {
    expect(() => normalizePhone('0151 23456789')).toThrow(/country/);
    expect(() => normalizePhone('4155552671')).toThrow(/\+/);
  });

  it('refuses a country hint that is not an ISO 3166-1 alpha-2 code, naming country', () => {
    for (const hint of ['', 'USA', 'U1', 'XX', 'u', ' US', 'ZZ']) {
      expect(codeOf(() => normalizePhone('+14155552671', hint)), hint).toBe('invalid_phone_number');
      expect(() => normalizePhone('+14155552671', hint)).toThrow(/country/);
    }
    expect(normalizePhone('+14155552671', null).e164).toBe('+14155552671');
  });

  it('does not echo the number back in the error detail', () => {
    try {
      normalizePhone('+1 415 555');
      expect.unreachable();
    } catch (error) {
      expect((error as AppError).message).not.toMatch(/415|555/);
    }
  });

  it('refuses the Ofcom drama range, which the numbering plan marks unassigned', () => {
    expect(codeOf(() => normalizePhone('+44 7700 900123'))).toBe('invalid_phone_number');
  });
});

describe('assertSmsCapable', () => {
  it('refuses known landlines', () => {
    for (const [input, hint] of [['020 7946 0018', 'GB'], ['+49 30 12345678'], ['01 23 45 67 89', 'FR'], ['+91 11 2345 6789'], ['+55 11 3456-7890']] as const) {
      const phone = normalizePhone(input, hint);
      expect(phone.lineType, input).toBe('fixed_line');
      expect(codeOf(() => assertSmsCapable(phone))).toBe('unsupported_line_type');
    }
  });

  it('refuses premium-rate numbers, which cannot take SMS either', () => {
    const phone = normalizePhone('+44 909 8790000');
    expect(phone.lineType).toBe('premium_rate');
    expect(codeOf(() => assertSmsCapable(phone))).toBe('unsupported_line_type');
  });

  it('lets fixed_line_or_mobile and unknown types through', () => {
    expect(() => assertSmsCapable(normalizePhone('+1 415 555 2671'))).not.toThrow();
    expect(() => assertSmsCapable({ e164: '+14155552671', country: null, lineType: null })).not.toThrow();
    expect(() => assertSmsCapable({ e164: '+18005550199', country: 'US', lineType: 'toll_free' })).not.toThrow();
  });

  it('refuses VoIP only when asked', () => {
    const voip: NormalizedPhone = normalizePhone('+882 16 123456');
    expect(() => assertSmsCapable(voip)).not.toThrow();
    expect(codeOf(() => assertSmsCapable(voip, { refuseVoip: true }))).toBe('unsupported_line_type');
  });

  it('names the line type in the error', () => {
    try {
      assertSmsCapable(normalizePhone('+44 20 7946 0018'));
      expect.unreachable();
    } catch (error) {
      expect((error as AppError).extra).toEqual({ line_type: 'fixed_line' });
      expect((error as AppError).message).toMatch(/landline/);
    }
  });
});

describe('maskPhone', () => {
  it('keeps the + and the last four digits', () => {
    expect(maskPhone('+14155550123')).toBe('+*******0123');
    expect(maskPhone('+447400123456')).toBe('+********3456');
    expect(maskPhone('+4915123456789')).toBe('+*********6789');
  });

  it('never shows more than four digits, nor more than half of a short value', () => {
    expect(maskPhone('')).toBe('');
    expect(maskPhone('+1')).toBe('+*');
    expect(maskPhone('+12')).toBe('+*2');
    expect(maskPhone('12345')).toBe('***45');
    expect(maskPhone('+1 (415) 555-0123')).toBe('+*******0123');
    expect(maskPhone('not a number')).toBe('');
    const masked = maskPhone('+' + '9'.repeat(40));
    expect(masked.replace(/\*/g, '').replace('+', '')).toBe('9999');
  });
});
