/** Domain records. Plain data: no behaviour, no I/O. Times are epoch milliseconds. */
import type { AbuseSettings } from './abuse-settings.js';
import type { ChannelSettings } from '../channels/channel-settings.js';

/**
 * How a code reaches the person: a text message, a WhatsApp authentication template, a voice
 * call that reads it out, or an email. Each is one module (src/channels); a verification has one
 * code whatever channel each of its messages goes by.
 */
export const CHANNELS = ['sms', 'whatsapp', 'call', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}

export const VERIFICATION_STATUSES = [
  'pending',
  'approved',
  'expired',
  'canceled',
  'max_attempts_reached',
  'failed',
] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

/**
 * A message moves `queued → sending → sent → delivered | undelivered`, or ends `failed`
 * (every try failed for good), `expired` (its verification stopped being pending before it
 * could go out) or `suppressed` (a test number: never sent).
 */
export const MESSAGE_STATUSES = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'expired',
  'suppressed',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Per-service settings. Defaults live in `service-settings.ts` and `abuse-settings.ts`. */
export interface ServiceSettings extends AbuseSettings, ChannelSettings {
  /** Shown in the SMS as `{service}`. */
  name: string;
  /** Digits per code, 4–10. Default 6. */
  code_length: number;
  /** Lifetime of a code in seconds. Default 300; above 600 needs `allow_long_ttl`. */
  ttl_seconds: number;
  /** Opt-in for `ttl_seconds` above 600 (NIST SP 800-63B caps out-of-band codes at 10 min). */
  allow_long_ttl: boolean;
  /** Checks per verification, right or wrong. Default 5. */
  max_check_attempts: number;
  /** SMS per verification (first send plus resends). Default 5. */
  max_sends: number;
  /** Seconds between two sends of one verification. Default 30. */
  resend_cooldown_seconds: number;
  /** Locale used when a request names none; null = pick from the number's country. */
  default_locale: string | null;
  /** Adds the WebOTP line `@<domain> #<code>` as the last line. */
  webotp_domain: string | null;
  /** Android SMS Retriever 11-character app hash, appended to the message. */
  android_app_hash: string | null;
  /** E.164 number → fixed code. No SMS is sent to these numbers. */
  test_numbers: Record<string, string>;
  /**
   * Lets a start bring its own code (`custom_code`, Twilio's `CustomCode`) instead of one from
   * our CSPRNG; such verifications may then be approved by the integrator. Default false.
   */
  custom_code_enabled: boolean;
  /**
   * Whether the built-in SMS text ends with its "do not share" sentence ("Do not share it.").
   * Twilio's DoNotShareWarningEnabled. A service's own templates are sent as written. Default true.
   */
  do_not_share_warning: boolean;
  /**
   * Webhook endpoints the service may register in each mode. Every event is written with one
   * delivery per matching endpoint, in its own transaction, so this bounds what one event costs.
   * Default 10, at most 100.
   */
  webhook_endpoints_max: number;
}

export interface ServiceRecord {
  id: string;
  settings: ServiceSettings;
  createdAt: number;
  updatedAt: number;
}

export type ApiKeyKind = 'admin' | 'service';

/**
 * The world a key works in, and so everything it makes. `test` is a sandbox: it sends only to
 * the dev outbox, and test and live never see each other's data (rule T1). Configuration (the
 * service, its settings, templates, routes, rate-limit definitions) is one for both worlds.
 */
export type Mode = 'live' | 'test';
export type ApiKeyMode = Mode;

/**
 * One service's data in one mode: every read and write of tenant data names one, so no lookup can
 * forget the mode (T1) or the service (H3). Records of tenant data carry both fields, so each is
 * its own scope.
 */
export interface Scope {
  readonly serviceId: string;
  readonly mode: Mode;
}

/** A scope of one service, or of every service (an admin's view), in one mode. */
export interface ReadScope {
  readonly serviceId: string | null;
  readonly mode: Mode;
}

/** The service and mode an authenticated caller acts in: what every core operation on tenant data takes. */
export interface Tenant extends Scope {
  readonly service: ServiceRecord;
}

/**
 * Where a request comes from, derived once per request by the surface it arrived on (T4) and
 * required by every start and check, so no surface can forget to count it.
 */
export interface Origin {
  /** The connecting address (usually the integrator's backend), as the proxy settings derive it (T5). */
  readonly sourceIp: string;
  /** The end user's address as the integrator saw it (`client_ip`, Twilio's `DeviceIp`), normalised; null when not given. */
  readonly clientIp: string | null;
}

/**
 * Where a key came from: `env` is the admin key OTPGATE_ADMIN_KEY holds (revoked at start once the
 * variable no longer holds it), `generated` the one printed at first start, `issued` any other.
 */
export type ApiKeySource = 'env' | 'generated' | 'issued';
/** How a key is presented: `Authorization: Bearer <key>`, or HTTP Basic `SID:secret` (the /v2 surface). Neither works as the other. */
export type ApiKeyScheme = 'bearer' | 'basic';

export interface ApiKeyRecord {
  id: string;
  kind: ApiKeyKind;
  source: ApiKeySource;
  scheme: ApiKeyScheme;
  /** `test` (sandbox) keys send only to the dev outbox, never to a real provider. Admin keys are `live`. */
  mode: ApiKeyMode;
  /** null for admin keys. */
  serviceId: string | null;
  /** SHA-256 of the key, hex. Keys are 190+ bit random strings, so a fast hash is enough. */
  keyHash: string;
  /** The first characters of the key, safe to show (`og_live_AbC…`). */
  prefix: string;
  name: string | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface VerificationRecord {
  id: string;
  serviceId: string;
  to: string;
  /** ISO 3166-1 alpha-2 region of `to`, when known. */
  country: string | null;
  channel: Channel;
  status: VerificationStatus;
  locale: string;
  /** HMAC(server secret, id ‖ context ‖ code): what a check is compared against. */
  codeDigest: Buffer;
  /** The code sealed with AES-256-GCM under a key derived from the server secret, for resends. */
  codeSealed: Buffer;
  /** HMAC of the canonical context (empty context included), for resend matching and binding. */
  contextDigest: string;
  attempts: number;
  maxAttempts: number;
  sendCount: number;
  maxSends: number;
  resendCooldownMs: number;
  lastSendAt: number;
  expiresAt: number;
  createdAt: number;
  updatedAt: number;
  /** True for a service test number: fixed code, nothing sent. */
  isTest: boolean;
  /** The mode of the key that started it: `test` sends to the dev outbox only and is seen by test keys only. */
  mode: Mode;
  clientIp: string | null;
  /** True when the integrator supplied the code (custom code): only those may be approved without it. */
  customCode: boolean;
  /** Shown instead of the service name in this verification's SMS (Twilio's `CustomFriendlyName`). */
  friendlyName: string | null;
  /** Android SMS Retriever hash for this verification only, overriding the service's. */
  appHash: string | null;
}

export interface MessageRecord {
  id: string;
  verificationId: string;
  serviceId: string;
  /** Its verification's mode. */
  mode: Mode;
  /** How it goes out; a verification's messages may use different channels (resend, fallback). */
  channel: Channel;
  to: string;
  status: MessageStatus;
  /** How many times a provider was asked to send it. */
  attempts: number;
  nextAttemptAt: number;
  leaseUntil: number | null;
  /** The instance that holds the lease (see InstanceStore); null when not leased. */
  leaseOwner: string | null;
  provider: string | null;
  providerMessageId: string | null;
  errorCode: string | null;
  createdAt: number;
  updatedAt: number;
}

/** One send of a verification as the attempts log shows it (Twilio's `VL…` attempts). */
export interface AttemptRecord {
  message: MessageRecord;
  verification: Pick<VerificationRecord, 'id' | 'serviceId' | 'to' | 'country' | 'channel' | 'status' | 'locale'>;
}

export interface AttemptSummary {
  total: number;
  /** Attempts whose verification ended approved. */
  converted: number;
}

/** A named limit of a service (Twilio's `RateLimit`): starts that name it count against its buckets. */
export interface RateLimitRecord {
  id: string;
  serviceId: string;
  /** The key a start gives a value for, e.g. `end_user_ip_address`. */
  uniqueName: string;
  description: string | null;
  createdAt: number;
  updatedAt: number;
}

/** At most `max` starts per value of its rate limit in each window of `intervalSeconds`. */
export interface BucketRecord {
  id: string;
  rateLimitId: string;
  serviceId: string;
  max: number;
  intervalSeconds: number;
  createdAt: number;
  updatedAt: number;
}

export interface DevOutboxEntry {
  id: string;
  serviceId: string;
  /** Its verification's mode: only keys of that mode read it. */
  mode: Mode;
  verificationId: string;
  messageId: string;
  channel: Channel;
  to: string;
  /** The message as text (an email's subject, a blank line, then its text). */
  body: string;
  createdAt: number;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
