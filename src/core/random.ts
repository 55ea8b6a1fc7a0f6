import { randomBytes, randomInt } from 'node:crypto';
import type { Clock, RandomSource } from './ports.js';

/** node:crypto's CSPRNG. `randomInt` rejects samples internally, so there is no modulo bias. */
export const cryptoRandom: RandomSource = {
  int: (maxExclusive) => randomInt(maxExclusive),
  bytes: (length) => randomBytes(length),
};

export const systemClock: Clock = { now: () => Date.now() };
