import { describe, expect, it } from 'vitest';
import { cryptoRandom } from './random.js';

describe('cryptoRandom.bytes', () => {
  it('never hands out the same bytes twice, across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const b = cryptoRandom.bytes(12);
      expect(b).toHaveLength(12);
      seen.add(b.toString('hex'));
    }
    expect(seen.size).toBe(5000); // 96-bit values: a repeat means reuse, not chance
  });

  it('returns buffers the caller owns', () => {
    const a = cryptoRandom.bytes(16);
    const copy = Buffer.from(a);
    cryptoRandom.bytes(16);
    expect(a.equals(copy)).toBe(true);
    expect(a.equals(Buffer.alloc(16))).toBe(false);
    expect(cryptoRandom.bytes(5000)).toHaveLength(5000);
  });

  it('is roughly uniform', () => {
    const counts = new Array<number>(256).fill(0);
    for (const byte of cryptoRandom.bytes(1024)) counts[byte]!++;
    for (let i = 0; i < 200; i++) for (const byte of cryptoRandom.bytes(256)) counts[byte]!++;
    const n = 1024 + 200 * 256;
    const expected = n / 256;
    const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(400); // 255 degrees of freedom: p < 1e-8 beyond this
  });
});
