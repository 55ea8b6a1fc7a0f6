import { createHash, createPrivateKey, createSecretKey, randomUUID, timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { SendError } from '../../core/ports.js';
import type { ReceiptRequest } from '../provider-types.js';
import { field, statusError } from './http-call.js';
import type { HttpAnswer } from './http-call.js';
import { header, SIGNATURE_WINDOW_MS } from './receipt-auth.js';

/**
 * Vonage application credentials and signed webhooks, shared by the Messages API (WhatsApp) and
 * the Voice API.
 *
 * - Calls to both APIs carry `Authorization: Bearer <JWT>`: RS256, signed with the application's
 *   private key, claims `application_id`, `iat`, `jti`, `exp`
 *   (https://developer.vonage.com/en/getting-started/concepts/authentication#json-web-tokens; the
 *   claims as Vonage's own SDK builds them, `@vonage/jwt` tokenGenerate).
 * - Their webhooks (message status, call events) carry `Authorization: Bearer <JWT>` too: HS256
 *   keyed with the account's signature secret, whose `payload_hash` claim is the SHA-256 of the
 *   body (https://developer.vonage.com/en/messages/concepts/signed-webhooks, and for the Voice API
 *   https://developer.vonage.com/en/voice/voice-api/webhook-reference#signed-webhooks). SHA-256
 *   is always used, whatever signature method the dashboard names for the SMS API.
 */

/** How long a token we sign stays valid: one call needs seconds. */
const TOKEN_TTL_SECONDS = 300;

/** A PEM private key as pasted in an env var: literal `\n` sequences stand for line breaks. */
export function readPrivateKey(value: string): KeyObject {
  const pem = value.includes('-----BEGIN') && !value.includes('\n') ? value.replace(/\\n/g, '\n') : value;
  return createPrivateKey({ key: pem, format: 'pem' });
}

/** Field check: an RSA private key in PEM (PKCS#8, as the dashboard makes them, or PKCS#1). */
export function validatePrivateKey(value: string): string | null {
  try {
    return readPrivateKey(value).asymmetricKeyType === 'rsa' ? null : 'must be an RSA private key (PEM)';
  } catch {
    return 'must be a PEM private key (-----BEGIN PRIVATE KEY----- …), line breaks written as \\n in an env var';
  }
}

/** The bearer token of one API call, as the application `applicationId`. */
export async function applicationToken(applicationId: string, privateKey: string, nowMs: number): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({ application_id: applicationId })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + TOKEN_TTL_SECONDS)
    .setJti(randomUUID())
    .sign(readPrivateKey(privateKey));
}

/** The `Authorization: Bearer` token of a webhook, or null when it has none (an SMS API receipt). */
export function bearerToken(request: ReceiptRequest): string | null {
  const value = header(request, 'authorization');
  const match = value ? /^Bearer\s+(\S+)$/i.exec(value.trim()) : null;
  return match ? match[1]! : null;
}

export interface WebhookExpectations {
  signatureSecret: string;
  /** The account's API key: a token naming another account's key is refused. */
  apiKey: string;
  /** The application's id, when configured: a token naming another application is refused. */
  applicationId: string | undefined;
}

/**
 * Verifies a signed webhook: the HS256 signature with the signature secret, `iat` within the
 * signing window either side of now (an old webhook replayed later is refused), the account and
 * application it names, and `payload_hash` against the body. The body is compared as received,
 * or as its JSON re-serialised without spaces, which is how the Voice API documents the hash.
 */
export async function vonageWebhookValid(token: string, request: ReceiptRequest, expect: WebhookExpectations): Promise<boolean> {
  let claims: Record<string, unknown>;
  try {
    ({ payload: claims } = await jwtVerify(token, createSecretKey(Buffer.from(expect.signatureSecret, 'utf8')), {
      algorithms: ['HS256'],
      currentDate: new Date(request.now),
      clockTolerance: 5,
    }));
  } catch {
    return false;
  }
  if (typeof claims.iat !== 'number' || Math.abs(request.now - claims.iat * 1000) > SIGNATURE_WINDOW_MS) return false;
  if (claims.api_key !== undefined && claims.api_key !== expect.apiKey) return false;
  if (claims.application_id !== undefined && expect.applicationId !== undefined && claims.application_id !== expect.applicationId) return false;
  if (typeof claims.payload_hash !== 'string') return false;
  const candidates = [request.rawBody];
  if (Object.keys(request.fields).length > 0) candidates.push(JSON.stringify(request.fields));
  return candidates.some((body) => equalHex(claims.payload_hash as string, createHash('sha256').update(body).digest()));
}

function equalHex(hex: string, digest: Buffer): boolean {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return false;
  return timingSafeEqual(Buffer.from(hex, 'hex'), digest);
}

/**
 * A failed answer of the Messages or Voice API: an RFC 7807 body `{type, title, detail, instance}`
 * whose `type` ends in the error's number or name (`…/messages-olympus#1120`, `…#unauthorized`).
 * The code is `vonage_<channel>_<that>`, or `vonage_<channel>_http_<status>`; retryable by status.
 */
export function applicationApiError(channel: 'whatsapp' | 'call', answer: HttpAnswer): SendError {
  const type = field(answer.json, 'type');
  const suffix = typeof type === 'string' ? /[#/]([A-Za-z0-9_-]{1,40})$/.exec(type)?.[1] : undefined;
  const detail = [field(answer.json, 'title'), field(answer.json, 'detail')].filter((v) => typeof v === 'string').join(': ');
  return statusError(`vonage_${channel}_${suffix ?? `http_${answer.status}`}`, answer.status, detail || answer.text);
}

/** What a channel needs before it can send: a clear, final error naming the missing settings. */
export function requireSettings(settings: Readonly<Record<string, string>>, channel: string, keys: readonly string[]): void {
  const missing = keys.filter((k) => !settings[k]);
  if (missing.length > 0) {
    throw new SendError('provider_not_configured', `the vonage ${channel} channel needs ${missing.join(', ')}`, false);
  }
}
