import { CHANNELS, isChannel } from '../core/model.js';
import type { Channel } from '../core/model.js';
import { invalidSetting, requireInt } from '../core/settings-rules.js';

/** Channels that cost per message beyond SMS's own `sms_prices`, and may be narrowed by country. */
export type PricedChannel = Exclude<Channel, 'sms'>;
export type PhoneChannel = Exclude<Channel, 'email'>;

/** Per-service channel settings (part of ServiceSettings). Defaults in DEFAULT_CHANNEL_SETTINGS. */
export interface ChannelSettings {
  /** Channels a start or resend may name (and fallback may use). Default `["sms"]`. */
  channels: Channel[];
  /**
   * The order in which channels take over when one does not reach the person, e.g.
   * `["sms", "whatsapp", "call"]`: the next is used when every provider of the current one failed,
   * when a receipt says undelivered, or (with `fallback_after_seconds`) when no right check
   * arrived in time. Channels of another address kind (email for a phone number) are skipped.
   * Default `[]` (no fallback).
   */
  fallback: Channel[];
  /** Seconds after a send with no approval before the next channel of `fallback` is used; null: only on failure. Default null. */
  fallback_after_seconds: number | null;
  /** Name of the approved WhatsApp authentication template. Default `otpgate_verification`. */
  whatsapp_template: string;
  /** Locale → WhatsApp template language code, where it differs from the locale (`pt-BR` → `pt_BR` is derived). Default {}. */
  whatsapp_languages: Record<string, string>;
  /** Text-to-speech voice for calls (a vendor's voice name, Twilio's TtsName); null: the vendor's default. Default null. */
  call_voice: string | null;
  /** Put the code in the email subject line too. Default false (subjects show in lock screens and previews). */
  email_code_in_subject: boolean;
  /** Refuse email addresses of disposable (throwaway) domains. Default true. */
  email_block_disposable: boolean;
  /** Sends per email domain per window, the email counterpart of `sends_per_prefix`. Default 300 per 600 s. */
  sends_per_email_domain: { limit: number; window_seconds: number };
  /** Domain → its own limit for `sends_per_email_domain` (a large provider such as gmail.com). Default {}. */
  email_domain_limits: Record<string, number>;
  /** Price of one message per channel and country ("*" for the rest), counted against `daily_spend_cap` like `sms_prices`. Default {}. */
  channel_prices: Partial<Record<PricedChannel, Record<string, number>>>;
  /** Countries a phone channel may reach, narrowing `allowed_countries` (toll fraud targets calls). Default {}. */
  channel_countries: Partial<Record<PhoneChannel, string[]>>;
  /** Messages per UTC day per channel, within `daily_message_cap`. Default `{"call": 1000}`. */
  channel_daily_caps: Partial<Record<Channel, number>>;
}

export const DEFAULT_CHANNEL_SETTINGS: Readonly<ChannelSettings> = Object.freeze<ChannelSettings>({
  channels: ['sms'],
  fallback: [],
  fallback_after_seconds: null,
  whatsapp_template: 'otpgate_verification',
  whatsapp_languages: {},
  call_voice: null,
  email_code_in_subject: false,
  email_block_disposable: true,
  sends_per_email_domain: { limit: 300, window_seconds: 600 },
  email_domain_limits: {},
  channel_prices: {},
  channel_countries: {},
  channel_daily_caps: { call: 1000 },
});

const COUNTRY = /^[A-Z]{2}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

function channelList(name: string, value: unknown): Channel[] {
  if (!Array.isArray(value) || !value.every(isChannel)) throw invalidSetting(`${name} must be a list of ${CHANNELS.join(', ')}`);
  if (new Set(value).size !== value.length) throw invalidSetting(`${name} names a channel twice`);
  return [...value];
}

function record<T>(name: string, value: unknown): Record<string, T> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidSetting(`${name} must be an object`);
  return { ...(value as Record<string, T>) };
}

/** Validates the channel part of a settings object (already merged with its patch), normalising it in place. */
export function validateChannelSettings(next: ChannelSettings): void {
  next.channels = channelList('channels', next.channels);
  if (next.channels.length === 0) throw invalidSetting('channels must name at least one channel');
  next.fallback = channelList('fallback', next.fallback);
  for (const c of next.fallback) if (!next.channels.includes(c)) throw invalidSetting(`fallback names "${c}", which is not in channels`);
  if (next.fallback.length === 1) throw invalidSetting('fallback needs at least two channels (or none)');
  if (next.fallback_after_seconds !== null) {
    requireInt('fallback_after_seconds', next.fallback_after_seconds, 10, 3600);
    if (next.fallback.length === 0) throw invalidSetting('fallback_after_seconds needs a fallback order');
  }
  if (typeof next.whatsapp_template !== 'string' || !/^([a-z0-9_]{1,512}|HX[0-9a-fA-F]{32})$/.test(next.whatsapp_template)) {
    throw invalidSetting('whatsapp_template must be a WhatsApp template name (a–z, 0–9 and _) or a Twilio Content SID (HX…)');
  }
  next.whatsapp_languages = record<string>('whatsapp_languages', next.whatsapp_languages);
  for (const [locale, code] of Object.entries(next.whatsapp_languages)) {
    if (!/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(locale) || typeof code !== 'string' || !/^[a-z]{2,3}(_[A-Z]{2})?$/.test(code)) {
      throw invalidSetting(`whatsapp_languages: "${locale}" → "${String(code)}" is not a locale → WhatsApp language code (such as "pt_BR")`);
    }
  }
  if (next.call_voice !== null && (typeof next.call_voice !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(next.call_voice))) {
    throw invalidSetting('call_voice must be a voice name (letters, digits, ".", "_" and "-", at most 64) or null');
  }
  for (const flag of ['email_code_in_subject', 'email_block_disposable'] as const) {
    if (typeof next[flag] !== 'boolean') throw invalidSetting(`${flag} must be true or false`);
  }
  const budget = record<number>('sends_per_email_domain', next.sends_per_email_domain) as unknown as ChannelSettings['sends_per_email_domain'];
  requireInt('sends_per_email_domain.limit', budget.limit, 1, 10_000_000);
  requireInt('sends_per_email_domain.window_seconds', budget.window_seconds, 1, 7 * 86_400);
  next.sends_per_email_domain = { limit: budget.limit, window_seconds: budget.window_seconds };
  const domains = Object.entries(record<number>('email_domain_limits', next.email_domain_limits));
  if (domains.length > 100) throw invalidSetting('email_domain_limits holds at most 100 domains');
  next.email_domain_limits = {};
  for (const [domain, limit] of domains) {
    const key = domain.toLowerCase();
    if (!DOMAIN.test(key)) throw invalidSetting(`email_domain_limits: "${domain}" is not a domain name`);
    requireInt(`email_domain_limits.${key}`, limit, 1, 10_000_000);
    next.email_domain_limits[key] = limit;
  }
  const prices = record<Record<string, number>>('channel_prices', next.channel_prices);
  for (const [channel, table] of Object.entries(prices)) {
    if (!isChannel(channel) || channel === 'sms') throw invalidSetting(`channel_prices: "${channel}" is not whatsapp, call or email (SMS prices are sms_prices)`);
    for (const [country, price] of Object.entries(record<number>(`channel_prices.${channel}`, table))) {
      if (country !== '*' && !COUNTRY.test(country)) throw invalidSetting(`channel_prices.${channel}: "${country}" is not an ISO 3166-1 alpha-2 code or "*"`);
      if (typeof price !== 'number' || !(price >= 0) || price > 100) throw invalidSetting(`channel_prices.${channel}.${country} must be a number from 0 to 100`);
    }
  }
  next.channel_prices = prices;
  const countries = record<string[]>('channel_countries', next.channel_countries);
  for (const [channel, list] of Object.entries(countries)) {
    if (!isChannel(channel) || channel === 'email') throw invalidSetting(`channel_countries: "${channel}" is not a phone channel (sms, whatsapp, call)`);
    if (!Array.isArray(list) || list.length > 250) throw invalidSetting(`channel_countries.${channel} must be a list of at most 250 countries`);
    countries[channel] = [...new Set(list.map((c) => String(c).toUpperCase()))];
    for (const c of countries[channel]) if (!COUNTRY.test(c)) throw invalidSetting(`channel_countries.${channel}: "${c}" is not an ISO 3166-1 alpha-2 code`);
  }
  next.channel_countries = countries;
  const caps = record<number>('channel_daily_caps', next.channel_daily_caps);
  for (const [channel, cap] of Object.entries(caps)) {
    if (!isChannel(channel)) throw invalidSetting(`channel_daily_caps: "${channel}" is not a channel`);
    requireInt(`channel_daily_caps.${channel}`, cap, 1, 100_000_000);
  }
  next.channel_daily_caps = caps;
}

/**
 * The price of one message on `channel` to `country` (SMS: `sms_prices`), 0 when none is set. A
 * channel without its own prices costs what an SMS costs there, so a `daily_spend_cap` set with
 * SMS prices in mind still holds once calls are enabled (they never cost less).
 */
export function priceOf(settings: ChannelSettings & { sms_prices: Record<string, number> }, channel: Channel, country: string | null): number {
  const lookup = (table: Record<string, number>) => table[country ?? ''] ?? table['*'];
  const own = channel === 'sms' ? undefined : settings.channel_prices[channel];
  return (own ? lookup(own) : undefined) ?? lookup(settings.sms_prices) ?? 0;
}
