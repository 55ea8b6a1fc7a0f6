import { createHmac } from 'node:crypto';
import type { RandomSource } from './ports.js';

/**
 * Standard Webhooks signing (rule H4): `v1,` + base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>"))
 * where the key is the base64 after `whsec_`. Hand-written on purpose: it is three lines over
 * node:crypto, and the tests check it against the spec's known answer and verify every
 * delivery with the official `standardwebhooks` package, an independent implementation.
 */
const SECRET_PREFIX = 'whsec_';

/** A new signing secret: 32 random bytes, base64, behind `whsec_`. */
export function generateWebhookSecret(random: RandomSource): string {
  return `${SECRET_PREFIX}${random.bytes(32).toString('base64')}`;
}

export function isWebhookSecret(value: string): boolean {
  return value.startsWith(SECRET_PREFIX) && Buffer.from(value.slice(SECRET_PREFIX.length), 'base64').length >= 24;
}

export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/**
 * The three headers of a delivery. With more than one secret (a rotation's overlap) the
 * signature header lists one signature per secret, space-separated: receivers accept the
 * request when any one verifies, so both the old and the new secret work meanwhile.
 */
export function webhookHeaders(secrets: readonly string[], id: string, timestampSeconds: number, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((secret) => signWebhook(secret, id, timestampSeconds, body)).join(' '),
  };
}
