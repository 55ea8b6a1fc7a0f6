import { definedOnly, invalidSetting, requireInt } from './settings-rules.js';

/** One budget: at most `limit` events per `window_seconds` (windows aligned to the clock, see abuse.guard.ts). */
export interface Budget {
  limit: number;
  window_seconds: number;
}

/** Velocity limits (rules S2, B2). Every refusal is 429 `rate_limited` with RateLimit headers. */
export interface RateLimitSettings {
  /** SMS to one number, across verifications. Default 10 per hour. */
  sends_per_phone: Budget;
  /** SMS requested for one end-user IP (`client_ip`). Default 20 per hour. */
  sends_per_client_ip: Budget;
  /** SMS to one destination prefix (`+` and the first 6 digits). Default 40 per 10 minutes. */
  sends_per_prefix: Budget;
  /** SMS of the whole service. Default 300 per minute. */
  sends_per_service: Budget;
  /** Checks of one number, right or wrong. Default 30 per hour. */
  checks_per_phone: Budget;
  /** Checks from one end-user IP (`client_ip` of the check). Default 60 per hour. */
  checks_per_client_ip: Budget;
  /** Checks of the whole service. Default 1200 per minute. */
  checks_per_service: Budget;
  /** Starts and checks from one connecting address (usually your backend): a generous guard. Default 1200 per minute. */
  requests_per_source_ip: Budget;
}

export type PumpingGuardMode = 'enforce' | 'monitor' | 'off';

/** The SMS-pumping guard (see pumping-guard.ts for the rule). */
export interface PumpingGuardSettings {
  /** `enforce` blocks, `monitor` only records and reports, `off`. Default `enforce`. */
  mode: PumpingGuardMode;
  /** Length of the recent window, minutes. Default 60. */
  window_minutes: number;
  /** How far back the baseline reaches, hours. Default 24. */
  baseline_hours: number;
  /** No block below this many sends in the recent window. Default 20. */
  min_sends: number;
  /** Block only when recent sends ≥ this × the baseline's sends per window. Default 4. */
  spike_factor: number;
  /** Block only when approvals / sends in the recent window is below this. Default 0.1. */
  max_conversion: number;
  /** How long a block lasts, hours. Default 12. */
  block_hours: number;
}

export interface AbuseSettings {
  velocity_limits: RateLimitSettings;
  /** Failed checks of one number across verifications in any 24 hours (rule B2). Default 20, at most 100. */
  failed_checks_per_phone_per_day: number;
  /** ISO 3166-1 alpha-2 countries SMS may go to; null allows every country. Default null. */
  allowed_countries: string[] | null;
  /** E.164 numbers that pass geo permissions, the prefix limit and the pumping guard. Default []. */
  safelist: string[];
  /** Refuse VoIP numbers (cheap to obtain in bulk). Default false. */
  refuse_voip: boolean;
  /** SMS per UTC day for the service; null for no cap. Default 10000. */
  daily_message_cap: number | null;
  /** Price of one SMS per destination country (ISO alpha-2, or "*" for any other), in your currency. Default {}. */
  sms_prices: Record<string, number>;
  /** Spend per UTC day, in the currency of `sms_prices`; null for no cap. Default null. */
  daily_spend_cap: number | null;
  /**
   * Let proven traffic raise `sends_per_service` and `daily_message_cap` while they hold their
   * defaults: each becomes at least 15× the sends of verifications approved with a code otpgate
   * made (not a custom code) in the busiest hour (resp. day) of the last 7 days, up to 15× the
   * default, so a growing app's surge is not refused by a default sized for a small one.
   * Unapproved traffic (pumping) proves nothing, so attacks meet the defaults. A value you set
   * is a hard ceiling; turn this off to make the defaults hard ceilings too. Default true.
   */
  adaptive_limits: boolean;
  /**
   * The adaptive budgets the operator set (`sends_per_service`, `sends_per_prefix`,
   * `daily_message_cap`): each stays exactly as set, whatever `adaptive_limits` says. A budget
   * joins this list when a create or PATCH gives it (even at the default value), unless that
   * request gives the list itself; a PATCH of the list takes one out again, letting it adapt.
   * Default [].
   */
  fixed_limits: AdaptiveLimit[];
  pumping_guard: PumpingGuardSettings;
}

/** The budgets that `adaptive_limits` may raise. */
export const ADAPTIVE_LIMITS = ['daily_message_cap', 'sends_per_prefix', 'sends_per_service'] as const;
export type AdaptiveLimit = (typeof ADAPTIVE_LIMITS)[number];

const hour = 3600;
export const DEFAULT_RATE_LIMITS: Readonly<RateLimitSettings> = Object.freeze({
  sends_per_phone: { limit: 10, window_seconds: hour },
  sends_per_client_ip: { limit: 20, window_seconds: hour },
  sends_per_prefix: { limit: 40, window_seconds: 600 },
  sends_per_service: { limit: 300, window_seconds: 60 },
  checks_per_phone: { limit: 30, window_seconds: hour },
  checks_per_client_ip: { limit: 60, window_seconds: hour },
  checks_per_service: { limit: 1200, window_seconds: 60 },
  requests_per_source_ip: { limit: 1200, window_seconds: 60 },
});

/** The daily message cap a service starts with (raised by `adaptive_limits` while it is kept). */
export const DEFAULT_DAILY_MESSAGE_CAP = 10_000;

export const DEFAULT_PUMPING_GUARD: Readonly<PumpingGuardSettings> = Object.freeze({
  mode: 'enforce',
  window_minutes: 60,
  baseline_hours: 24,
  min_sends: 20,
  spike_factor: 4,
  max_conversion: 0.1,
  block_hours: 12,
});

/** B2 promises never more than this many failed checks of a number per day, whatever is configured. */
export const MAX_FAILED_CHECKS_PER_DAY = 100;

export function defaultAbuseSettings(): AbuseSettings {
  return {
    velocity_limits: structuredClone(DEFAULT_RATE_LIMITS) as RateLimitSettings,
    failed_checks_per_phone_per_day: 20,
    allowed_countries: null,
    safelist: [],
    refuse_voip: false,
    daily_message_cap: DEFAULT_DAILY_MESSAGE_CAP,
    sms_prices: {},
    daily_spend_cap: null,
    adaptive_limits: true,
    fixed_limits: [],
    pumping_guard: { ...DEFAULT_PUMPING_GUARD },
  };
}

/**
 * Settings stored before these existed get the defaults, so old rows keep working. A row from
 * before `fixed_limits` counts the adaptive budgets that differ from their defaults as set.
 */
export function withAbuseDefaults<T extends Partial<AbuseSettings>>(settings: T): T & AbuseSettings {
  const defaults = defaultAbuseSettings();
  const merged = {
    ...defaults,
    ...settings,
    velocity_limits: { ...defaults.velocity_limits, ...settings.velocity_limits },
    pumping_guard: { ...defaults.pumping_guard, ...settings.pumping_guard },
  };
  if (settings.fixed_limits === undefined) {
    const differs = (a: Budget, b: Budget) => a.limit !== b.limit || a.window_seconds !== b.window_seconds;
    merged.fixed_limits = ADAPTIVE_LIMITS.filter((name) =>
      name === 'daily_message_cap' ? merged.daily_message_cap !== DEFAULT_DAILY_MESSAGE_CAP : differs(merged.velocity_limits[name], DEFAULT_RATE_LIMITS[name]));
  }
  return merged;
}

const COUNTRY = /^[A-Z]{2}$/;
const E164 = /^\+[1-9]\d{1,14}$/;

/** What a PATCH may give: any field, and any part of the nested ones. */
export type AbuseSettingsPatch = Partial<Omit<AbuseSettings, 'velocity_limits' | 'pumping_guard'>> & {
  velocity_limits?: Partial<RateLimitSettings> | undefined;
  pumping_guard?: Partial<PumpingGuardSettings> | undefined;
};

/**
 * Merges a partial update (one level deep for `velocity_limits` and `pumping_guard`, so a PATCH can
 * change one budget) and enforces the rules a JSON schema cannot express.
 */
export function applyAbuseSettings(base: AbuseSettings, patch: AbuseSettingsPatch): AbuseSettings {
  const next = {
    ...(pickAbuse(base) as AbuseSettings),
    ...pickAbuse(definedOnly(patch) as Partial<AbuseSettings>),
    velocity_limits: { ...base.velocity_limits, ...definedOnly(patch.velocity_limits ?? {}) },
    pumping_guard: { ...base.pumping_guard, ...definedOnly(patch.pumping_guard ?? {}) },
  } as AbuseSettings;
  for (const [name, budget] of Object.entries(next.velocity_limits) as Array<[string, Budget]>) {
    requireInt(`velocity_limits.${name}.limit`, budget.limit, 1, 10_000_000);
    requireInt(`velocity_limits.${name}.window_seconds`, budget.window_seconds, 1, 7 * 86_400);
  }
  requireInt('failed_checks_per_phone_per_day', next.failed_checks_per_phone_per_day, 1, MAX_FAILED_CHECKS_PER_DAY);
  if (next.allowed_countries !== null) {
    next.allowed_countries = [...new Set(next.allowed_countries.map((c) => String(c).toUpperCase()))];
    for (const c of next.allowed_countries) if (!COUNTRY.test(c)) throw invalidSetting(`allowed_countries: "${c}" is not an ISO 3166-1 alpha-2 code`);
  }
  if (next.safelist.length > 1000) throw invalidSetting('safelist holds at most 1000 numbers');
  for (const n of next.safelist) if (!E164.test(n)) throw invalidSetting(`safelist: "${n}" is not an E.164 number`);
  next.safelist = [...new Set(next.safelist)];
  if (next.daily_message_cap !== null) requireInt('daily_message_cap', next.daily_message_cap, 1, 100_000_000);
  for (const [country, price] of Object.entries(next.sms_prices)) {
    if (country !== '*' && !COUNTRY.test(country)) throw invalidSetting(`sms_prices: "${country}" is not an ISO 3166-1 alpha-2 code or "*"`);
    if (typeof price !== 'number' || !(price >= 0) || price > 100) throw invalidSetting(`sms_prices.${country} must be a number from 0 to 100`);
  }
  if (next.daily_spend_cap !== null && (typeof next.daily_spend_cap !== 'number' || !(next.daily_spend_cap > 0) || next.daily_spend_cap > 1e9)) {
    throw invalidSetting('daily_spend_cap must be a positive number (at most 1e9) or null');
  }
  if (typeof next.adaptive_limits !== 'boolean') throw invalidSetting('adaptive_limits must be true or false');
  // A budget given now is one the operator set: it stays as set (see fixed_limits), unless the
  // same request says which are fixed itself.
  const fixed = new Set(patch.fixed_limits ?? base.fixed_limits);
  for (const name of fixed) if (!(ADAPTIVE_LIMITS as readonly string[]).includes(name)) throw invalidSetting(`fixed_limits: "${name}" is not one of ${ADAPTIVE_LIMITS.join(', ')}`);
  if (patch.fixed_limits === undefined) {
    if (patch.daily_message_cap !== undefined) fixed.add('daily_message_cap');
    if (patch.velocity_limits?.sends_per_service !== undefined) fixed.add('sends_per_service');
    if (patch.velocity_limits?.sends_per_prefix !== undefined) fixed.add('sends_per_prefix');
  }
  next.fixed_limits = [...fixed].sort();
  const g = next.pumping_guard;
  if (!['enforce', 'monitor', 'off'].includes(g.mode)) throw invalidSetting('pumping_guard.mode must be enforce, monitor or off');
  requireInt('pumping_guard.window_minutes', g.window_minutes, 6, 24 * 60);
  if (g.window_minutes % 6 !== 0) throw invalidSetting('pumping_guard.window_minutes must be a multiple of 6 (the window has six buckets)');
  requireInt('pumping_guard.baseline_hours', g.baseline_hours, 1, 168);
  if (g.baseline_hours * 60 <= g.window_minutes) throw invalidSetting('pumping_guard.baseline_hours must reach further back than window_minutes');
  requireInt('pumping_guard.min_sends', g.min_sends, 1, 1_000_000);
  if (typeof g.spike_factor !== 'number' || !(g.spike_factor >= 1) || g.spike_factor > 1000) throw invalidSetting('pumping_guard.spike_factor must be from 1 to 1000');
  if (typeof g.max_conversion !== 'number' || !(g.max_conversion >= 0) || g.max_conversion > 1) throw invalidSetting('pumping_guard.max_conversion must be from 0 to 1');
  requireInt('pumping_guard.block_hours', g.block_hours, 1, 720);
  return next;
}

const ABUSE_FIELDS = Object.keys(defaultAbuseSettings()) as Array<keyof AbuseSettings>;

function pickAbuse<T extends Partial<AbuseSettings>>(value: T): Partial<AbuseSettings> {
  return Object.fromEntries(ABUSE_FIELDS.filter((k) => k in value).map((k) => [k, value[k]])) as Partial<AbuseSettings>;
}
