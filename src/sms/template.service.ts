import { LRUCache } from 'lru-cache';
import { AppError } from '../core/errors.js';
import type { Clock, Store } from '../core/ports.js';
import { builtInTemplate, REGIONAL_PARENTS } from './locales.js';
import type { Locale } from './locales.js';
import { CONFIG_CACHE_MS } from './sms-router.js';
import { checkTemplate, normalizeLocaleTag, renderSms, SUPPORTED_LOCALES } from './templates.js';
import type { TemplateCheck } from './templates.js';

export interface TemplateView {
  locale: string;
  text: string;
  /** `inherited`: the service's own text for the base language (its `pt` text for `pt-BR`). */
  source: 'service' | 'inherited' | 'built_in';
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

  /**
   * The service's own text for a locale as sends use it, or null for the built-in one. A regional
   * locale without its own text takes the service's text for the base language: a service that
   * wrote a `pt` or `es` text before `pt-BR` and `es-419` existed keeps sending it to Brazil and Mexico.
   */
  textFor(serviceId: string, locale: string): Promise<string | null> {
    const key = `${serviceId}\u0000${locale}`;
    let text = this.#texts.get(key);
    if (!text) {
      const parent = REGIONAL_PARENTS[locale as Locale];
      text = this.store.getTemplate(serviceId, locale).then((own) =>
        own === null && parent !== undefined ? this.store.getTemplate(serviceId, parent) : own);
      this.#texts.set(key, text);
      text.catch(() => this.#texts.delete(key));
    }
    return text;
  }

  async list(serviceId: string): Promise<TemplateView[]> {
    const service = await this.#service(serviceId);
    const own = await this.store.listTemplates(serviceId);
    return SUPPORTED_LOCALES.map((locale) => {
      const parent = REGIONAL_PARENTS[locale];
      const inherited = own[locale] === undefined && parent !== undefined ? own[parent] : undefined;
      return inherited === undefined
        ? this.#view(locale, own[locale] ?? null, service.settings)
        : { ...this.#view(locale, inherited, service.settings), source: 'inherited' as const };
    });
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
      this.#forget(serviceId, locale);
    }
    return { template: view, previous };
  }

  /**
   * What a text would send, without saving it: its check (M2) and the message a person would get
   * with the code 123456, this service's name, WebOTP line and app hash. The console's live preview.
   */
  async preview(serviceId: string, localeTag: string, text: string): Promise<{ check: TemplateCheck; body: string | null }> {
    const service = await this.#service(serviceId);
    const view = this.#view(this.#locale(localeTag), text, service.settings);
    if (!view.check.ok) return { check: view.check, body: null };
    const rendered = renderSms({
      locale: view.locale, template: text, code: '123456', serviceName: service.settings.name,
      webotpDomain: service.settings.webotp_domain, androidAppHash: service.settings.android_app_hash,
    });
    return { check: view.check, body: rendered.body };
  }

  /** Drops the service's own text for a locale; answers the text dropped. */
  async remove(serviceId: string, localeTag: string): Promise<{ locale: string; previous: string }> {
    await this.#service(serviceId);
    const locale = this.#locale(localeTag);
    const previous = await this.store.getTemplate(serviceId, locale);
    if (previous === null || !(await this.store.deleteTemplate(serviceId, locale))) {
      throw new AppError('not_found', `Service ${serviceId} has no own template for ${localeTag}.`);
    }
    this.#forget(serviceId, locale);
    return { locale, previous };
  }

  /** Drops the cached text of a locale and of the regional locales that inherit it. */
  #forget(serviceId: string, locale: string): void {
    this.#texts.delete(`${serviceId}\u0000${locale}`);
    for (const [child, parent] of Object.entries(REGIONAL_PARENTS)) {
      if (parent === locale) this.#texts.delete(`${serviceId}\u0000${child}`);
    }
  }

  #view(
    locale: Locale,
    own: string | null,
    settings: { webotp_domain: string | null; android_app_hash: string | null; do_not_share_warning: boolean },
  ): TemplateView {
    const text = own ?? builtInTemplate(locale, settings.do_not_share_warning);
    return { locale, text, source: own === null ? 'built_in' : 'service', check: checkTemplate(text, { webotpDomain: settings.webotp_domain, androidAppHash: settings.android_app_hash }) };
  }

  #locale(tag: string): Locale {
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
