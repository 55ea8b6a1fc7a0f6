import type { Clock, RandomSource } from './ports.js';

/** Crockford base32, lower case: sortable, unambiguous, URL-safe. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix = 'svc' | 'ver' | 'msg' | 'key' | 'evt' | 'obx' | 'rlk' | 'bkt' | 'whe' | 'whd' | 'wha';

/**
 * `<prefix>_` + 26 characters: 48 bits of milliseconds then 80 random bits (the ULID layout).
 * Ids sort by creation time, so lists page by id alone and inserts land at the end of indexes.
 */
export function newId(prefix: IdPrefix, clock: Clock, random: RandomSource): string {
  let time = clock.now();
  const chars = new Array<string>(26);
  for (let i = 9; i >= 0; i--) {
    chars[i] = ALPHABET[time % 32]!;
    time = Math.floor(time / 32);
  }
  const bytes = random.bytes(10);
  // 80 bits → 16 base32 characters, 5 bits at a time.
  let buffer = 0;
  let bits = 0;
  let out = 10;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      chars[out++] = ALPHABET[(buffer >> bits) & 31]!;
    }
    buffer &= (1 << bits) - 1;
  }
  return `${prefix}_${chars.join('')}`;
}

const ID_PATTERN = /^(svc|ver|msg|key|evt|obx|rlk|bkt|whe|whd|wha)_[0-9a-hjkmnp-tv-z]{26}$/;

export function isId(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(`${prefix}_`) && ID_PATTERN.test(value);
}
