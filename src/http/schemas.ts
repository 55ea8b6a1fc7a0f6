import { Type } from '@sinclair/typebox';
import type { TSchema } from '@sinclair/typebox';
import { EVENT_TYPES } from '../core/events.js';
import { CHANNELS, MESSAGE_STATUSES, VERIFICATION_STATUSES } from '../core/model.js';
import { ChannelSettingsProperties } from './channel-schemas.js';
import { SUPPORTED_LOCALES } from '../sms/templates.js';

/** The supported locales as the OpenAPI descriptions list them. */
const LOCALE_LIST = `Supported: ${SUPPORTED_LOCALES.join(', ')}. Other BCP 47 tags read as one of these (es-MX → es-419, pt-PT → pt, zh-Hant-HK → zh-HK, zh_TW → zh-TW, sr-Latn → sr, de-AT → de)`;

/** Route schemas: they validate input, serialise output and generate the OpenAPI document. */

const ChannelSchema = (description: string) => Type.Union(CHANNELS.map((c) => Type.Literal(c)), { description, examples: ['sms'] });

const Nullable = <T extends TSchema>(schema: T, options: Record<string, unknown> = {}) =>
  Type.Union([schema, Type.Null()], options);

/**
 * A number or null in one schema (`type: [number, null]`), not a union: with coerceTypes, Ajv
 * would turn a 0 that fails the number branch into null for the null branch — a cap of 0 would
 * silently become "no cap".
 */
const NullableNumber = (options: { integer?: boolean; minimum?: number; exclusiveMinimum?: number; maximum: number; description: string; examples: unknown[] }) => {
  const { integer, ...rest } = options;
  return Type.Unsafe<number | null>({ type: [integer ? 'integer' : 'number', 'null'], ...rest });
};

export const Problem = Type.Object(
  {
    type: Type.String({ description: 'URI of the problem type', examples: ['urn:otpgate:error:invalid_phone_number'] }),
    code: Type.String({ description: 'Stable machine code (snake_case); branch on this', examples: ['invalid_phone_number'] }),
    title: Type.String({ description: 'Short human summary of the code', examples: ['Invalid phone number'] }),
    status: Type.Integer({ description: 'HTTP status', examples: [400] }),
    detail: Type.String({ description: 'What went wrong in this request', examples: ['"+1415" is not a valid phone number.'] }),
    request_id: Type.String({ description: 'Also in the X-Request-Id header; quote it when asking for help', examples: ['req_3k9x2m'] }),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          path: Type.String({ description: 'Where in the request', examples: ['body/to'] }),
          message: Type.String({ description: 'What is wrong there', examples: ['must NOT have fewer than 1 characters'] }),
        }),
        { description: 'Field-level validation errors' },
      ),
    ),
    verification_id: Type.Optional(Type.String({ description: 'The verification the error is about' })),
    verification_status: Type.Optional(Type.String({ description: 'Its status now' })),
    resend_available_at: Type.Optional(Type.String({ format: 'date-time', description: 'With resend_cooldown: when a resend is allowed' })),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details', additionalProperties: true },
);

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, Type.Ref('Problem', { description: 'Problem details (application/problem+json)' })]),
  );

const IsoTime = (description: string) => Type.String({ format: 'date-time', description, examples: ['2026-11-25T21:05:00.000Z'] });

const BudgetSchema = (description: string, limit: number, window: number) =>
  Type.Object(
    {
      limit: Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'Events allowed per window' }),
      window_seconds: Type.Integer({ minimum: 1, maximum: 604_800, description: 'Window length in seconds (windows are aligned to the clock)' }),
    },
    { additionalProperties: false, description: `${description}. Default ${limit} per ${window} s`, examples: [{ limit, window_seconds: window }] },
  );

export const VelocityLimitsSchema = Type.Object(
  {
    sends_per_phone: BudgetSchema('SMS to one number, across verifications', 10, 3600),
    sends_per_client_ip: BudgetSchema('SMS requested for one end-user IP (client_ip)', 20, 3600),
    sends_per_prefix: BudgetSchema('SMS to one destination prefix (+ and the first 6 digits)', 40, 600),
    sends_per_service: BudgetSchema('SMS of the whole service', 300, 60),
    checks_per_phone: BudgetSchema('Checks of one number', 30, 3600),
    checks_per_client_ip: BudgetSchema('Checks from one end-user IP (client_ip)', 60, 3600),
    checks_per_service: BudgetSchema('Checks of the whole service', 1200, 60),
    requests_per_source_ip: BudgetSchema('Starts and checks from one connecting address (usually your backend)', 1200, 60),
  },
  { additionalProperties: false, description: 'Velocity limits; a PATCH may give only the budgets it changes. Refusals are 429 rate_limited with RateLimit headers.' },
);

export const PumpingGuardSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('enforce'), Type.Literal('monitor'), Type.Literal('off')], { description: 'enforce blocks; monitor only records and reports. Default enforce' }),
    window_minutes: Type.Integer({ minimum: 6, maximum: 1440, multipleOf: 6, description: 'Recent window, minutes. Default 60' }),
    baseline_hours: Type.Integer({ minimum: 1, maximum: 168, description: 'How far back the baseline reaches, hours. Default 24' }),
    min_sends: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'No block below this many sends in the window. Default 20' }),
    spike_factor: Type.Number({ minimum: 1, maximum: 1000, description: 'Block only at this multiple of the baseline. Default 4' }),
    max_conversion: Type.Number({ minimum: 0, maximum: 1, description: 'Block only when approvals/sends is below this. Default 0.1' }),
    block_hours: Type.Integer({ minimum: 1, maximum: 720, description: 'Block length, hours. Default 12' }),
  },
  { additionalProperties: false, description: 'SMS-pumping guard per destination prefix (docs/abuse.md)' },
);

export const ServiceSettingsSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64, description: 'Shown in the SMS as {service}', examples: ['Acme'] }),
  code_length: Type.Integer({ minimum: 4, maximum: 10, description: 'Digits per code. Default 6', examples: [6] }),
  ttl_seconds: Type.Integer({ minimum: 30, maximum: 86400, description: 'Code lifetime in seconds. Default 300; above 600 needs allow_long_ttl', examples: [300] }),
  allow_long_ttl: Type.Boolean({ description: 'Opt in to ttl_seconds above 600 (NIST SP 800-63B caps out-of-band codes at 10 minutes). Default false', examples: [false] }),
  max_check_attempts: Type.Integer({ minimum: 1, maximum: 20, description: 'Checks per verification, right or wrong. Default 5', examples: [5] }),
  max_sends: Type.Integer({ minimum: 1, maximum: 20, description: 'SMS per verification, first send included. Default 5', examples: [5] }),
  resend_cooldown_seconds: Type.Integer({ minimum: 0, maximum: 3600, description: 'Seconds between two sends of one verification. Default 30', examples: [30] }),
  default_locale: Nullable(Type.String({ maxLength: 16 }), { description: `Locale when a request names none; null picks it from the number's country (and a Quebec area code). ${LOCALE_LIST}`, examples: ['en'] }),
  webotp_domain: Nullable(Type.String({ maxLength: 253 }), { description: 'Adds the WebOTP line "@<domain> #<code>" as the last line', examples: ['acme.com'] }),
  android_app_hash: Nullable(Type.String({ minLength: 11, maxLength: 11 }), { description: 'Android SMS Retriever app hash (11 characters)', examples: ['FA+9qCX9VSu'] }),
  test_numbers: Type.Record(Type.String({ pattern: '^\\+[1-9]\\d{1,14}$' }), Type.String({ pattern: '^\\d{4,10}$' }), {
    description: 'E.164 number → fixed code; nothing is sent to these numbers',
    examples: [{ '+15005550006': '123456' }],
  }),
  custom_code_enabled: Type.Boolean({
    description: 'Allow starts to bring their own code (custom_code / Twilio CustomCode); such verifications may also be approved by your backend. Default false',
    examples: [false],
  }),
  do_not_share_warning: Type.Boolean({
    description: 'End the built-in SMS text with its "do not share" sentence ("Do not share it." in the number\'s language; Twilio DoNotShareWarningEnabled). Your own templates are sent as written. Default true',
    examples: [true],
  }),
  webhook_endpoints_max: Type.Integer({
    minimum: 1, maximum: 100,
    description: 'Webhook endpoints the service may register in each mode (each event is written with one delivery per matching endpoint). Default 10',
    examples: [10],
  }),
  velocity_limits: VelocityLimitsSchema,
  failed_checks_per_phone_per_day: Type.Integer({ minimum: 1, maximum: 100, description: 'Wrong codes for one number across verifications in any 24 h (rule B2). Default 20', examples: [20] }),
  allowed_countries: Nullable(Type.Array(Type.String({ pattern: '^[A-Za-z]{2}$' }), { maxItems: 250 }), { description: 'Countries SMS may go to (ISO 3166-1 alpha-2); null allows all. Others get 403 country_not_allowed. Default null', examples: [['US', 'CA', 'GB']] }),
  safelist: Type.Array(Type.String({ pattern: '^\\+[1-9]\\d{1,14}$' }), { maxItems: 1000, description: 'Numbers that pass geo permissions, the prefix limit, VoIP refusal and the pumping guard. Default []', examples: [['+14155550123']] }),
  refuse_voip: Type.Boolean({ description: 'Refuse numbers the numbering plan marks as VoIP. Default false', examples: [false] }),
  daily_message_cap: NullableNumber({ integer: true, minimum: 1, maximum: 100_000_000, description: 'SMS per UTC day; null for none. 429 quota_exceeded beyond, a warning at 80 %. Default 10000', examples: [10000] }),
  sms_prices: Type.Record(Type.String({ pattern: '^([A-Z]{2}|\\*)$' }), Type.Number({ minimum: 0, maximum: 100 }), { description: 'Price of one SMS per country ("*" for the rest), for daily_spend_cap. Default {}', examples: [{ US: 0.0079, GB: 0.04, '*': 0.1 }] }),
  daily_spend_cap: NullableNumber({ exclusiveMinimum: 0, maximum: 1e9, description: 'Spend per UTC day in the currency of sms_prices; null for none. Default null', examples: [50] }),
  adaptive_limits: Type.Boolean({
    description: 'Let approved traffic raise the budgets you have not set yourself (see fixed_limits): sends_per_service and daily_message_cap to 15× the sends of codes otpgate made and people approved in the busiest hour / day of the last 7 days, sends_per_prefix by 2 per approval of the prefix in the last hour; each up to 15× its value. false keeps every budget as it is. Default true',
    examples: [true],
  }),
  fixed_limits: Type.Array(Type.Union([Type.Literal('daily_message_cap'), Type.Literal('sends_per_prefix'), Type.Literal('sends_per_service')]), {
    uniqueItems: true,
    description: 'The adaptive budgets you set yourself: each stays exactly as set, whatever adaptive_limits says. A budget joins the list when a create or PATCH gives it (even at its default value), unless that request gives fixed_limits too; PATCH the list to let one adapt again. Default []',
    examples: [['daily_message_cap']],
  }),
  pumping_guard: PumpingGuardSchema,
  ...ChannelSettingsProperties,
});

// Nested settings may be given in part: only the budgets or guard fields named change.
const NestedPartial = Type.Object({
  velocity_limits: Type.Partial(VelocityLimitsSchema, { additionalProperties: false }),
  pumping_guard: Type.Partial(PumpingGuardSchema, { additionalProperties: false }),
});

export const ServiceCreateOrPatchFields = Type.Composite([Type.Omit(ServiceSettingsSchema, ['name', 'velocity_limits', 'pumping_guard']), NestedPartial]);

// No `default` keywords in settings schemas: the validator would write them into PATCH bodies.
export const ServiceCreateBody = Type.Composite(
  [Type.Pick(ServiceSettingsSchema, ['name']), Type.Partial(ServiceCreateOrPatchFields)],
  { additionalProperties: false },
);

export const ServicePatchBody = Type.Partial(
  Type.Composite([Type.Pick(ServiceSettingsSchema, ['name']), ServiceCreateOrPatchFields]),
  { additionalProperties: false, minProperties: 1 },
);

export const Service = Type.Composite(
  [
    Type.Object({
      id: Type.String({ description: 'Service id', examples: ['svc_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
      twilio_service_sid: Type.String({ description: 'The same service as a Twilio Verify service SID, for /v2 and the Twilio SDKs', examples: ['VA0123456789abcdef0123456789abcdef'] }),
      twilio_account_sid: Type.String({ description: 'The account SID of this service for /v2 (credentials: POST /v1/services/{id}/basic-credentials)', examples: ['AC0123456789abcdef0123456789abcdef'] }),
      created_at: IsoTime('Creation time'),
      updated_at: IsoTime('Last change'),
      test_numbers: Type.Record(Type.String({ pattern: '^\\+[1-9]\\d{1,14}$' }), Type.String({ pattern: '^(\\d{4,10}|\\*{4,10})$' }), {
        description:
          'E.164 number → fixed code; nothing is sent to these numbers. Admin keys see the codes; a key of the service sees each code as ' +
          'asterisks, so a test-mode key (or anyone holding a service key) cannot sign in as the account a test number belongs to',
        examples: [{ '+15005550006': '123456' }],
      }),
    }),
    Type.Omit(ServiceSettingsSchema, ['test_numbers']),
  ],
  { $id: 'Service' },
);

export const ApiKey = Type.Object(
  {
    id: Type.String({ examples: ['key_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
    service_id: Nullable(Type.String(), { description: 'The service the key belongs to; null for admin keys' }),
    kind: Type.Union([Type.Literal('admin'), Type.Literal('service')], { description: 'admin keys manage services; service keys run verifications' }),
    mode: Type.Union([Type.Literal('live'), Type.Literal('test')], { description: 'test keys work in the service\'s test world: test data only, SMS to the dev outbox only', examples: ['live'] }),
    source: Type.Union([Type.Literal('env'), Type.Literal('generated'), Type.Literal('issued')], {
      description: 'env: the admin key OTPGATE_ADMIN_KEY holds (revoked at start once the variable no longer holds it); generated: printed at first start; issued: made through the API or the CLI',
      examples: ['issued'],
    }),
    scheme: Type.Union([Type.Literal('bearer'), Type.Literal('basic')], {
      description: 'bearer: sent as Authorization: Bearer <key>; basic: Basic credentials (SID and secret) of the Twilio-compatible surface. Neither is accepted as the other',
      examples: ['bearer'],
    }),
    name: Nullable(Type.String(), { description: 'A label given at creation', examples: ['backend-prod'] }),
    prefix: Type.String({ description: 'First characters of the key, to recognise it (4 of a key set through OTPGATE_ADMIN_KEY)', examples: ['og_live_Ab3x'] }),
    created_at: IsoTime('Creation time'),
    revoked_at: Nullable(Type.String({ format: 'date-time' }), { description: 'When it was revoked; null while active' }),
  },
  { $id: 'ApiKey' },
);

export const IssuedAdminKey = Type.Object({
  id: Type.String({ examples: ['key_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  key: Type.String({ description: 'The admin key. Shown once: store it now.', examples: ['og_admin_4hQeVd0cYkq1bT3dFQ2bJm4Y7s9KxW1z'] }),
  name: Nullable(Type.String(), { description: 'A label given at creation', examples: ['ops-alice'] }),
  prefix: Type.String({ description: 'First characters of the key, to recognise it in lists', examples: ['og_admin_4hQe'] }),
  created_at: IsoTime('Creation time'),
});

export const AuditRecordSchema = Type.Object({
  id: Type.String({ examples: ['aud_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  at: IsoTime('When the change was made'),
  actor: Type.Object({
    kind: Type.Union([Type.Literal('admin_key'), Type.Literal('service_key'), Type.Literal('cli'), Type.Literal('system')], {
      description: 'admin_key / service_key: through the API; cli: `otpgate` on the server; system: otpgate at start (OTPGATE_ADMIN_KEY changes, the first admin key)',
      examples: ['admin_key'],
    }),
    key_id: Nullable(Type.String(), { description: 'The key that made the change', examples: ['key_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
    mode: Nullable(Type.Union([Type.Literal('live'), Type.Literal('test')]), { description: 'The key\'s mode', examples: ['live'] }),
  }, { description: 'Who made the change' }),
  action: Type.String({ description: 'What was done (docs/api.md lists every action)', examples: ['service.updated'] }),
  service_id: Nullable(Type.String(), { description: 'The service concerned; null for admin keys', examples: ['svc_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  target_id: Nullable(Type.String(), { description: 'What was acted on: a service, key, endpoint, template locale, rate limit…', examples: ['svc_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  before: Type.Unknown({ description: 'The settings before the change, as the API shows them (secrets never); null where there was none', examples: [{ ttl_seconds: 300 }] }),
  after: Type.Unknown({ description: 'The settings after the change; null for deletions and revocations', examples: [{ ttl_seconds: 600 }] }),
  request_id: Nullable(Type.String(), { description: 'The request that made it (X-Request-Id)', examples: ['req_3f9k2m8q7r6t'] }),
  source_ip: Nullable(Type.String(), { description: 'Where the request came from', examples: ['203.0.113.7'] }),
});

export const IssuedKey = Type.Object({
  id: Type.String({ examples: ['key_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  key: Type.String({ description: 'The secret key. Shown once: store it now.', examples: ['og_live_4hQeVd0cYkq1bT3dFQ2bJm4Y7s9KxW1z'] }),
  service_id: Type.String({ description: 'The service the key belongs to', examples: ['svc_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  name: Nullable(Type.String(), { description: 'A label given at creation', examples: ['backend-prod'] }),
  prefix: Type.String({ description: 'First characters of the key, to recognise it in lists', examples: ['og_live_4hQe'] }),
  mode: Type.Union([Type.Literal('live'), Type.Literal('test')], { description: 'test (sandbox) keys send to the dev outbox only', examples: ['live'] }),
  created_at: IsoTime('Creation time'),
});

export const ContextSchema = Type.Record(
  Type.String({ minLength: 1, maxLength: 64 }),
  Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean()]),
  {
    maxProperties: 20,
    description: 'Transaction binding: the same flat object must be repeated exactly at check (amount, payee, action…)',
    examples: [{ action: 'payment', amount: '49.90 EUR', payee: 'ACME Ltd' }],
  },
);

export const StartBody = Type.Object(
  {
    to: Type.String({ minLength: 1, maxLength: 254, description: 'Phone number (E.164, or a national format with "country"); an email address for the email channel', examples: ['+14155550123'] }),
    country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2 hint for national formats', examples: ['US'] })),
    channel: Type.Optional(ChannelSchema('How to send the code; it must be in the service\'s channels. On a resend (a start while one is pending), the channel of this send. Default sms')),
    locale: Type.Optional(Type.String({ minLength: 2, maxLength: 16, description: `Message language; default from the service, then the number's country. ${LOCALE_LIST}`, examples: ['es'] })),
    context: Type.Optional(ContextSchema),
    client_ip: Type.Optional(Type.String({ maxLength: 45, description: 'The end user\'s IP address as your backend saw it', examples: ['203.0.113.7'] })),
    custom_code: Type.Optional(Type.String({ pattern: '^\\d{4,10}$', description: 'Your own 4–10 digit code instead of ours (service setting custom_code_enabled); such a verification may be approved with POST /v1/verifications/{id}/approve', examples: ['482915'] })),
    rate_limits: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ minLength: 1, maxLength: 256 }), {
      maxProperties: 20,
      description: 'Rate limit unique name → value (an IP, a user id) counted against that limit\'s buckets (defined through /v2/Services/{sid}/RateLimits)',
      examples: [{ end_user_ip_address: '203.0.113.7' }],
    })),
    friendly_name: Type.Optional(Type.String({ minLength: 1, maxLength: 30, description: 'Shown instead of the service name in this SMS', examples: ['Acme Pay'] })),
    app_hash: Type.Optional(Type.String({ minLength: 11, maxLength: 11, description: 'Android SMS Retriever hash for this SMS, instead of the service\'s', examples: ['FA+9qCX9VSu'] })),
  },
  { additionalProperties: false },
);

export const CheckBody = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 40, description: 'Verification id (or give "to")', examples: ['ver_01jf3k9x2m8q7r6t5v4w3y2z1a'] })),
    to: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'Phone number (or email address): checks its latest verification with this context', examples: ['+14155550123'] })),
    country: Type.Optional(Type.String({ pattern: '^[A-Za-z]{2}$', description: 'ISO 3166-1 alpha-2 hint when "to" is in a national format', examples: ['US'] })),
    code: Type.String({ minLength: 1, maxLength: 20, description: 'The code the person typed', examples: ['123456'] }),
    context: Type.Optional(ContextSchema),
    client_ip: Type.Optional(Type.String({ maxLength: 45, description: 'The end user\'s IP address as your backend saw it (checks_per_client_ip)', examples: ['203.0.113.7'] })),
  },
  { additionalProperties: false },
);

export const Send = Type.Object({
  message_id: Type.String({ description: 'Stable id of this message; the same on a retry after a crash', examples: ['msg_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  channel: ChannelSchema('How this message went (a resend or a fallback may use another channel than the first)'),
  at: IsoTime('When the send was requested'),
  status: Type.Union(MESSAGE_STATUSES.map((s) => Type.Literal(s)), { description: 'queued → sending → sent → delivered | undelivered; failed, expired, suppressed (test number)' }),
  provider: Nullable(Type.String(), { description: 'The provider (by configured name) that last handled it', examples: ['twilio'] }),
  error_code: Nullable(Type.String(), { description: 'Provider or delivery error code, if any', examples: ['30003'] }),
});

/** The world a resource lives in: the mode of the key that made it (docs/api.md, "Test mode"). */
const ModeSchema = (what: string) =>
  Type.Union([Type.Literal('live'), Type.Literal('test')], { description: `${what}: test is seen only by test-mode keys, live only by live ones`, examples: ['live'] });

const VerificationStatusSchema = Type.Union(VERIFICATION_STATUSES.map((s) => Type.Literal(s)), {
  description: 'pending → approved | expired | canceled | max_attempts_reached | failed',
  examples: ['pending'],
});

export const Verification = Type.Object(
  {
    id: Type.String({ examples: ['ver_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
    service_id: Type.String({ examples: ['svc_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
    mode: ModeSchema('The mode of the key that started it'),
    to: Type.String({ description: 'E.164 phone number, or the email address of an email verification', examples: ['+14155550123'] }),
    country: Nullable(Type.String(), { description: 'ISO 3166-1 alpha-2 region of the number (null for email)', examples: ['US'] }),
    channel: ChannelSchema('The channel the verification was started on (each send names its own)'),
    status: VerificationStatusSchema,
    locale: Type.String({ examples: ['en'] }),
    expires_at: IsoTime('The code is refused from this instant on'),
    attempts_remaining: Type.Integer({ description: 'Checks left', examples: [5] }),
    sends: Type.Array(Send, { description: 'Every message sent for this verification (on any channel, fallbacks included), oldest first (empty in lists)' }),
    resend_available_at: Nullable(Type.String({ format: 'date-time' }), { description: 'Earliest resend; null when no more sends are allowed' }),
    created_at: IsoTime('Creation time'),
    updated_at: IsoTime('Last change'),
  },
  { $id: 'Verification' },
);

export const CheckResult = Type.Object({
  id: Type.String({ examples: ['ver_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  to: Type.String({ description: 'E.164 phone number, or the email address of an email verification', examples: ['+14155550123'] }),
  status: VerificationStatusSchema,
  valid: Type.Boolean({ description: 'True only for the check that approved the verification', examples: [true] }),
  attempts_remaining: Type.Integer({ examples: [4] }),
  expires_at: IsoTime('Expiry of the code'),
});

export const OutboxEntry = Type.Object({
  id: Type.String({ examples: ['obx_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  channel: ChannelSchema('The channel it would have gone by'),
  to: Type.String({ description: 'E.164 phone number, or an email address', examples: ['+14155550123'] }),
  body: Type.String({ description: 'The message as text: the SMS; the WhatsApp template\'s text; what a call says; an email\'s subject, a blank line and its text', examples: ['123456 is your Acme verification code. Do not share it.'] }),
  verification_id: Type.String({ description: 'The verification this message belongs to', examples: ['ver_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  message_id: Type.String({ description: 'The message id shown in the verification\'s sends', examples: ['msg_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  created_at: IsoTime('When it was "sent"'),
});

export const PrefixBlockSchema = Type.Object({
  prefix: Type.String({ description: '+ and the leading digits of the blocked range', examples: ['+447400'] }),
  mode: Type.Union([Type.Literal('enforced'), Type.Literal('monitor')], { description: 'enforced blocks sends; monitor only records what would have been blocked' }),
  reason: Type.String({ examples: ['41 sends and 0 approvals in 60 min; baseline 0 sends per window'] }),
  sends: Type.Integer({ description: 'Sends in the recent window when the block started' }),
  approvals: Type.Integer({ description: 'Approvals in the same window' }),
  baseline_per_window: Type.Number({ description: 'The prefix\'s usual sends per window' }),
  created_at: IsoTime('When the block started'),
  expires_at: IsoTime('When it ends by itself'),
});

export const PageOf = <T extends TSchema>(item: T) =>
  Type.Object({
    data: Type.Array(item, { description: 'This page, newest first' }),
    next_cursor: Nullable(Type.String(), { description: 'Pass as ?cursor= for the next page; null on the last page' }),
  });

export const ListQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'From next_cursor of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Items per page' })),
});

export const IdParam = Type.Object({ id: Type.String({ maxLength: 64 }) });

// ── events and webhooks ─────────────────────────────────────────────────────────────────
export const EventTypeSchema = Type.Union(EVENT_TYPES.map((t) => Type.Literal(t)), {
  description: 'Event type (see docs/webhooks.md for each payload)',
  examples: ['verification.approved'],
});

export const Event = Type.Object(
  {
    id: Type.String({ description: 'Event id; also the webhook-id header of its deliveries', examples: ['evt_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
    type: EventTypeSchema,
    timestamp: IsoTime('When it happened'),
    service_id: Type.String({ examples: ['svc_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
    mode: ModeSchema('The mode of what it is about; delivered only to endpoints registered in that mode'),
    data: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The resource as the event left it. Never holds a code.',
      examples: [{ id: 'ver_01jf3k9x2m8q7r6t5v4w3y2z1a', to: '+14155550123', status: 'approved', attempts: 1, attempts_remaining: 4 }],
    }),
  },
  { $id: 'Event' },
);

export const EventListQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 64, description: 'Newest first: next_cursor of the previous page (an event id)' })),
  after: Type.Optional(Type.String({ maxLength: 64, description: 'Catch up: events after this event id, oldest first', examples: ['evt_01jf3k9x2m8q7r6t5v4w3y2z1a'] })),
  type: Type.Optional(EventTypeSchema),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Items per page' })),
});

export const EventPage = Type.Object({
  data: Type.Array(Type.Ref('Event'), { description: 'Newest first; with ?after=, oldest first' }),
  next_cursor: Nullable(Type.String(), {
    description: 'Newest first: pass as ?cursor= for older events, null at the end. With ?after=: the id to pass as ?after= next time (never null)',
  }),
  has_more: Type.Boolean({ description: 'Another page is ready now' }),
});

const WebhookUrl = Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL that receives POSTs; its host must be a public address unless the operator allows its network (OTPGATE_WEBHOOK_ALLOWED_NETWORKS)', examples: ['https://api.acme.com/otpgate/webhooks'] });
const EventTypeFilter = Type.Array(EventTypeSchema, { maxItems: EVENT_TYPES.length * 2, description: 'Only these event types; empty = all', examples: [['verification.approved', 'verification.expired']] });

export const WebhookCreateBody = Type.Object(
  {
    url: WebhookUrl,
    description: Type.Optional(Nullable(Type.String({ maxLength: 200 }), { examples: ['production backend'] })),
    event_types: Type.Optional(EventTypeFilter),
    enabled: Type.Optional(Type.Boolean({ description: 'Default true', examples: [true] })),
  },
  { additionalProperties: false },
);

export const WebhookPatchBody = Type.Partial(WebhookCreateBody, { additionalProperties: false, minProperties: 1 });

export const WebhookEndpoint = Type.Object(
  {
    id: Type.String({ examples: ['whe_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
    mode: ModeSchema('The mode of the key that registered it; it receives events of that mode only'),
    url: WebhookUrl,
    description: Nullable(Type.String(), { description: 'A note for people', examples: ['production backend'] }),
    event_types: EventTypeFilter,
    enabled: Type.Boolean({ description: 'Disabled endpoints get no new events', examples: [true] }),
    disabled_reason: Nullable(Type.String(), { description: '"gone" when the receiver answered 410', examples: [null] }),
    previous_secret_expires_at: Nullable(Type.String({ format: 'date-time' }), { description: 'During a rotation: until when the previous secret also signs' }),
    created_at: IsoTime('Creation time'),
    updated_at: IsoTime('Last change'),
  },
  { $id: 'WebhookEndpoint' },
);

export const IssuedWebhookEndpoint = Type.Composite([
  Type.Omit(WebhookEndpoint, ['$id']),
  Type.Object({
    secret: Type.String({ description: 'The signing secret. Shown once: store it now.', examples: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo='] }),
  }),
]);

export const RotateBody = Type.Object(
  {
    overlap_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 604_800, description: 'How long the current secret keeps signing too. Default 86400', examples: [86400] })),
  },
  { additionalProperties: false },
);

export const WebhookAttempt = Type.Object({
  id: Type.String({ examples: ['wha_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  event_id: Type.String({ examples: ['evt_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  event_type: EventTypeSchema,
  delivery_id: Type.String({ examples: ['whd_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  attempt: Type.Integer({ description: '1 for the first try of a delivery (a manual redelivery starts again at 1)', examples: [1] }),
  status_code: Nullable(Type.Integer(), { description: 'HTTP status of the answer; null when none came', examples: [200] }),
  latency_ms: Type.Integer({ examples: [42] }),
  error: Nullable(Type.String(), { description: 'timeout, connection_failed, destination_not_allowed, http_<status>, endpoint_disabled, secret_unreadable; null on success', examples: [null] }),
  created_at: IsoTime('When the attempt ended'),
});

export const RedeliverBody = Type.Object(
  { event_id: Type.String({ maxLength: 64, description: 'The event to send again', examples: ['evt_01jf3k9x2m8q7r6t5v4w3y2z1a'] }) },
  { additionalProperties: false },
);

export const RedeliveryQueued = Type.Object({
  delivery_id: Type.String({ examples: ['whd_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  event_id: Type.String({ examples: ['evt_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  endpoint_id: Type.String({ examples: ['whe_01jf3k9x2m8q7r6t5v4w3y2z1a'] }),
  status: Type.Literal('pending', { description: 'Queued; the outcome appears in the delivery log' }),
});
