import { createRequire } from 'node:module';
import type { Bidi } from 'bidi-js';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_TEMPLATES, RTL_LOCALES } from './locales.js';
import { renderSms } from './templates.js';

// Right-to-left texts are checked by laying them out with a full implementation of the Unicode
// Bidirectional Algorithm (UAX #9, isolates included), as a phone would, and reading the result.
// bidi-js is CommonJS whose types declare an ES default export; require() gives the factory itself.
const bidi = (createRequire(import.meta.url)('bidi-js') as () => Bidi)();
const INVISIBLE = /[\u2066-\u2069\u200e\u200f\u061c]/g;

interface Line { text: string; visual: string; rtl: boolean }

/** Each line of the message as displayed, left to right, with invisible controls dropped. */
function display(body: string): Line[] {
  const levels = bidi.getEmbeddingLevels(body);
  return levels.paragraphs.map(({ start, end, level }) => {
    // Reordered and mirrored as displayed; indices are UTF-16 units, inclusive.
    const visual = bidi.getReorderedString(body, levels, start, end).slice(start, end + 1).replace(/\n$/, '').replace(INVISIBLE, '');
    return { text: body.slice(start, end + 1).replace(/\n$/, ''), visual, rtl: (level & 1) === 1 };
  });
}

// Names whose edges are neutral characters or digits: without isolation they join the code's run
// or lose their punctuation to the Arabic/Hebrew side.
const LATIN_NAMES = ['Acme!', 'Shop (EU)', 'Pay 24', 'A.B.C.', 'Bank 24/7', 'Acme Payments Europe'];
const CODE = '012345';

describe('right-to-left texts (ar, he)', () => {
  it('are the locales written right to left', () => {
    expect([...RTL_LOCALES].sort()).toEqual(['ar', 'he']);
  });

  for (const locale of RTL_LOCALES) {
    it(`${locale}: shows a Latin service name intact, before the code in reading order, in a right-to-left line`, () => {
      for (const serviceName of LATIN_NAMES) {
        const sms = renderSms({ locale, code: CODE, serviceName, webotpDomain: 'example.com', androidAppHash: 'FA+9qCX9VSu' });
        const [first, ...rest] = display(sms.body).filter((line) => line.text !== '');
        expect(first?.rtl, serviceName).toBe(true);
        const visual = first?.visual ?? '';
        // The name reads left to right as written, and the code's digits keep their order.
        expect(visual, serviceName).toContain(serviceName);
        expect(visual, serviceName).toContain(CODE);
        // Right to left, the name comes first and the code after it: so the code is on its left.
        expect(visual.indexOf(CODE), serviceName).toBeLessThan(visual.indexOf(serviceName));
        // The hash and the WebOTP line are their own left-to-right lines, displayed as sent.
        expect(rest.map((line) => [line.visual, line.rtl])).toEqual([['FA+9qCX9VSu', false], [`@example.com #${CODE}`, false]]);
      }
    });

    it(`${locale}: keeps a right-to-left service name and the code in place`, () => {
      const serviceName = locale === 'ar' ? 'بنك الرياض 24' : 'בנק הפועלים 24';
      const sms = renderSms({ locale, code: CODE, serviceName });
      const [line] = display(sms.body);
      const nameAlone = display(serviceName)[0]?.visual ?? '';
      expect(line?.rtl).toBe(true);
      expect(line?.visual).toContain(nameAlone);
      expect(line?.visual).toContain(CODE);
      expect(line?.visual.indexOf(CODE)).toBeLessThan(line?.visual.indexOf(nameAlone) ?? -1);
    });

    it(`${locale}: needs the isolates (the same text without them misplaces a name's punctuation)`, () => {
      const bare = BUILT_IN_TEMPLATES[locale].replace(INVISIBLE, '');
      const broken = LATIN_NAMES.filter((serviceName) => {
        const visual = display(renderSms({ locale, code: CODE, serviceName, template: bare }).body)[0]?.visual ?? '';
        return !visual.includes(serviceName) || visual.indexOf(CODE) > visual.indexOf(serviceName);
      });
      expect(broken.length).toBeGreaterThan(0);
    });
  }

  it('never puts a bidi mark into the WebOTP line, even when the name holds some', () => {
    for (const locale of RTL_LOCALES) {
      const sms = renderSms({ locale, code: CODE, serviceName: '\u202eAcme\u2067', webotpDomain: 'example.com' });
      expect(sms.body.split('\n').at(-1)).toBe(`@example.com #${CODE}`);
      // The name's own controls are gone; only the template's one isolate pair remains.
      expect(sms.body.match(/[\p{Cf}]/gu)).toEqual(['\u2068', '\u2069']);
    }
  });
});
