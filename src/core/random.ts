import { randomFillSync, randomInt } from 'node:crypto';
import type { Clock, RandomSource } from './ports.js';

// Every request takes a few small random values (ids, AES-GCM nonces), and each call into the
// CSPRNG has a fixed cost far above the bytes it yields. So bytes are drawn 4 KiB at a time and
// handed out in order, each byte once — the same CSPRNG output, fewer trips (node:crypto's own
// randomUUID keeps such a cache too). The pool lives in this process only; nothing is reused.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

function pooledBytes(length: number): Buffer {
  if (length > POOL_BYTES / 4) return randomFillSync(Buffer.alloc(length));
  if (offset + length > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  // A copy: callers own their buffer, and the pool's bytes are never handed out twice.
  const out = Buffer.from(pool.subarray(offset, offset + length));
  pool.fill(0, offset, offset + length);
  offset += length;
  return out;
}

/** node:crypto's CSPRNG. `randomInt` rejects samples internally, so there is no modulo bias. */
export const cryptoRandom: RandomSource = {
  int: (maxExclusive) => randomInt(maxExclusive),
  bytes: pooledBytes,
};

export const systemClock: Clock = { now: () => Date.now() };
