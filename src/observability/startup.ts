import ipaddr from 'ipaddr.js';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { redactDatabaseUrl } from '../config.js';
import { OTHER_CHANNELS } from '../sms/sms-routing.js';

/** The providers a channel sends through, in the order they are tried first. */
export interface ChannelProviders {
  channel: string;
  providers: readonly string[];
}

export interface StartupFacts {
  version: string;
  store: Config['store'];
  /** The database URL, its password hidden. */
  database: string;
  /** One entry per channel the instance can send on (today SMS only). */
  channels: readonly ChannelProviders[];
  /** Where the server listens, e.g. http://127.0.0.1:8080. */
  address: string;
  publicUrl: string | null;
}

/**
 * One line that says what this process is: version, store, providers per channel, where it
 * listens and its public URL. Takes the channels as a list, so a channel added later is one
 * more entry, not another branch here.
 */
export function startupSummary(facts: StartupFacts): { message: string; fields: Record<string, unknown> } {
  const channels = facts.channels.map((c) => `${c.channel} via ${c.providers.length > 0 ? c.providers.join(', ') : 'nothing'}`).join('; ');
  return {
    message: `otpgate ${facts.version}: ${facts.store} store, ${channels || 'no channels'}, on ${facts.address}, public URL ${facts.publicUrl ?? 'none (no delivery receipts)'}`,
    fields: {
      version: facts.version,
      store: facts.store,
      database: facts.database,
      channels: Object.fromEntries(facts.channels.map((c) => [c.channel, [...c.providers]])),
      address: facts.address,
      public_url: facts.publicUrl,
    },
  };
}

/** The SMS providers configured for the instance, route order first, then those only country routes use. */
export function smsProviders(config: Readonly<Config>): ChannelProviders {
  const inCountryRoutes = Object.values(config.sms.countryRoutes).flat();
  return { channel: 'sms', providers: [...new Set([...config.sms.route, ...inCountryRoutes])] };
}

/** Each channel's instance providers, in route order (SMS first; a channel with no route says so). */
export function channelProviders(config: Readonly<Config>): ChannelProviders[] {
  return [smsProviders(config), ...OTHER_CHANNELS.map((channel) => ({ channel, providers: [...(config.sms.channelRoutes[channel] ?? [])] }))];
}

/** The summary of a server built from `config`, listening at `address`. */
export function serverFacts(config: Readonly<Config>, version: string, address: string): StartupFacts {
  return {
    version,
    store: config.store,
    database: redactDatabaseUrl(config.databaseUrl),
    channels: channelProviders(config),
    address,
    publicUrl: config.publicUrl,
  };
}

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare.toLowerCase() === 'localhost') return true;
  if (!ipaddr.isValid(bare)) return false;
  const parsed = ipaddr.process(bare);
  return parsed.range() === 'loopback';
}

/** What a start should warn about: a setting that is probably not what the operator meant. */
export function startupWarnings(config: Readonly<Config>): Array<{ message: string; fields: Record<string, unknown> }> {
  const warnings: Array<{ message: string; fields: Record<string, unknown> }> = [];
  for (const unknown of config.unknownVariables) {
    warnings.push({
      message: `${unknown.name} is not an otpgate variable and is ignored${unknown.closest === null ? '' : `; did you mean ${unknown.closest}?`}`,
      fields: { variable: unknown.name, closest: unknown.closest },
    });
  }
  const usesConsole = config.sms.providers.some((p) => p.type === 'console');
  if (usesConsole && (config.production || !isLoopbackHost(config.host))) {
    const why = config.production ? 'NODE_ENV=production' : `OTPGATE_HOST=${config.host} is reachable from other machines`;
    warnings.push({
      message:
        `the console SMS provider is configured and ${why}: no SMS reaches a phone, and codes are kept in the dev outbox (GET /v1/outbox) ` +
        'for any key of the service to read. Set OTPGATE_SMS_PROVIDER to a real provider (docs/providers.md)',
      fields: { provider: 'console', production: config.production, host: config.host },
    });
  }
  // Codes and the SMTP password in clear text, or to a server nobody checked: fine for a relay on
  // this machine, a mistake anywhere else.
  for (const p of config.sms.providers.filter((provider) => provider.type === 'smtp')) {
    const url = safeUrl(p.settings.url);
    if (!url || isLoopbackHost(url.hostname)) continue;
    const plain = url.protocol === 'smtp:' && p.settings.require_tls?.toLowerCase() === 'false';
    const unchecked = p.settings.reject_unauthorized?.toLowerCase() === 'false';
    if (!plain && !unchecked) continue;
    warnings.push({
      message:
        `the smtp provider "${p.name}" sends to ${url.hostname} ${plain ? 'without requiring TLS (OTPGATE_SMTP_REQUIRE_TLS=false): codes and the password may cross the network in clear text' : 'without checking its certificate (OTPGATE_SMTP_REJECT_UNAUTHORIZED=false): anyone on the path can pose as it'}; ` +
        'keep these for a relay on this machine (docs/channels.md)',
      fields: { provider: p.name, host: url.hostname, require_tls: !plain, reject_unauthorized: !unchecked },
    });
  }
  return warnings;
}

function safeUrl(value: string | undefined): URL | null {
  try {
    return value ? new URL(value) : null;
  } catch {
    return null;
  }
}

export function logStartupWarnings(config: Readonly<Config>, logger: Logger): void {
  for (const warning of startupWarnings(config)) logger.warn(warning.fields, warning.message);
}
