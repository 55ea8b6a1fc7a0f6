import { Type } from '@sinclair/typebox';
import type { TSchema } from '@sinclair/typebox';

/**
 * Schemas of the Twilio-compatible surface: PascalCase parameters in, Twilio's snake_case
 * resources out (field names and shapes as in Twilio's Verify v2 OpenAPI description). Unknown
 * parameters are accepted and ignored, as Twilio does.
 */
const d = (description: string, examples?: unknown[]) => (examples ? { description, examples } : { description });
const Nullable = <T extends TSchema>(schema: T, description: string) => Type.Union([schema, Type.Null()], { description });
const Sid = (prefix: string, description: string) => Type.String(d(description, [`${prefix}0123456789abcdef0123456789abcdef`]));
const Time = (description: string) => Type.String({ format: 'date-time', description, examples: ['2026-11-25T21:05:00Z'] });
const Loose = (description: string) => Type.Object({}, { additionalProperties: true, description });
const Bool = (description: string) => Type.Optional(Type.Boolean(d(description)));

export const TwilioError = Type.Object(
  {
    code: Type.Integer(d('Twilio error code: 60200 invalid parameter, 60202 max check attempts, 60203 max send attempts, 60204 not supported, 20003 authentication, 20404 not found…', [60202])),
    message: Type.String(d('What went wrong', ['Max check attempts reached'])),
    more_info: Type.String(d('Twilio\'s page for the code', ['https://www.twilio.com/docs/errors/60202'])),
    status: Type.Integer(d('HTTP status', [429])),
    details: Type.Optional(Type.Object({
      code: Type.String(d('otpgate\'s error code (the native API\'s `code`)', ['verification_expired'])),
      message: Type.String(d('otpgate\'s explanation', ['This verification expired.'])),
    }, d('What the SDKs show as RestException.details (Node.js) and TwilioRestException.details (Python)'))),
  },
  { $id: 'TwilioError', description: 'Twilio\'s error body' },
);

export const twilioErrors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, Type.Ref('TwilioError', { description: 'Twilio error body' })]));

export const ServiceSidParam = Type.Object({ ServiceSid: Type.String({ maxLength: 64 }) });
export const SidParams = Type.Object({ ServiceSid: Type.String({ maxLength: 64 }), Sid: Type.String({ maxLength: 64 }) });

export const PageQuery = {
  PageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Items per page (default 50)' })),
  Page: Type.Optional(Type.Integer({ minimum: 0, description: 'Page number, informative; follow next_page_url' })),
  PageToken: Type.Optional(Type.String({ maxLength: 200, description: 'Where the page starts; from next_page_url' })),
};

const HexSid = (prefix: string, description: string) => Type.String({ pattern: `^${prefix}[0-9a-fA-F]{32}$`, description });
const Fixed = (description: string) => Bool(`${description}; any other value answers 60204`);

const serviceParams = {
  FriendlyName: Type.String({
    minLength: 1, maxLength: 32,
    description: 'The service name, shown in the SMS: at most 32 characters, no URL and at most 4 digits', examples: ['Acme'],
  }),
  CodeLength: Type.Optional(Type.Integer({ minimum: 4, maximum: 10, description: 'Digits per code (4–10)', examples: [6] })),
  CustomCodeEnabled: Bool('Allow CustomCode on verifications'),
  LookupEnabled: Fixed('Only false: no carrier lookup'),
  SkipSmsToLandlines: Fixed('Only true: landlines are always refused (60205)'),
  Psd2Enabled: Fixed('Only true: Amount and Payee always bind the code'),
  DoNotShareWarningEnabled: Bool('The "do not share" sentence in the built-in texts (service setting do_not_share_warning)'),
  DtmfInputRequired: Fixed('Only false: calls read the code without waiting for a key press'),
  TtsName: Type.Optional(Type.String({ maxLength: 64, description: 'Text-to-speech voice of calls (service setting call_voice; the call provider\'s voice name)' })),
  VerifyEventSubscriptionEnabled: Fixed('Only false: use /v2/Services/{sid}/Webhooks'),
  DefaultTemplateSid: Type.Optional(HexSid('HJ', 'The service\'s own template (its HJ SID, see /v2/Templates), or the built-in one while the service has no texts of its own')),
};

export const ServiceCreateBody = Type.Object(serviceParams, { additionalProperties: true });
export const ServiceUpdateBody = Type.Partial(Type.Object(serviceParams), { additionalProperties: true });

export const TwilioService = Type.Object(
  {
    sid: Sid('VA', 'Service SID (VA + the otpgate service id in hex)'),
    account_sid: Sid('AC', 'Account SID of the service'),
    friendly_name: Type.String(d('Service name', ['Acme'])),
    code_length: Type.Integer(d('Digits per code', [6])),
    lookup_enabled: Type.Boolean(d('Always false: no carrier lookup')),
    psd2_enabled: Type.Boolean(d('Always true: Amount/Payee binding is always on')),
    skip_sms_to_landlines: Type.Boolean(d('Always true: landlines are refused')),
    dtmf_input_required: Type.Boolean(d('Always false (no voice channel)')),
    tts_name: Nullable(Type.String(), 'Always null (no voice channel)'),
    do_not_share_warning_enabled: Type.Boolean(d('Always true: the built-in texts warn')),
    custom_code_enabled: Type.Boolean(d('Whether CustomCode is allowed')),
    push: Nullable(Loose('Unused'), 'Always null'),
    totp: Nullable(Loose('Unused'), 'Always null'),
    default_template_sid: Nullable(Type.String(), 'The service\'s template (HJ…): its own texts over the built-in ones'),
    whatsapp: Nullable(Loose('Unused'), 'Always null'),
    passkeys: Nullable(Loose('Unused'), 'Always null'),
    verify_event_subscription_enabled: Type.Boolean(d('Always false')),
    date_created: Time('Creation time'),
    date_updated: Time('Last change'),
    url: Type.String(d('Absolute URL of this resource')),
    links: Type.Record(Type.String(), Type.String(), d('Sub-resources')),
  },
  { $id: 'TwilioService', description: 'A Twilio Verify service: one otpgate service' },
);

export const VerificationCreateBody = Type.Object(
  {
    To: Type.String({ minLength: 1, maxLength: 254, description: 'Phone number in E.164, or an email address for Channel=email', examples: ['+14155550123'] }),
    Channel: Type.String({ maxLength: 16, description: 'sms, whatsapp, call or email (one of the service\'s channels); sna and auto answer 60204', examples: ['sms'] }),
    Locale: Type.Optional(Type.String({ maxLength: 16, description: 'Message language', examples: ['es'] })),
    CustomCode: Type.Optional(Type.String({ maxLength: 10, description: 'Your own 4–10 digit code (service must allow it)', examples: ['482915'] })),
    CustomFriendlyName: Type.Optional(Type.String({ maxLength: 30, description: 'Shown instead of the service name in this SMS: no URL, at most 4 digits', examples: ['Acme Pay'] })),
    TemplateSid: Type.Optional(HexSid('HJ', 'The service\'s template (the only one a start may name; see DefaultTemplateSid)')),
    Amount: Type.Optional(Type.String({ maxLength: 256, description: 'Binds the code to this amount (PSD2)', examples: ['€49.90'] })),
    Payee: Type.Optional(Type.String({ maxLength: 256, description: 'Binds the code to this payee (PSD2)', examples: ['ACME Ltd'] })),
    AppHash: Type.Optional(Type.String({ maxLength: 11, description: 'Android SMS Retriever hash for this SMS', examples: ['FA+9qCX9VSu'] })),
    DeviceIp: Type.Optional(Type.String({ maxLength: 45, description: 'The end user\'s IP address', examples: ['203.0.113.7'] })),
    RateLimits: Type.Optional(Type.String({ maxLength: 8192, description: 'JSON object: rate limit unique name → value counted against its buckets', examples: ['{"end_user_ip_address":"203.0.113.7"}'] })),
  },
  { additionalProperties: true },
);

export const VerificationUpdateBody = Type.Object(
  { Status: Type.Union([Type.Literal('canceled'), Type.Literal('approved')], d('canceled, or approved (custom-code verifications only)', ['canceled'])) },
  { additionalProperties: true },
);

export const TwilioVerification = Type.Object(
  {
    sid: Sid('VE', 'Verification SID'),
    service_sid: Sid('VA', 'Service SID'),
    account_sid: Sid('AC', 'Account SID'),
    to: Type.String(d('E.164 number', ['+14155550123'])),
    channel: Type.String(d('sms, whatsapp, call or email: the channel it was started on', ['sms'])),
    status: Type.String(d('pending, approved, canceled, expired, max_attempts_reached or failed', ['pending'])),
    valid: Type.Boolean(d('True once approved')),
    lookup: Loose('Always empty: no carrier lookup'),
    amount: Nullable(Type.String(), 'The Amount given to this request (not stored in clear)'),
    payee: Nullable(Type.String(), 'The Payee given to this request (not stored in clear)'),
    send_code_attempts: Type.Array(
      Type.Object({
        attempt_sid: Sid('VL', 'Attempt SID'),
        channel: Type.String(d('sms, whatsapp, call or email', ['sms'])),
        time: Time('When the send was requested'),
      }),
      d('Each send of the code'),
    ),
    date_created: Time('Creation time'),
    date_updated: Time('Last change'),
    sna: Nullable(Loose('Unused'), 'Always null'),
    url: Type.String(d('Absolute URL of this resource')),
  },
  { $id: 'TwilioVerification', description: 'A Twilio Verify verification: one otpgate verification' },
);

export const VerificationCheckBody = Type.Object(
  {
    Code: Type.String({ minLength: 1, maxLength: 20, description: 'The code the person typed', examples: ['123456'] }),
    To: Type.Optional(Type.String({ maxLength: 254, description: 'Phone number or email address (or give VerificationSid)', examples: ['+14155550123'] })),
    VerificationSid: Type.Optional(Type.String({ maxLength: 64, description: 'Verification SID (or give To)' })),
    Amount: Type.Optional(Type.String({ maxLength: 256, description: 'Repeat the Amount of the start', examples: ['€49.90'] })),
    Payee: Type.Optional(Type.String({ maxLength: 256, description: 'Repeat the Payee of the start', examples: ['ACME Ltd'] })),
    DeviceIp: Type.Optional(Type.String({
      maxLength: 45,
      description: 'otpgate extension (Twilio has none here, and its SDKs do not send it): the end user\'s IP address, counted by checks_per_client_ip as on /v1',
      examples: ['203.0.113.7'],
    })),
  },
  { additionalProperties: true },
);

export const TwilioVerificationCheck = Type.Object({
  sid: Sid('VE', 'Verification SID'),
  service_sid: Sid('VA', 'Service SID'),
  account_sid: Sid('AC', 'Account SID'),
  to: Type.String(d('E.164 number', ['+14155550123'])),
  channel: Type.String(d('sms, whatsapp, call or email: the channel it was started on', ['sms'])),
  status: Type.String(d('approved; pending after a wrong code; max_attempts_reached after the last wrong one', ['approved'])),
  valid: Type.Boolean(d('True only for the check that approved')),
  amount: Nullable(Type.String(), 'The Amount given'),
  payee: Nullable(Type.String(), 'The Payee given'),
  date_created: Time('Creation time of the verification'),
  date_updated: Time('Last change'),
  sna_attempts_error_codes: Type.Array(Loose('Unused'), d('Always empty')),
});

export const TwilioAttempt = Type.Object(
  {
    sid: Sid('VL', 'Attempt SID (one send)'),
    account_sid: Sid('AC', 'Account SID'),
    service_sid: Sid('VA', 'Service SID'),
    verification_sid: Sid('VE', 'Verification SID'),
    date_created: Time('When the send was requested'),
    date_updated: Time('Last change of the send'),
    conversion_status: Type.String(d('converted when the verification was approved', ['converted'])),
    channel: Type.String(d('sms, whatsapp, call or email', ['sms'])),
    price: Nullable(Loose('Unused'), 'Always null'),
    channel_data: Type.Object(
      {
        verification_sid: Sid('VE', 'Verification SID'),
        to: Type.String(d('E.164 number', ['+14155550123'])),
        status: Type.String(d('confirmed or unconfirmed', ['confirmed'])),
        message_status: Type.String(d('otpgate message status: queued, sending, sent, delivered, undelivered, failed, expired', ['sent'])),
        error_code: Nullable(Type.String(), 'Provider or delivery error code'),
        country: Nullable(Type.String(), 'ISO 3166-1 alpha-2 of the number'),
        locale: Type.String(d('Message language', ['en'])),
      },
      d('SMS details'),
    ),
    url: Type.String(d('Absolute URL of this resource')),
  },
  { $id: 'TwilioAttempt', description: 'One send of a verification' },
);

export const TwilioRateLimit = Type.Object(
  {
    sid: Sid('RK', 'Rate limit SID'),
    service_sid: Sid('VA', 'Service SID'),
    account_sid: Sid('AC', 'Account SID'),
    unique_name: Type.String(d('The key a start gives a value for in RateLimits', ['end_user_ip_address'])),
    description: Nullable(Type.String(), 'Free text'),
    date_created: Time('Creation time'),
    date_updated: Time('Last change'),
    url: Type.String(d('Absolute URL of this resource')),
    links: Type.Record(Type.String(), Type.String(), d('Sub-resources')),
  },
  { $id: 'TwilioRateLimit', description: 'A named limit of a service' },
);

export const TwilioBucket = Type.Object(
  {
    sid: Sid('BL', 'Bucket SID'),
    rate_limit_sid: Sid('RK', 'Rate limit SID'),
    service_sid: Sid('VA', 'Service SID'),
    account_sid: Sid('AC', 'Account SID'),
    max: Type.Integer(d('Starts allowed per value in each interval', [10])),
    interval: Type.Integer(d('Window length in seconds', [60])),
    date_created: Time('Creation time'),
    date_updated: Time('Last change'),
    url: Type.String(d('Absolute URL of this resource')),
  },
  { $id: 'TwilioBucket', description: 'At most max starts per value of its rate limit in each interval' },
);

export const PageMeta = Type.Object(
  {
    page: Type.Integer(d('Page number', [0])),
    page_size: Type.Integer(d('Items per page', [50])),
    first_page_url: Type.String(d('Absolute URL of the first page')),
    previous_page_url: Nullable(Type.String(), 'Always null: pages go forward'),
    url: Type.String(d('Absolute URL of this page')),
    next_page_url: Nullable(Type.String(), 'Absolute URL of the next page; null on the last'),
    key: Type.String(d('Name of the list member', ['services'])),
  },
  d('Twilio paging'),
);

export const PageOf = (key: string, item: TSchema) => Type.Object({ [key]: Type.Array(item, d(`The ${key}`)), meta: PageMeta });
