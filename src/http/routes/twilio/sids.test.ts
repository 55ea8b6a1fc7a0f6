import { describe, expect, it } from 'vitest';
import { newId } from '../../../core/ids.js';
import { cryptoRandom } from '../../../core/random.js';
import { idOf, sidOf } from './sids.js';

describe('Twilio SIDs', () => {
  it('are VA/VE/VL + 32 lower-case hex and map back to the same id', () => {
    for (const [prefix, idPrefix] of [['VA', 'svc'], ['VE', 'ver'], ['VL', 'msg']] as const) {
      for (let i = 0; i < 200; i++) {
        const id = newId(idPrefix, { now: () => Date.now() + i * 7919 }, cryptoRandom);
        const sid = sidOf(prefix, id);
        expect(sid).toMatch(new RegExp(`^${prefix}[0-9a-f]{32}$`));
        expect(idOf(prefix, sid)).toBe(id);
        expect(idOf(prefix, sid.toUpperCase().replace(/^../, prefix))).toBe(id);
      }
    }
  });

  it('refuses SIDs of another kind or shape', () => {
    const sid = sidOf('VA', newId('svc', { now: () => Date.now() }, cryptoRandom));
    expect(idOf('VE', sid)).toBeNull();
    expect(idOf('VA', `${sid}0`)).toBeNull();
    expect(idOf('VA', 'VA' + 'g'.repeat(32))).toBeNull();
  });
});
