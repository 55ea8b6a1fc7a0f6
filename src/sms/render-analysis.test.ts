import { describe, expect, it } from 'vitest';
import { analyzeSms } from './segments.js';
import { SUPPORTED_LOCALES, renderSms } from './templates.js';

// renderSms reuses the segment analysis of the masked text; it must equal the analysis of the
// real text for every locale, code and service name, including ones that force UCS-2.
describe('renderSms segment analysis', () => {
  it('equals the analysis of the sent body', () => {
    for (const locale of SUPPORTED_LOCALES) {
      for (const serviceName of ['Acme', 'Ünïcödé Ltd', 'Café 😀', 'A'.repeat(40)]) {
        for (const code of ['0000', '123456', '9876543210']) {
          const sms = renderSms({ locale, code, serviceName, webotpDomain: 'example.com', androidAppHash: 'FA+9qCX9VSu' });
          const real = analyzeSms(sms.body);
          expect({ encoding: sms.encoding, segments: sms.segments, units: sms.units }, `${locale} ${serviceName} ${code}`).toEqual(real);
        }
      }
    }
  });
});
