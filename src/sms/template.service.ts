import { AppError } from '../core/errors.js';
import type { Clock, Store } from '../core/ports.js';
import { BUILT_IN_TEMPLATES } from './locales.js';
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
  constructor(private readonly store: Store, private readonly clock: Clock) {}

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
    await this.store.putTemplate(serviceId, locale, text, this.clock.now());
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
