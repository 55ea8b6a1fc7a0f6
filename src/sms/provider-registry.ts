import type { ProviderDefinition, ProviderModule } from './provider-types.js';
import { consoleProvider } from './providers/console.provider.js';
import { genericHttpProvider } from './providers/generic-http.provider.js';
import { infobipProvider } from './providers/infobip.provider.js';
import { kannelProvider } from './providers/kannel.provider.js';
import { messageBirdProvider } from './providers/messagebird.provider.js';
import { plivoProvider } from './providers/plivo.provider.js';
import { sinchProvider } from './providers/sinch.provider.js';
import { smppProvider } from './providers/smpp.provider.js';
import { sesProvider } from './providers/ses.provider.js';
import { smtpProvider } from './providers/smtp.provider.js';
import { snsProvider } from './providers/sns.provider.js';
import { telnyxProvider } from './providers/telnyx.provider.js';
import { twilioProvider } from './providers/twilio.provider.js';
import { vonageProvider } from './providers/vonage.provider.js';
import { whatsAppCloudProvider } from './providers/whatsapp-cloud.provider.js';

/** Every provider type otpgate can send through. Adding a vendor = one module + one line here. */
export const PROVIDER_MODULES: Readonly<Record<string, ProviderModule>> = Object.freeze(
  Object.fromEntries([
    consoleProvider,
    kannelProvider,
    genericHttpProvider,
    twilioProvider,
    vonageProvider,
    plivoProvider,
    telnyxProvider,
    infobipProvider,
    messageBirdProvider,
    sinchProvider,
    snsProvider,
    smppProvider,
    smtpProvider,
    sesProvider,
    whatsAppCloudProvider,
  ].map((m) => [m.type, m])),
);

export const PROVIDER_TYPES: readonly string[] = Object.freeze(Object.keys(PROVIDER_MODULES));

export function providerModule(type: string): ProviderModule | null {
  return Object.hasOwn(PROVIDER_MODULES, type) ? PROVIDER_MODULES[type]! : null;
}

/** A problem in SMS configuration; `path` names the setting (an env var or a JSON path). */
export class SmsConfigError extends Error {
  constructor(readonly path: string, detail: string) {
    super(`${path}: ${detail}`);
    this.name = 'SmsConfigError';
  }
}

const NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * Checks a provider definition against its type's fields. `pathOf(key)` names a setting in
 * errors (the env var for instance providers, the JSON path for API ones).
 */
export function validateDefinition(definition: ProviderDefinition, pathOf: (key: string) => string): ProviderDefinition {
  if (!NAME.test(definition.name)) throw new SmsConfigError(pathOf('name'), 'must be 1–32 of a–z, 0–9, _ and -, starting with a letter');
  const module = providerModule(definition.type);
  if (!module) throw new SmsConfigError(pathOf('type'), `unknown provider type "${definition.type}" (one of ${PROVIDER_TYPES.join(', ')})`);
  const known = new Set(module.fields.map((f) => f.key));
  const settings: Record<string, string> = {};
  for (const [key, value] of Object.entries(definition.settings)) {
    if (!known.has(key)) throw new SmsConfigError(pathOf(key), `is not a ${module.type} setting`);
    if (typeof value !== 'string') throw new SmsConfigError(pathOf(key), 'must be a string');
    settings[key] = value;
  }
  for (const field of module.fields) {
    const value = settings[field.key];
    if (value === undefined || value === '') {
      if (field.required) throw new SmsConfigError(pathOf(field.key), `is required by the ${module.type} provider`);
      delete settings[field.key];
      continue;
    }
    const problem = field.validate?.(value) ?? null;
    if (problem) throw new SmsConfigError(pathOf(field.key), problem);
  }
  return { name: definition.name, type: definition.type, settings: Object.freeze(settings) };
}

/** Settings with every credential replaced by a mask: what the API shows. */
export const SECRET_MASK = '********';

/**
 * Credentials also hide inside settings that are not credentials themselves, so every shown value
 * is masked by its shape as well: a URL's (http, https, smtp, smtps) user, password, query values and fragment (its host and
 * path stay readable), and in a JSON object every string that is not purely `{{placeholders}}`
 * (a vendor's body template holds its keys under any name). A part sent back as shown keeps its
 * stored value (`unmaskSetting`), but only while the provider still sends to the same place
 * (`destinationsOf`).
 */
const ONLY_PLACEHOLDERS = /^(\s*\{\{\s*[a-z_]+\s*\}\}\s*)*$/;

export function maskSecrets(definition: ProviderDefinition): ProviderDefinition {
  const module = providerModule(definition.type);
  const secret = new Set(module?.fields.filter((f) => f.secret).map((f) => f.key));
  return {
    ...definition,
    settings: Object.fromEntries(Object.entries(definition.settings).map(([k, v]) => [k, secret.has(k) ? SECRET_MASK : maskSetting(v)])),
  };
}

/** A setting as shown: a whole secret is SECRET_MASK; otherwise the credentials in it (see above). */
export function maskSetting(value: string): string {
  const url = credentialUrl(value);
  if (url) {
    if (url.username) url.username = SECRET_MASK;
    if (url.password) url.password = SECRET_MASK;
    for (const name of new Set(url.searchParams.keys())) url.searchParams.set(name, SECRET_MASK);
    if (url.hash) url.hash = SECRET_MASK;
    return url.toString();
  }
  const json = jsonObjectOf(value);
  return json ? JSON.stringify(maskJson(json)) : value;
}

/** What to store for a setting sent as `sent`: the parts sent masked (a whole value, a URL's, a JSON string) keep their stored value. */
export function unmaskSetting(sent: string, stored: string | undefined): string {
  if (stored === undefined) return sent === SECRET_MASK ? '' : sent;
  if (sent === SECRET_MASK) return stored;
  if (!sent.includes(SECRET_MASK)) return sent;
  const [url, before] = [credentialUrl(sent), credentialUrl(stored)];
  if (url && before) {
    if (url.username === SECRET_MASK) url.username = before.username;
    if (url.password === SECRET_MASK) url.password = before.password;
    for (const name of new Set(url.searchParams.keys())) {
      if (url.searchParams.get(name) === SECRET_MASK) url.searchParams.set(name, before.searchParams.get(name) ?? '');
    }
    if (url.hash === `#${SECRET_MASK}`) url.hash = before.hash;
    return url.toString();
  }
  const [json, previous] = [jsonObjectOf(sent), jsonObjectOf(stored)];
  return json && previous ? JSON.stringify(unmaskJson(json, previous)) : sent;
}

/**
 * Where a provider's settings send things: each URL setting's origin, and the value of each
 * field marked `destination` (an SMPP host and port). A masked credential keeps its stored value
 * only while these stay the same, so it cannot be redirected to a host of someone who could not
 * read it.
 */
export function destinationsOf(type: string, settings: Readonly<Record<string, unknown>>): string {
  const fields = new Set(providerModule(type)?.fields.filter((f) => f.destination).map((f) => f.key));
  return Object.entries(settings)
    .flatMap(([key, value]) => {
      if (typeof value !== 'string') return [];
      if (fields.has(key)) return [`${key}=${value.trim().toLowerCase()}`];
      const url = credentialUrl(value);
      // Scheme, host and port: `origin` would do for http(s), but is "null" for smtp:// URLs.
      return url ? [`${key}=${url.protocol}//${url.host.toLowerCase()}`] : [];
    })
    .sort()
    .join(' ');
}

function maskJson(value: unknown): unknown {
  if (typeof value === 'string') return ONLY_PLACEHOLDERS.test(value) ? value : SECRET_MASK;
  if (Array.isArray(value)) return value.map((item) => maskJson(item));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskJson(v)]));
  return value;
}

function unmaskJson(sent: unknown, stored: unknown): unknown {
  if (sent === SECRET_MASK) return typeof stored === 'string' ? stored : sent;
  if (Array.isArray(sent)) return sent.map((item, i) => unmaskJson(item, Array.isArray(stored) ? stored[i] : undefined));
  if (sent !== null && typeof sent === 'object') {
    const before = stored !== null && typeof stored === 'object' && !Array.isArray(stored) ? (stored as Record<string, unknown>) : {};
    return Object.fromEntries(Object.entries(sent).map(([k, v]) => [k, unmaskJson(v, before[k])]));
  }
  return sent;
}

/** A setting that is a URL of a scheme that carries credentials in its user info or query: http(s), smtp(s). */
function credentialUrl(value: string): URL | null {
  if (!/^\s*(https?|smtps?):\/\//i.test(value)) return null;
  try {
    return new URL(value.trim());
  } catch {
    return null;
  }
}

function jsonObjectOf(value: string): Record<string, unknown> | null {
  if (!value.trimStart().startsWith('{')) return null;
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
