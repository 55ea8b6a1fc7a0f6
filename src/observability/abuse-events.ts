import type { Logger } from 'pino';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { limitWarningEventData, prefixBlockEventData, quotaWarningEventData } from '../core/events.js';
import type { EventService } from '../core/event.service.js';
import type { EventType } from '../core/events.js';
import type { AbuseEvents, PrefixBlock } from '../core/ports.js';


export interface AbuseEventsAdapter extends AbuseEvents {
  limiterBackend(up: boolean, error?: unknown): void;
}

/**
 * Abuse controls → log lines (warn for what an operator should look at), Prometheus metrics,
 * and the service's events (`fraud.prefix_blocked`, `quota.warning`) when `publish` is given.
 */
export function createAbuseEvents(
  logger: Logger,
  registry: Registry,
  publish?: EventService['publish'],
  /** Counts a refusal in the statistics (`stats_refusals`); a failure is logged, never the request's. */
  countRefusal?: (serviceId: string, rule: string) => Promise<void>,
): AbuseEventsAdapter {
  const refused = new Counter({
    name: 'otpgate_abuse_refusals_total',
    help: 'Requests refused by an abuse control, by rule (sends_per_phone, country_not_allowed, prefix_blocked, daily_messages_cap, …)',
    labelNames: ['rule'] as const,
    registers: [registry],
  });
  const blocks = new Counter({
    name: 'otpgate_prefix_blocks_total',
    help: 'Destination prefixes the SMS-pumping guard blocked (mode=enforced) or would have blocked (mode=monitor)',
    labelNames: ['mode'] as const,
    registers: [registry],
  });
  const quota = new Counter({
    name: 'otpgate_quota_warnings_total',
    help: 'A daily message or spend cap passed 50 % or 80 %',
    labelNames: ['quota', 'percent'] as const,
    registers: [registry],
  });
  const limits = new Counter({
    name: 'otpgate_limit_warnings_total',
    help: 'A velocity budget (sends_per_service, sends_per_prefix) passed 80 % of its limit in a window',
    labelNames: ['limit'] as const,
    registers: [registry],
  });
  const limiterUp = new Gauge({
    name: 'otpgate_limiter_backend_up',
    help: '1 while the rate-limit backend (Redis) answers, 0 while it is down',
    registers: [registry],
  });
  const unavailable = new Counter({
    name: 'otpgate_limiter_errors_total',
    help: 'Operations that could not reach the rate-limit backend',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  limiterUp.set(1);
  const log = logger.child({ component: 'abuse' });
  // A notification that cannot be written is logged; it never fails the request that caused it.
  // Caps and the pumping guard count live sends only (a test key sends nothing real), so their
  // events belong to the live world.
  const emit = async (serviceId: string, type: EventType, data: Record<string, unknown>) => {
    try {
      await publish?.({ serviceId, mode: 'live' }, type, data);
    } catch (error) {
      log.error({ err: error, service_id: serviceId, type }, 'event could not be written');
    }
  };
  return {
    refused(serviceId, rule, detail) {
      refused.inc({ rule });
      countRefusal?.(serviceId, rule).catch((error: unknown) => log.error({ err: error, service_id: serviceId, rule }, 'refusal could not be counted'));
      log.info({ service_id: serviceId, rule, ...detail }, 'request refused by an abuse control');
    },
    quotaWarning(serviceId, warning) {
      quota.inc({ quota: warning.quota, percent: String(warning.percent) });
      log.warn({ service_id: serviceId, quota: warning.quota, used: warning.used, cap: warning.cap }, `daily cap is ${warning.percent} % used`);
      return emit(serviceId, 'quota.warning', quotaWarningEventData(warning));
    },
    limitWarning(serviceId, warning) {
      limits.inc({ limit: warning.limit });
      log.warn({ service_id: serviceId, limit: warning.limit, prefix: warning.prefix, used: warning.used, max: warning.max, window_seconds: warning.windowSeconds }, 'a send budget is 80 % used');
      return emit(serviceId, 'limit.warning', limitWarningEventData(warning));
    },
    prefixBlocked(block: PrefixBlock) {
      blocks.inc({ mode: block.mode });
      log.warn(
        { service_id: block.serviceId, prefix: block.prefix, mode: block.mode, sends: block.sends, approvals: block.approvals, baseline_per_window: block.baselinePerWindow, until: new Date(block.expiresAt).toISOString() },
        block.mode === 'enforced' ? 'sms pumping suspected: prefix blocked' : 'sms pumping suspected: prefix would be blocked (monitor mode)',
      );
      return emit(block.serviceId, 'fraud.prefix_blocked', prefixBlockEventData(block));
    },
    limiterUnavailable(operation, error) {
      unavailable.inc({ operation });
      log.error({ operation, err: error }, 'rate-limit backend unavailable');
    },
    limiterBackend(up, error) {
      limiterUp.set(up ? 1 : 0);
      if (up) log.info('rate-limit backend (redis) is up');
      else log.error({ err: error }, 'rate-limit backend (redis) is down');
    },
  };
}
