import { createHash, timingSafeEqual } from 'node:crypto';
import type { ReceiptRequest } from '../provider-types.js';

/** Constant-time string comparison (digests first, so lengths do not leak either). */
export function safeEqual(given: string | undefined | null, expected: string | undefined | null): boolean {
  if (!given || !expected) return false;
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

/**
 * For vendors that cannot sign their callbacks: the receipt URL carries a per-provider secret
 * (`?secret=`), compared in constant time.
 */
export function urlSecretMatches(request: ReceiptRequest, secret: string | undefined): boolean {
  return safeEqual(request.query.secret, secret);
}

export function withUrlSecret(url: string | null, secret: string | undefined): string | null {
  if (!url || !secret) return null;
  return `${url}${url.includes('?') ? '&' : '?'}secret=${encodeURIComponent(secret)}`;
}

/** A header value (Node lower-cases header names). */
export function header(request: ReceiptRequest, name: string): string | undefined {
  return request.headers[name.toLowerCase()];
}

/** String fields of the query and the body together (vendors send receipts either way). */
export function receiptParams(request: ReceiptRequest): Record<string, string> {
  const out: Record<string, string> = { ...request.query };
  for (const [key, value] of Object.entries(request.fields)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = String(value);
  }
  return out;
}

/** Vendors want digits only (no "+") in some APIs. */
export const digitsOnly = (e164: string) => e164.replace(/^\+/, '');

/** The signing window most vendors document: five minutes either side. */
export const SIGNATURE_WINDOW_MS = 5 * 60 * 1000;
