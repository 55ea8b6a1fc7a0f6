import { applyAbuseSettings, defaultAbuseSettings } from './abuse-settings.js';
import { smsNameProblem } from './display-name.js';
import { definedOnly, invalidSetting, requireInt } from './settings-rules.js';
import type { AbuseSettingsPatch } from './abuse-settings.js';
import type { ServiceSettings } from './model.js';
import { DEFAULT_CHANNEL_SETTINGS, validateChannelSettings } from '../channels/channel-settings.js';
import { isSupportedLocale, normalizeLocaleTag, validateAndroidAppHash, validateWebOtpDomain } from '../sms/templates.js';

/** NIST SP 800-63B §5.1.3.2: out-of-band secrets live at most 10 minutes unless the operator opts in. */
export const NIST_MAX_TTL_SECONDS = 600;
export const ABSOLUTE_MAX_TTL_SECONDS = 86_400;

export const DEFAULT_SETTINGS: Readonly<Omit<ServiceSettings, 'name'>> = Object.freeze({
  code_length: 6,
  ttl_seconds: 300,
  allow_long_ttl: false,
  max_check_attempts: 5,
  max_sends: 5,
  resend_cooldown_seconds: 30,
  default_locale: null,
  webotp_domain: null,
  android_app_hash: null,
  test_numbers: {},
  custom_code_enabled: false,
  do_not_share_warning: true,
  webhook_endpoints_max: 10,
  ...defaultAbuseSettings(),
  ...structuredClone(DEFAULT_CHANNEL_SETTINGS),
});

const E164 = /^\+[1-9]\d{1,14}$/;

/**
 * Merges a partial update onto settings and enforces the rules a JSON schema cannot express.
 * Ranges of single fields are enforced by the HTTP schema too; they are repeated here so the
 * CLI and other surfaces cannot bypass them.
 */
/** A partial update of service settings (nested abuse settings may be partial too). */
export type ServiceSettingsPatch = Partial<Omit<ServiceSettings, keyof AbuseSettingsPatch>> & AbuseSettingsPatch;

export function applySettings(base: ServiceSettings, patch: ServiceSettingsPatch): ServiceSettings {
  const next: ServiceSettings = { ...base, ...definedOnly(patch), ...applyAbuseSettings(base, patch) };
  next.test_numbers = { ...(patch.test_numbers ?? base.test_numbers) };

  if (typeof next.name !== 'string' || next.name.trim().length === 0 || next.name.length > 64) {
    throw invalidSetting('name must be 1–64 characters');
  }
  next.name = next.name.trim();
  // Checked when given, so a service named before this rule still takes other changes (M5).
  if (patch.name !== undefined) {
    const problem = smsNameProblem(next.name);
    if (problem) throw invalidSetting(`name ${problem}`);
  }
  requireInt('code_length', next.code_length, 4, 10);
  requireInt('ttl_seconds', next.ttl_seconds, 30, ABSOLUTE_MAX_TTL_SECONDS);
  if (next.ttl_seconds > NIST_MAX_TTL_SECONDS && !next.allow_long_ttl) {
    throw invalidSetting(
      `ttl_seconds above ${NIST_MAX_TTL_SECONDS} needs "allow_long_ttl": true (NIST SP 800-63B caps out-of-band codes at 10 minutes)`,
    );
  }
  requireInt('max_check_attempts', next.max_check_attempts, 1, 20);
  requireInt('max_sends', next.max_sends, 1, 20);
  requireInt('resend_cooldown_seconds', next.resend_cooldown_seconds, 0, 3600);
  if (typeof next.custom_code_enabled !== 'boolean') throw invalidSetting('custom_code_enabled must be true or false');
  if (typeof next.do_not_share_warning !== 'boolean') throw invalidSetting('do_not_share_warning must be true or false');
  requireInt('webhook_endpoints_max', next.webhook_endpoints_max, 1, 100);
  validateChannelSettings(next);

  if (next.default_locale !== null) {
    if (!isSupportedLocale(next.default_locale)) throw invalidSetting(`default_locale "${next.default_locale}" is not supported`);
    next.default_locale = normalizeLocaleTag(next.default_locale);
  }
  if (next.webotp_domain !== null) next.webotp_domain = validateWebOtpDomain(next.webotp_domain);
  if (next.android_app_hash !== null) next.android_app_hash = validateAndroidAppHash(next.android_app_hash);

  const entries = Object.entries(next.test_numbers);
  if (entries.length > 100) throw invalidSetting('test_numbers holds at most 100 numbers');
  for (const [number, code] of entries) {
    if (!E164.test(number)) throw invalidSetting(`test_numbers key "${number}" is not an E.164 number`);
    if (typeof code !== 'string' || !/^\d+$/.test(code) || code.length !== next.code_length) {
      throw invalidSetting(`test_numbers["${number}"] must be a string of ${next.code_length} digits (code_length)`);
    }
  }
  return next;
}

export function newSettings(input: ServiceSettingsPatch & { name: string }): ServiceSettings {
  return applySettings({ ...structuredClone(DEFAULT_SETTINGS), name: input.name }, input);
}
