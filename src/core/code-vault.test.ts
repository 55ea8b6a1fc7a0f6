import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { CodeVault, canonicalContext } from './code-vault.js';
import { cryptoRandom } from './random.js';
import type { RandomSource } from './ports.js';

const timingSafeEqualCalls = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return {
    ...actual,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      timingSafeEqualCalls.count++;
      return actual.timingSafeEqual(a, b);
    },
  };
});

const vault = () => new CodeVault(randomBytes(32), cryptoRandom);

describe('code generation (C1)', () => {
  it('keeps leading zeros', () => {
    const fixed: RandomSource = { int: () => 123, bytes: (n) => Buffer.alloc(n) };
    const v = new CodeVault(randomBytes(32), fixed);
    expect(v.generateCode(6)).toBe('000123');
    expect(v.generateCode(4)).toBe('0123');
  });

  it('has the requested length for every length 4–10', () => {
    const v = vault();
    for (let length = 4; length <= 10; length++) {
      for (let i = 0; i < 200; i++) expect(v.generateCode(length)).toMatch(new RegExp(`^\\d{${length}}$`));
    }
  });

  it('gives every digit 0–9 its expected frequency in each position over 100k codes', () => {
    const v = vault();
    const samples = 100_000;
    const length = 6;
    const counts = Array.from({ length }, () => new Array<number>(10).fill(0));
    for (let i = 0; i < samples; i++) {
      const code = v.generateCode(length);
      for (let p = 0; p < length; p++) counts[p]![code.charCodeAt(p) - 48]!++;
    }
    const expected = samples / 10;
    for (let p = 0; p < length; p++) {
      const row = counts[p]!;
      // Each digit must appear (the bug this guards against: generators that never emit '9').
      expect(Math.min(...row)).toBeGreaterThan(expected * 0.9);
      // Chi-square with 9 degrees of freedom: 27.88 is the 0.999 quantile, so a fair generator
      // fails this about once in a thousand runs per position.
      const chi2 = row.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
      expect(chi2).toBeLessThan(33.7); // p = 0.0001
    }
  });
});

describe('digests (C2, C3, C6)', () => {
  it('matches only the same verification, context and code', () => {
    const v = vault();
    const ctx = v.contextDigest({ amount: '10.00', payee: 'ACME' });
    const digest = v.digest('ver_a', ctx, '123456');
    expect(v.matches(digest, 'ver_a', ctx, '123456')).toBe(true);
    expect(v.matches(digest, 'ver_b', ctx, '123456')).toBe(false);
    expect(v.matches(digest, 'ver_a', v.contextDigest({ amount: '99.00', payee: 'ACME' }), '123456')).toBe(false);
    expect(v.matches(digest, 'ver_a', v.contextDigest(undefined), '123456')).toBe(false);
    expect(v.matches(digest, 'ver_a', ctx, '123457')).toBe(false);
  });

  it('cannot be recomputed without the server secret', () => {
    const secret = randomBytes(32);
    const v = new CodeVault(secret, cryptoRandom);
    const ctx = v.contextDigest(undefined);
    const digest = v.digest('ver_a', ctx, '123456');
    // What an attacker with the database alone could try: plain hashes of the code.
    expect(digest.equals(createHash('sha256').update('123456').digest())).toBe(false);
    expect(digest.equals(createHash('sha256').update('ver_a\u0000' + ctx + '\u0000123456').digest())).toBe(false);
    expect(digest.equals(createHmac('sha256', '').update('ver_a\u0000' + ctx + '\u0000123456').digest())).toBe(false);
    // Another secret gives another digest for the same inputs.
    expect(new CodeVault(randomBytes(32), cryptoRandom).digest('ver_a', ctx, '123456').equals(digest)).toBe(false);
  });

  it('compares with crypto.timingSafeEqual', () => {
    const v = vault();
    const ctx = v.contextDigest(undefined);
    const digest = v.digest('ver_a', ctx, '123456');
    const before = timingSafeEqualCalls.count;
    v.matches(digest, 'ver_a', ctx, '000000');
    v.matches(digest, 'ver_a', ctx, '123456');
    expect(timingSafeEqualCalls.count - before).toBe(2);
  });

  it('binds the context canonically: key order does not matter, values do', () => {
    expect(canonicalContext({ b: 1, a: 'x' })).toBe(canonicalContext({ a: 'x', b: 1 }));
    expect(canonicalContext({ a: '1' })).not.toBe(canonicalContext({ a: 1 }));
    expect(canonicalContext(undefined)).toBe('{}');
  });
});

describe('sealing', () => {
  it('round-trips and refuses another row id or a tampered value', () => {
    const v = vault();
    const sealed = v.seal('ver_a', '123456');
    expect(sealed.includes(Buffer.from('123456'))).toBe(false);
    expect(v.open('ver_a', sealed)).toBe('123456');
    expect(() => v.open('ver_b', sealed)).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => v.open('ver_a', tampered)).toThrow();
    expect(() => new CodeVault(randomBytes(32), cryptoRandom).open('ver_a', sealed)).toThrow();
  });
});

describe('pseudonyms for counter keys', () => {
  it('are keyed by the server secret, 128 bits, and stay the same through the memo and its eviction', () => {
    const a = vault();
    const b = vault();
    const first = a.pseudonym('+14155550100');
    expect(first).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(first).not.toContain('4155550100');
    expect(b.pseudonym('+14155550100')).not.toBe(first);
    expect(a.pseudonym('+14155550100')).toBe(first);
    // More distinct values than the memo holds: the first is computed again, identically.
    for (let i = 0; i < 5000; i++) a.pseudonym(`198.51.100.${i}`);
    expect(a.pseudonym('+14155550100')).toBe(first);
    expect(a.pseudonym('+14155550101')).not.toBe(first);
  });
});
