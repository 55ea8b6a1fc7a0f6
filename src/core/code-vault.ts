import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { RandomSource } from './ports.js';

export type VerificationContext = Record<string, string | number | boolean>;

const IV_BYTES = 12;
const TAG_BYTES = 16;

function subkey(secret: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `otpgate/${label}/v1`, 32));
}

/**
 * Everything that needs the server secret: code digests, sealed codes for resends, context
 * digests and sealed message bodies. The database alone never yields a code (rule C2): the
 * digest is a keyed HMAC (a plain hash of a 10^6 space falls in a second) and the sealed copy
 * is AES-256-GCM under a separate key derived with HKDF.
 */
export class CodeVault {
  readonly #digestKey: Buffer;
  readonly #sealKey: Buffer;
  readonly #contextKey: Buffer;
  readonly #limitKey: Buffer;
  readonly #random: RandomSource;
  /**
   * Recent pseudonyms: a check takes the number's pseudonym twice (its budget and B2) and every
   * request the same few source addresses', each an HMAC. Bounded; holds nothing the process
   * does not see anyway.
   */
  readonly #pseudonyms = new LRUCache<string, string>({ max: 4096 });

  constructor(secret: Buffer, random: RandomSource) {
    if (secret.length < 32) throw new Error('the server secret must be at least 32 bytes');
    this.#digestKey = subkey(secret, 'code-digest');
    this.#sealKey = subkey(secret, 'seal');
    this.#contextKey = subkey(secret, 'context');
    this.#limitKey = subkey(secret, 'limit-key');
    this.#random = random;
  }

  /**
   * A stable pseudonym of a phone number or IP address for rate-limit keys, so Redis or the
   * counter table never hold them in clear (keyed: a plain hash of a phone number is reversed by
   * enumerating the numbering plan). 128 bits, base64url.
   */
  pseudonym(value: string): string {
    let pseudonym = this.#pseudonyms.get(value);
    if (pseudonym === undefined) {
      pseudonym = createHmac('sha256', this.#limitKey).update(value).digest().subarray(0, 16).toString('base64url');
      this.#pseudonyms.set(value, pseudonym);
    }
    return pseudonym;
  }

  /** A uniformly random code of `length` digits; leading zeros are kept (rule C1). */
  generateCode(length: number): string {
    // 10^10 < 2^48, the ceiling of RandomSource.int.
    return String(this.#random.int(10 ** length)).padStart(length, '0');
  }

  /**
   * Binds a code to one verification and one context (rule C6): the same digits under another
   * verification id or another context give another digest.
   */
  digest(verificationId: string, contextDigest: string, code: string): Buffer {
    return createHmac('sha256', this.#digestKey)
      .update(verificationId)
      .update('\0')
      .update(contextDigest)
      .update('\0')
      .update(code)
      .digest();
  }

  /** Constant-time comparison of equal-length digests (rule C3). */
  matches(expected: Buffer, verificationId: string, contextDigest: string, candidate: string): boolean {
    const actual = this.digest(verificationId, contextDigest, candidate);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** Digest of the canonical context; the empty context has a digest too. */
  contextDigest(context: VerificationContext | null | undefined): string {
    return createHmac('sha256', this.#contextKey).update(canonicalContext(context)).digest('base64url');
  }

  /** AES-256-GCM with `associatedId` as additional data, so a sealed value cannot be moved to another row. */
  seal(associatedId: string, plaintext: string): Buffer {
    const iv = this.#random.bytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#sealKey, iv);
    cipher.setAAD(Buffer.from(associatedId));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  open(associatedId: string, sealed: Buffer): string {
    const iv = sealed.subarray(0, IV_BYTES);
    const tag = sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#sealKey, iv);
    decipher.setAAD(Buffer.from(associatedId));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  }
}

/** Sorted keys, JSON values: `{"b":1,"a":"x"}` and `{"a":"x","b":1}` bind the same. */
export function canonicalContext(context: VerificationContext | null | undefined): string {
  if (!context) return '{}';
  const keys = Object.keys(context).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(context[k])}`).join(',')}}`;
}
