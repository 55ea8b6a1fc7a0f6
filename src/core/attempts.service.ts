import { AppError } from './errors.js';
import type { AttemptRecord, AttemptSummary, Page, ReadScope } from './model.js';
import { normalizeAddress } from './destination.js';
import type { AttemptFilter, AttemptStore, AttemptSummaryFilter } from './ports.js';

/** What a caller may filter the attempts log by; numbers and prefixes are validated here. */
export type AttemptQuery = AttemptFilter;

/**
 * The attempts log (every send, with whether its verification was approved) and its conversion
 * summary, of one mode. `scope` is the caller's service, or every service for an admin (live).
 */
export class AttemptsService {
  readonly #store: AttemptStore;

  constructor(store: AttemptStore) {
    this.#store = store;
  }

  list(scope: ReadScope, query: AttemptQuery, cursor: string | undefined, limit: number): Promise<Page<AttemptRecord>> {
    return this.#store.listAttempts(scope, toFilter(query), { cursor, limit });
  }

  async get(scope: ReadScope, messageId: string): Promise<AttemptRecord> {
    const attempt = await this.#store.getAttempt(scope, messageId);
    if (!attempt) throw new AppError('not_found', `No attempt ${messageId}.`);
    return attempt;
  }

  /** From hourly counters: the hours that hold the period's ends count in full (docs/twilio-migration.md). */
  async summary(scope: ReadScope, query: AttemptSummaryFilter): Promise<AttemptSummary & { conversionRate: number }> {
    const { country, createdAfter, createdBefore } = toFilter({ country: query.country, createdAfter: query.createdAfter, createdBefore: query.createdBefore });
    const prefix = query.destinationPrefix;
    if (prefix !== undefined && !/^\+[1-9]\d{0,3}$/.test(prefix)) {
      throw new AppError('invalid_request', 'A destination prefix is "+" and 1 to 4 digits (the summary counts sends by their first 4 digits).');
    }
    const summary = await this.#store.summarizeAttempts(scope, { country, createdAfter, createdBefore, destinationPrefix: prefix });
    return { ...summary, conversionRate: summary.total === 0 ? 0 : (summary.converted / summary.total) * 100 };
  }
}

function toFilter(query: AttemptQuery): AttemptFilter {
  if (query.country !== undefined && !/^[A-Za-z]{2}$/.test(query.country)) {
    throw new AppError('invalid_request', 'country must be an ISO 3166-1 alpha-2 code.');
  }
  return {
    ...query,
    to: query.to === undefined ? undefined : normalizeAddress(query.to),
    country: query.country?.toUpperCase(),
  };
}
