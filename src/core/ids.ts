import type { Clock, RandomSource } from './ports.js';

/** Crockford base32, lower case: sortable, unambiguous, URL-safe. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix = 'svc' | 'ver' | 'msg' | 'key' | 'evt' | 'obx' | 'rlk' | 'bkt' | 'whe' | 'whd' | 'wha' | 'aud' | 'ins';

/** The last id's time and random part: ids made in one millisecond count up from it (see newId). */
let last: { time: number; bytes: Buffer } = { time: -1, bytes: Buffer.alloc(10) };

/**
 * `<prefix>_` + 26 characters: 48 bits of milliseconds then 80 random bits (the ULID layout).
 * Ids sort by creation time, so lists page by id alone and inserts land at the end of indexes.
 * Within one millisecond a process's ids count up from the first one's random part (ULID's
 * monotonic mode), so "newest first" is the order things happened in, not a coin toss.
 */
export function newId(prefix: IdPrefix, clock: Clock, random: RandomSource): string {
  const chars = new Array<string>(26);
  const time = clock.now();
  encodeTime(time, chars);
  const bytes = time === last.time ? increment(last.bytes) : random.bytes(10);
  last = { time, bytes };
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

/** The 80-bit number one higher (wrapping to a fresh random start is 2^80 ids away: not a concern). */
function increment(previous: Buffer): Buffer {
  const next = Buffer.from(previous);
  for (let i = next.length - 1; i >= 0; i--) {
    next[i] = (next[i]! + 1) & 0xff;
    if (next[i] !== 0) break;
  }
  return next;
}

/**
 * The lowest id of `prefix` that can be created at `time`: every id made earlier sorts below it
 * and every id made at or after it does not, so "created before `time`" is an id range (the
 * retention job deletes by id, with no index on created_at to keep up on every insert).
 */
export function idBefore(prefix: IdPrefix, time: number): string {
  const chars = new Array<string>(26).fill('0');
  encodeTime(Math.max(0, Math.floor(time)), chars);
  return `${prefix}_${chars.join('')}`;
}

/** 48 bits of milliseconds as the first 10 characters, most significant first. */
function encodeTime(time: number, chars: string[]): void {
  for (let i = 9; i >= 0; i--) {
    chars[i] = ALPHABET[time % 32]!;
    time = Math.floor(time / 32);
  }
}

const ID_PATTERN = /^(svc|ver|msg|key|evt|obx|rlk|bkt|whe|whd|wha)_[0-9a-hjkmnp-tv-z]{26}$/;

export function isId(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(`${prefix}_`) && ID_PATTERN.test(value);
}
