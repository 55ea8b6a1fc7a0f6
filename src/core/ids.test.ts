import { describe, expect, it } from 'vitest';
import { cryptoRandom } from './random.js';
import { idBefore, isId, newId } from './ids.js';

const at = (time: number) => ({ now: () => time });

describe('ids', () => {
  it('sort by creation time, whatever their random part', () => {
    const times = [0, 1, 31, 32, 1_000, 1_764_000_000_000, 1_764_000_000_001, 2 ** 48 - 1];
    const ids = times.map((t) => newId('ver', at(t), cryptoRandom));
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(isId(id, 'ver')).toBe(true);
  });

  it('made in one millisecond, sort in the order they were made, and stay distinct', () => {
    const ids = Array.from({ length: 1000 }, () => newId('aud', at(1_764_000_000_000), cryptoRandom));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
    expect(newId('aud', at(1_764_000_000_001), cryptoRandom) > ids.at(-1)!).toBe(true);
  });

  it('idBefore(t) is above every id made before t and at or below every id made at or after t', () => {
    const t = 1_764_115_200_123;
    const boundary = idBefore('ver', t);
    expect(isId(boundary, 'ver')).toBe(true);
    for (let i = 0; i < 200; i++) {
      expect(newId('ver', at(t - 1), cryptoRandom) < boundary).toBe(true);
      expect(newId('ver', at(t - 1 - i * 997), cryptoRandom) < boundary).toBe(true);
      expect(newId('ver', at(t), cryptoRandom) >= boundary).toBe(true);
      expect(newId('ver', at(t + 1 + i * 997), cryptoRandom) > boundary).toBe(true);
    }
  });
});
