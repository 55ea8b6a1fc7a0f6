import { AppError } from '../../../core/errors.js';

/**
 * Twilio service parameters that no otpgate setting stands behind yet. Each answers what otpgate
 * does (the value a service resource shows) and accepts only that value: any other is refused
 * with Twilio's 60204 "Service does not support this feature", never accepted and echoed wrong.
 * When a setting arrives (the call channel's voice, a per-service "do not share" line), its
 * parameter moves out of this table into `settingsFrom` (services.route.ts) and `serviceResource`.
 */
export const FIXED_SERVICE_PARAMS = {
  LookupEnabled: { field: 'lookup_enabled', value: false, why: 'otpgate does no carrier lookup; numbers are classified with libphonenumber\'s metadata' },
  SkipSmsToLandlines: { field: 'skip_sms_to_landlines', value: true, why: 'landlines are always refused for SMS (60205)' },
  Psd2Enabled: { field: 'psd2_enabled', value: true, why: 'Amount and Payee always bind the code when a start gives them' },
  DtmfInputRequired: { field: 'dtmf_input_required', value: false, why: 'calls read the code out without waiting for a key press' },
  VerifyEventSubscriptionEnabled: { field: 'verify_event_subscription_enabled', value: false, why: 'events go to the service\'s webhooks (/v2/Services/{sid}/Webhooks)' },
} as const;

export type FixedServiceParam = keyof typeof FIXED_SERVICE_PARAMS;
type FixedFields = { [K in FixedServiceParam as (typeof FIXED_SERVICE_PARAMS)[K]['field']]: (typeof FIXED_SERVICE_PARAMS)[K]['value'] };

/** The fields of a service resource that the table decides. */
export function fixedServiceFields(): FixedFields {
  return Object.fromEntries(Object.values(FIXED_SERVICE_PARAMS).map((p) => [p.field, p.value])) as FixedFields;
}

/** Families of parameters for features otpgate does not have: any of them is refused. */
const UNSUPPORTED_FAMILIES: Record<string, string> = {
  'Push.': 'Verify Push is not supported',
  'Totp.': 'TOTP factors are not supported',
  'Whatsapp.': 'the WhatsApp channel is not supported',
  'Passkeys.': 'passkeys are not supported',
};

/** Refuses (60204) a parameter that asks for what otpgate does not do. */
export function refuseUnsupportedServiceParams(body: Record<string, unknown>): void {
  for (const [name, spec] of Object.entries(FIXED_SERVICE_PARAMS)) {
    if (!(name in body) || body[name] === undefined) continue;
    if (body[name] !== spec.value) {
      throw new AppError('not_supported', `\`${name}\` can only be ${JSON.stringify(spec.value)}: ${spec.why}.`);
    }
  }
  for (const name of Object.keys(body)) {
    const family = Object.keys(UNSUPPORTED_FAMILIES).find((prefix) => name.startsWith(prefix));
    if (family) throw new AppError('not_supported', `\`${name}\`: ${UNSUPPORTED_FAMILIES[family]}.`);
  }
}
