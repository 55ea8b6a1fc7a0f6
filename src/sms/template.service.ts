import { LRUCache } from 'lru-cache';
import { AppError } from '../core/errors.js';
import type { Clock, Store } from '../core/ports.js';
import { BUILT_IN_TEMPLATES } from './locales.js';
import { CONFIG_CACHE_MS } from './sms-router.js';
import { checkTemplate, normalizeLocaleTag, SUPPORTED_LOCALES } from './templates.js';
import type { TemplateCheck } from './templates.js';

export interface TemplateView {
  locale: string;
  text: string;
  source: 'service' | 'built_in';
  check: TemplateCheck;
}

/**
 * Per-service, per-locale message templates. Each is checked (M2: GSM-7, one segment, `{code}`
 * present) with the service's own WebOTP line and app hash; problems refuse it, costs warn.
 */
export class TemplateService {
  /** The texts sends use, for CONFIG_CACHE_MS (null: the built-in one); a change made here applies at once. */
  readonly #texts = new LRUCache<string, Promise<string | null>>({ max: 10_000, ttl: CONFIG_CACHE_MS });

  constructor(private readonly store: Store, private readonly clock: Clock) {}

  /** The service's own text for a locale as sends use it, or null for the built-in one. */
  textFor(serviceId: string, locale: string): Promise<string | null> {
    const key = `${serviceId}\u0000${locale}`;
    let text = this.#texts.get(key);
    if (!text) {
      text = this.store.getTemplate(serviceId, locale);
      this.#texts.set(key, text);
      text.catch(() => this.#texts.delete(key));
    }
    return text;
  }

  async list(serviceId: string): Promise<TemplateView[]> {
    const service = await this.#service(serviceId);
    const own = await this.store.listTemplates(serviceId);
    return SUPPORTED_LOCALES.map((locale) => this.#view(locale, own[locale] ?? null, service.settings));
  }

  /** Sets the service's own text for a locale; answers it, and the text it replaces (null: the built-in one). */
  async put(serviceId: string, localeTag: string, text: string): Promise<{ template: TemplateView; previous: string | null }> {
    const service = await this.#service(serviceId);
    const locale = this.#locale(localeTag);
    const view = this.#view(locale, text, service.settings);
    if (!view.check.ok) throw new AppError('invalid_request', view.check.errors.join('; '), { extra: { warnings: view.check.warnings } });
    const previous = await this.store.getTemplate(serviceId, locale);
    try {
      await this.store.putTemplate(serviceId, locale, text, this.clock.now());
    } finally {
      this.#texts.delete(`${serviceId}\u0000${locale}`);
    }
    return { template: view, previous };
  }

  /** Drops the service's own text for a locale; answers the text dropped. */
  async remove(serviceId: string, localeTag: string): Promise<{ locale: string; previous: string }> {
    await this.#service(serviceId);
    const locale = this.#locale(localeTag);
    const previous = await this.store.getTemplate(serviceId, locale);
    if (previous === null || !(await this.store.deleteTemplate(serviceId, locale))) {
      throw new AppError('not_found', `Service ${serviceId} has no own template for ${localeTag}.`);
    }
    this.#texts.delete(`${serviceId}\u0000${locale}`);
    return { locale, previous };
  }

  #view(locale: string, own: string | null, settings: { webotp_domain: string | null; android_app_hash: string | null }): TemplateView {
    const text = own ?? BUILT_IN_TEMPLATES[locale as keyof typeof BUILT_IN_TEMPLATES];
    return { locale, text, source: own === null ? 'built_in' : 'service', check: checkTemplate(text, { webotpDomain: settings.webotp_domain, androidAppHash: settings.android_app_hash }) };
  }

  #locale(tag: string): string {
    const locale = normalizeLocaleTag(tag);
    if (locale === null) throw new AppError('invalid_request', `locale "${tag.slice(0, 35)}" is not supported; supported: ${SUPPORTED_LOCALES.join(', ')}`);
    return locale;
  }

  async #service(id: string) {
    const service = await this.store.getService(id);
    if (!service) throw new AppError('not_found', `No service ${id}.`);
    return service;
  }
}
