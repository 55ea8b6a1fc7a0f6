import type { Logger } from 'pino';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { AbuseEvents, PrefixBlock } from '../core/ports.js';

export interface AbuseEventsAdapter extends AbuseEvents {
  limiterBackend(up: boolean, error?: unknown): void;
}

/** Abuse controls → log lines (warn for what an operator should look at) and Prometheus metrics. */
export function createAbuseEvents(logger: Logger, registry: Registry): AbuseEventsAdapter {
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
    help: 'A daily message or spend cap passed 80 %',
    labelNames: ['quota'] as const,
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
  return {
    refused(serviceId, rule, detail) {
      refused.inc({ rule });
      log.info({ service_id: serviceId, rule, ...detail }, 'request refused by an abuse control');
    },
    quotaWarning(serviceId, kind, used, cap) {
      quota.inc({ quota: kind });
      log.warn({ service_id: serviceId, quota: kind, used, cap }, 'daily cap is 80 % used');
    },
    prefixBlocked(block: PrefixBlock) {
      blocks.inc({ mode: block.mode });
      log.warn(
        { service_id: block.serviceId, prefix: block.prefix, mode: block.mode, sends: block.sends, approvals: block.approvals, baseline_per_window: block.baselinePerWindow, until: new Date(block.expiresAt).toISOString() },
        block.mode === 'enforced' ? 'sms pumping suspected: prefix blocked' : 'sms pumping suspected: prefix would be blocked (monitor mode)',
      );
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
