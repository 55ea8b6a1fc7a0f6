import type { Channel } from '../core/model.js';
import type { ProviderDefinition } from './provider-types.js';
import { providerModule, SmsConfigError, validateDefinition } from './provider-registry.js';
import { senderIdProblem } from './sender-id.js';
import type { SenderIdRules } from './sender-id.js';

/**
 * Which providers a message may go through, in order, and under which sender id. The instance
 * has one (from env); a service may replace it through the API. Route entries name providers of
 * the same scope or, for a service, the instance's.
 */
export interface SmsRouting extends SenderIdRules {
  providers: readonly ProviderDefinition[];
  /** Provider names in the order they are tried. */
  route: readonly string[];
  /** ISO country → provider names, replacing `route` for numbers of that country. */
  countryRoutes: Readonly<Record<string, readonly string[]>>;
  /** The other channels' routes: provider names in the order they are tried. A channel without one is not available. */
  channelRoutes: Readonly<Partial<Record<OtherChannel, readonly string[]>>>;
  /** Sender address of emails (`Name <address>` or an address); null leaves it to the provider's setting. */
  emailFrom: string | null;
  /**
   * ISO country → Twilio Messaging Service SID (`MG…`): Twilio providers send messages to that
   * country through it instead of their own `From` or `messaging_service_sid` (Twilio Verify's
   * Messaging Configurations). Other providers ignore it.
   */
  countryMessagingServices: Readonly<Record<string, string>>;
}

/** Channels routed by `channel_routes` (SMS keeps `route` and `country_routes`). */
export type OtherChannel = Exclude<Channel, 'sms'>;
export const OTHER_CHANNELS: readonly OtherChannel[] = ['whatsapp', 'call', 'email'];

export interface SmsRoutingInput {
  providers?: Array<{ name: string; type: string; settings?: Record<string, string> }>;
  route?: string[];
  country_routes?: Record<string, string[]>;
  sender_id?: string | null;
  country_sender_ids?: Record<string, string>;
  numeric_sender?: string | null;
  channel_routes?: Record<string, string[]>;
  email_from?: string | null;
  country_messaging_services?: Record<string, string>;
}

const COUNTRY = /^[A-Z]{2}$/;
export const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;

/**
 * Validates a routing document. `available` holds provider names defined outside it (the
 * instance's, for a service document) that routes may also name.
 */
export function parseRouting(input: SmsRoutingInput, available: ReadonlyMap<string, string> = new Map()): SmsRouting {
  const providers = (input.providers ?? []).map((p, i) =>
    validateDefinition({ name: p.name, type: p.type, settings: p.settings ?? {} }, (key) => (key === 'name' || key === 'type' ? `providers[${i}].${key}` : `providers[${i}].settings.${key}`)),
  );
  const names = new Set<string>();
  providers.forEach((p, i) => {
    if (names.has(p.name)) throw new SmsConfigError(`providers[${i}].name`, `"${p.name}" is defined twice`);
    names.add(p.name);
  });
  const checkRoute = (route: readonly string[], path: string, channel: Channel = 'sms') => {
    if (route.length === 0) throw new SmsConfigError(path, 'names no provider');
    route.forEach((name, i) => {
      if (!names.has(name) && !available.has(name)) throw new SmsConfigError(`${path}[${i}]`, `no provider is named "${name}"`);
      const type = providers.find((p) => p.name === name)?.type ?? available.get(name);
      const module = type === undefined ? null : providerModule(type);
      if (module && !module.channels.includes(channel)) {
        throw new SmsConfigError(`${path}[${i}]`, `"${name}" (${module.type}) does not send ${channel}; it sends ${module.channels.join(', ')}`);
      }
    });
    if (new Set(route).size !== route.length) throw new SmsConfigError(path, 'names a provider twice');
  };
  const route = input.route ?? providers.filter((p) => providerModule(p.type)?.channels.includes('sms')).map((p) => p.name);
  checkRoute(route, 'route');
  const channelRoutes: Partial<Record<OtherChannel, readonly string[]>> = {};
  for (const [channel, names] of Object.entries(input.channel_routes ?? {})) {
    if (!(OTHER_CHANNELS as readonly string[]).includes(channel)) throw new SmsConfigError(`channel_routes.${channel}`, `is not one of ${OTHER_CHANNELS.join(', ')} (SMS is "route")`);
    if (names === undefined) continue;
    checkRoute(names, `channel_routes.${channel}`, channel as OtherChannel);
    channelRoutes[channel as OtherChannel] = [...names];
  }
  const emailFrom = input.email_from ?? null;
  if (emailFrom !== null && (typeof emailFrom !== 'string' || emailFrom.length > 320 || !/^([^<>\r\n"]{0,100}<)?[^\s<>@"]+@[^\s<>@"]+\.[^\s<>@"]+>?$/.test(emailFrom))) {
    throw new SmsConfigError('email_from', 'must be an address, or "Name <address>"');
  }
  const countryRoutes: Record<string, readonly string[]> = {};
  for (const [country, names] of Object.entries(input.country_routes ?? {})) {
    if (!COUNTRY.test(country)) throw new SmsConfigError(`country_routes.${country}`, 'keys are ISO 3166-1 alpha-2 codes (upper case)');
    checkRoute(names, `country_routes.${country}`);
    countryRoutes[country] = [...names];
  }
  const senderId = input.sender_id ?? null;
  if (senderId !== null) {
    const problem = senderIdProblem(senderId);
    if (problem) throw new SmsConfigError('sender_id', problem);
  }
  const countrySenderIds: Record<string, string> = {};
  for (const [country, value] of Object.entries(input.country_sender_ids ?? {})) {
    if (!COUNTRY.test(country)) throw new SmsConfigError(`country_sender_ids.${country}`, 'keys are ISO 3166-1 alpha-2 codes (upper case)');
    const problem = senderIdProblem(value);
    if (problem) throw new SmsConfigError(`country_sender_ids.${country}`, problem);
    countrySenderIds[country] = value;
  }
  const numericSender = input.numeric_sender ?? null;
  if (numericSender !== null && !/^\+?[1-9]\d{2,14}$/.test(numericSender)) {
    throw new SmsConfigError('numeric_sender', 'must be a short code or an E.164 number');
  }
  const countryMessagingServices: Record<string, string> = {};
  for (const [country, sid] of Object.entries(input.country_messaging_services ?? {})) {
    if (!COUNTRY.test(country)) throw new SmsConfigError(`country_messaging_services.${country}`, 'keys are ISO 3166-1 alpha-2 codes (upper case)');
    if (typeof sid !== 'string' || !MESSAGING_SERVICE_SID.test(sid)) throw new SmsConfigError(`country_messaging_services.${country}`, 'must be a Twilio Messaging Service SID (MG and 32 hex digits)');
    countryMessagingServices[country] = sid;
  }
  return { providers, route: [...route], countryRoutes, senderId, countrySenderIds, numericSender, countryMessagingServices, channelRoutes, emailFrom };
}

/** The provider names to try for a number of `country`, in order. */
export function routeFor(routing: SmsRouting, country: string | null): readonly string[] {
  return (country !== null ? routing.countryRoutes[country] : undefined) ?? routing.route;
}

/** The routing document as JSON (the API's and the sealed form's shape). */
export function routingToJson(routing: SmsRouting): Required<SmsRoutingInput> {
  return {
    providers: routing.providers.map((p) => ({ name: p.name, type: p.type, settings: { ...p.settings } })),
    route: [...routing.route],
    country_routes: Object.fromEntries(Object.entries(routing.countryRoutes).map(([k, v]) => [k, [...v]])),
    sender_id: routing.senderId,
    country_sender_ids: { ...routing.countrySenderIds },
    numeric_sender: routing.numericSender,
    channel_routes: Object.fromEntries(Object.entries(routing.channelRoutes).map(([k, v]) => [k, [...v]])),
    email_from: routing.emailFrom,
    country_messaging_services: { ...routing.countryMessagingServices },
  };
}
