import type { FastifyRequest } from 'fastify';
import type { AttemptRecord, BucketRecord, MessageRecord, Mode, RateLimitRecord, ServiceRecord, VerificationRecord } from '../../../core/model.js';
import { accountSidFor } from '../../../core/tenancy.service.js';
import { sidOf } from './sids.js';
import { fixedServiceFields } from './twilio-service-params.js';

/** Records → Twilio's snake_case resources. Dates are ISO 8601 in whole seconds, as Twilio writes them. */
export const twilioTime = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** The absolute base (`http://host:port/v2`) that `url` and `next_page_url` are built on. */
export function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}/v2`;
}

/** The service as the caller's credentials see it: test credentials see the test account's SID. */
export function serviceResource(base: string, service: ServiceRecord, mode: Mode = 'live') {
  const sid = sidOf('VA', service.id);
  const url = `${base}/Services/${sid}`;
  return {
    sid,
    account_sid: accountSidFor(service.id, mode),
    friendly_name: service.settings.name,
    code_length: service.settings.code_length,
    ...fixedServiceFields(),
    do_not_share_warning_enabled: service.settings.do_not_share_warning,
    tts_name: service.settings.call_voice,
    custom_code_enabled: service.settings.custom_code_enabled,
    push: null,
    totp: null,
    default_template_sid: sidOf('HJ', service.id),
    whatsapp: null,
    passkeys: null,
    date_created: twilioTime(service.createdAt),
    date_updated: twilioTime(service.updatedAt),
    url,
    links: {
      verification_checks: `${url}/VerificationCheck`,
      verifications: `${url}/Verifications`,
      rate_limits: `${url}/RateLimits`,
      webhooks: `${url}/Webhooks`,
      messaging_configurations: `${url}/MessagingConfigurations`,
    },
  };
}

/** Amount and payee are only known to the request that gave them: the store keeps a digest of the context. */
export interface Binding {
  amount: string | null;
  payee: string | null;
}

const NO_BINDING: Binding = { amount: null, payee: null };

export function verificationResource(base: string, v: VerificationRecord, messages: MessageRecord[], binding: Binding = NO_BINDING) {
  const serviceSid = sidOf('VA', v.serviceId);
  const sid = sidOf('VE', v.id);
  return {
    sid,
    service_sid: serviceSid,
    account_sid: accountSidFor(v.serviceId, v.mode),
    to: v.to,
    channel: v.channel,
    status: v.status,
    valid: v.status === 'approved',
    lookup: {},
    amount: binding.amount,
    payee: binding.payee,
    send_code_attempts: messages
      .filter((m) => m.status !== 'suppressed')
      .map((m) => ({ attempt_sid: sidOf('VL', m.id), channel: m.channel, time: twilioTime(m.createdAt) })),
    date_created: twilioTime(v.createdAt),
    date_updated: twilioTime(v.updatedAt),
    sna: null,
    url: `${base}/Services/${serviceSid}/Verifications/${sid}`,
  };
}

export function verificationCheckResource(v: VerificationRecord, valid: boolean, binding: Binding) {
  return {
    sid: sidOf('VE', v.id),
    service_sid: sidOf('VA', v.serviceId),
    account_sid: accountSidFor(v.serviceId, v.mode),
    to: v.to,
    channel: v.channel,
    status: v.status,
    valid,
    amount: binding.amount,
    payee: binding.payee,
    date_created: twilioTime(v.createdAt),
    date_updated: twilioTime(v.updatedAt),
    sna_attempts_error_codes: [],
  };
}

export function rateLimitResource(base: string, r: RateLimitRecord) {
  const serviceSid = sidOf('VA', r.serviceId);
  const sid = sidOf('RK', r.id);
  const url = `${base}/Services/${serviceSid}/RateLimits/${sid}`;
  return {
    sid,
    service_sid: serviceSid,
    account_sid: accountSidFor(r.serviceId),
    unique_name: r.uniqueName,
    description: r.description,
    date_created: twilioTime(r.createdAt),
    date_updated: twilioTime(r.updatedAt),
    url,
    links: { buckets: `${url}/Buckets` },
  };
}

export function bucketResource(base: string, b: BucketRecord) {
  const serviceSid = sidOf('VA', b.serviceId);
  const rateLimitSid = sidOf('RK', b.rateLimitId);
  const sid = sidOf('BL', b.id);
  return {
    sid,
    rate_limit_sid: rateLimitSid,
    service_sid: serviceSid,
    account_sid: accountSidFor(b.serviceId),
    max: b.max,
    interval: b.intervalSeconds,
    date_created: twilioTime(b.createdAt),
    date_updated: twilioTime(b.updatedAt),
    url: `${base}/Services/${serviceSid}/RateLimits/${rateLimitSid}/Buckets/${sid}`,
  };
}

export function attemptResource(base: string, attempt: AttemptRecord) {
  const { message, verification } = attempt;
  const sid = sidOf('VL', message.id);
  return {
    sid,
    account_sid: accountSidFor(message.serviceId, message.mode),
    service_sid: sidOf('VA', message.serviceId),
    verification_sid: sidOf('VE', verification.id),
    date_created: twilioTime(message.createdAt),
    date_updated: twilioTime(message.updatedAt),
    conversion_status: verification.status === 'approved' ? 'converted' : 'unconverted',
    channel: message.channel,
    price: null,
    channel_data: {
      verification_sid: sidOf('VE', verification.id),
      to: message.to,
      status: verification.status === 'approved' ? 'confirmed' : 'unconfirmed',
      message_status: message.status,
      error_code: message.errorCode,
      country: verification.country,
      locale: verification.locale,
    },
    url: `${base}/Attempts/${sid}`,
  };
}

/**
 * Twilio's page envelope. `next_page_url` is absolute and carries our cursor as `PageToken`, so
 * the SDK's `each()`/`list()` follow it unchanged.
 */
export function twilioPage<T>(
  request: FastifyRequest,
  key: string,
  items: T[],
  page: { number: number; size: number; nextCursor: string | null; query: Record<string, string | undefined> },
) {
  const path = `${baseUrl(request)}${request.url.split('?')[0]!.replace(/^\/v2/, '')}`;
  const link = (number: number, token?: string) => {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(page.query)) if (value !== undefined) params.set(name, value);
    params.set('PageSize', String(page.size));
    params.set('Page', String(number));
    if (token !== undefined) params.set('PageToken', token);
    return `${path}?${params.toString()}`;
  };
  const current = typeof (request.query as { PageToken?: string }).PageToken === 'string' ? (request.query as { PageToken: string }).PageToken : undefined;
  return {
    [key]: items,
    meta: {
      page: page.number,
      page_size: page.size,
      first_page_url: link(0),
      previous_page_url: null,
      url: link(page.number, current),
      next_page_url: page.nextCursor === null ? null : link(page.number + 1, page.nextCursor),
      key,
    },
  };
}
