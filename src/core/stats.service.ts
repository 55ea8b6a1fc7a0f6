import { priceOf } from '../channels/channel-settings.js';
import { AppError } from './errors.js';
import type { Mode, ServiceRecord } from './model.js';
import type { Clock, StatsCountRow, StatsGroupBy, StatsStore } from './ports.js';

/** Upper bounds (seconds) of the time-to-approve buckets; the store's columns follow them (migration 150). */
export const TTA_BOUNDS_S = [10, 20, 30, 45, 60, 90, 120, 180, 300, 600] as const;

const DAY_MS = 86_400_000;
/** The longest period one request may ask for. */
export const MAX_STATS_DAYS = 400;
const DEFAULT_DAYS = 30;

export interface Figures {
  started: number;
  approved: number;
  /** approved / started; null with no starts. */
  conversionRate: number | null;
  /** From the time-to-approve histogram, interpolated in its bucket; null with no approvals. */
  medianSecondsToApprove: number | null;
  messages: { created: number; sent: number; delivered: number; failed: number; undelivered: number };
  /** delivered / (delivered + undelivered + failed); null before any final outcome. */
  deliveryRate: number | null;
  /** Messages created × the service's current price for their channel and country (`sms_prices`, `channel_prices`). */
  spend: number;
  refusals: Record<string, number>;
}

export interface StatsReport {
  serviceId: string | null;
  mode: Mode;
  from: string;
  to: string;
  groupBy: StatsGroupBy;
  totals: Figures;
  groups: Array<Figures & { key: string }>;
}

export interface StatsRequest {
  serviceId: string | null;
  mode: Mode;
  from?: string;
  to?: string;
  groupBy?: StatsGroupBy;
}

const dayOf = (text: string, name: string): number => {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : NaN;
  if (!match || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== match[0]) {
    throw new AppError('invalid_request', `${name} must be a date, YYYY-MM-DD (a time after it is ignored).`);
  }
  return Math.floor(ms / DAY_MS);
};
const dayText = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The median of a histogram whose bucket `i` holds values up to `TTA_BOUNDS_S[i]` (the last is open: its lower bound). */
export function histogramMedian(buckets: readonly number[]): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const half = total / 2;
  let before = 0;
  for (let i = 0; i < buckets.length; i++) {
    const count = buckets[i]!;
    if (count > 0 && before + count >= half) {
      const lower = i === 0 ? 0 : TTA_BOUNDS_S[i - 1]!;
      const upper = TTA_BOUNDS_S[i];
      if (upper === undefined) return lower;
      return Math.round((lower + ((upper - lower) * (half - before)) / count) * 10) / 10;
    }
    before += count;
  }
  return null;
}

interface Sum {
  started: number; approved: number; created: number; sent: number; delivered: number; failed: number; undelivered: number;
  tta: number[]; spend: number; refusals: Record<string, number>;
}
const emptySum = (): Sum => ({ started: 0, approved: 0, created: 0, sent: 0, delivered: 0, failed: 0, undelivered: 0, tta: TTA_BOUNDS_S.map(() => 0).concat(0), spend: 0, refusals: {} });

function figures(s: Sum): Figures {
  const finals = s.delivered + s.undelivered + s.failed;
  return {
    started: s.started,
    approved: s.approved,
    conversionRate: s.started > 0 ? Math.min(1, s.approved / s.started) : null,
    medianSecondsToApprove: histogramMedian(s.tta),
    messages: { created: s.created, sent: s.sent, delivered: s.delivered, failed: s.failed, undelivered: s.undelivered },
    deliveryRate: finals > 0 ? s.delivered / finals : null,
    spend: Math.round(s.spend * 1e6) / 1e6,
    refusals: s.refusals,
  };
}

/**
 * Statistics over a period, from the counters the store keeps as things change (never a scan of
 * verifications): started, approved, conversion, median time to approve, messages by outcome,
 * spend and refusals by rule, in total and by day, country, provider or channel.
 */
export class StatsService {
  readonly #store: StatsStore;
  readonly #clock: Clock;
  readonly #services: (id: string) => Promise<ServiceRecord | null>;

  constructor(store: StatsStore, clock: Clock, services: (id: string) => Promise<ServiceRecord | null>) {
    this.#store = store;
    this.#clock = clock;
    this.#services = services;
  }

  async report(request: StatsRequest): Promise<StatsReport> {
    const today = Math.floor(this.#clock.now() / DAY_MS);
    const toDay = request.to === undefined ? today : dayOf(request.to, 'to');
    const fromDay = request.from === undefined ? toDay - (DEFAULT_DAYS - 1) : dayOf(request.from, 'from');
    if (fromDay > toDay) throw new AppError('invalid_request', 'from must not be after to.');
    if (toDay - fromDay + 1 > MAX_STATS_DAYS) throw new AppError('invalid_request', `A period is at most ${MAX_STATS_DAYS} days.`);
    const groupBy = request.groupBy ?? 'day';
    const query = { serviceId: request.serviceId, mode: request.mode, fromDay, toDay, groupBy };
    const [rows, refusals] = await Promise.all([this.#store.statsCounts(query), this.#store.statsRefusals(query)]);
    const prices = new Map<string, ServiceRecord | null>();
    const priceFor = async (row: StatsCountRow): Promise<number> => {
      if (!prices.has(row.serviceId)) prices.set(row.serviceId, await this.#services(row.serviceId));
      const service = prices.get(row.serviceId);
      return service ? priceOf(service.settings, row.channel as never, row.country === '' ? null : row.country) : 0;
    };
    const total = emptySum();
    const groups = new Map<string, Sum>();
    for (const row of rows) {
      const spend = row.messages * (await priceFor(row));
      const group = groups.get(row.key) ?? emptySum();
      groups.set(row.key, group);
      for (const s of [total, group]) {
        s.started += row.started;
        s.approved += row.approved;
        s.created += row.messages;
        s.sent += row.sent;
        s.delivered += row.delivered;
        s.failed += row.failed;
        s.undelivered += row.undelivered;
        s.spend += spend;
        row.tta.forEach((n, i) => (s.tta[i] = (s.tta[i] ?? 0) + n));
      }
    }
    for (const r of refusals) {
      total.refusals[r.rule] = (total.refusals[r.rule] ?? 0) + r.refusals;
      if (groupBy === 'day') {
        const group = groups.get(r.key) ?? emptySum();
        groups.set(r.key, group);
        group.refusals[r.rule] = (group.refusals[r.rule] ?? 0) + r.refusals;
      }
    }
    if (groupBy === 'day') {
      // Every day of the period, so a chart has no gaps (a period is at most MAX_STATS_DAYS).
      for (let day = fromDay; day <= toDay; day++) if (!groups.has(dayText(day))) groups.set(dayText(day), emptySum());
    }
    return {
      serviceId: request.serviceId,
      mode: request.mode,
      from: dayText(fromDay),
      to: dayText(toDay),
      groupBy,
      totals: figures(total),
      groups: [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, s]) => ({ key, ...figures(s) })),
    };
  }
}
