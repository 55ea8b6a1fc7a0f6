import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { VerificationMetrics } from '../core/ports.js';
import type { WebhookMetrics } from '../webhooks/webhook-worker.js';

export interface Metrics extends VerificationMetrics, WebhookMetrics {
  readonly registry: Registry;
  observeHttp(method: string, route: string, statusCode: number, seconds: number): void;
}

/** One registry per container, so tests can build many apps in one process. */
export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  // Node's process metrics under their standard names (process_cpu_seconds_total,
  // nodejs_heap_size_used_bytes, nodejs_eventloop_lag_seconds…), which off-the-shelf Node.js
  // dashboards and alerts query; otpgate's own metrics carry the otpgate_ prefix.
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const started = new Counter({
    name: 'otpgate_verifications_started_total',
    help: 'Sends requested: new verifications and resends',
    labelNames: ['channel', 'country', 'kind'] as const,
    registers: [registry],
  });
  const finished = new Counter({
    name: 'otpgate_verifications_finished_total',
    help: 'Verifications that left pending, by final status (approved, expired, canceled, max_attempts_reached, failed)',
    labelNames: ['channel', 'country', 'status'] as const,
    registers: [registry],
  });
  const checks = new Counter({
    name: 'otpgate_checks_total',
    help: 'Check outcomes (approved, wrong_code, expired, canceled, max_attempts_reached, ...)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const sends = new Counter({
    name: 'otpgate_sms_sends_total',
    help: 'Provider send attempts by outcome (sent, retry, failover, circuit_open, failed, expired)',
    labelNames: ['provider', 'channel', 'outcome'] as const,
    registers: [registry],
  });
  const statuses = new Counter({
    name: 'otpgate_sms_messages_total',
    help: 'Message status changes (sent, delivered, undelivered, failed, expired) by provider, country and provider error code',
    labelNames: ['provider', 'status', 'country', 'error_code', 'channel'] as const,
    registers: [registry],
  });
  const fallbacks = new Counter({
    name: 'otpgate_channel_fallbacks_total',
    help: 'Verifications that moved on to their next channel (service setting fallback), by channels and reason (failed, undelivered, no_check)',
    labelNames: ['from', 'to', 'reason'] as const,
    registers: [registry],
  });
  const webhooks = new Counter({
    name: 'otpgate_webhook_attempts_total',
    help: 'Webhook delivery attempts by outcome (succeeded, retry, failed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const webhookDelay = new Histogram({
    name: 'otpgate_webhook_delivery_delay_seconds',
    help: 'How late webhook attempts start after they are due (a busy worker or a slow neighbour shows here)',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 15, 60, 300],
    registers: [registry],
  });
  const http = new Histogram({
    name: 'otpgate_http_request_duration_seconds',
    help: 'HTTP request latency by route template',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  return {
    registry,
    verificationStarted(channel, country, resend) {
      started.inc({ channel, country: country ?? 'unknown', kind: resend ? 'resend' : 'new' });
    },
    verificationFinished(channel, country, status) {
      finished.inc({ channel, country: country ?? 'unknown', status });
    },
    checkEvaluated(outcome) {
      checks.inc({ outcome });
    },
    sendFinished(provider, channel, outcome) {
      sends.inc({ provider, channel, outcome });
    },
    messageStatus(provider, status, country, errorCode, channel) {
      statuses.inc({ provider, status, country: country ?? 'unknown', error_code: errorCode ?? '', channel });
    },
    channelFallback(from, to, reason) {
      fallbacks.inc({ from, to, reason });
    },
    webhookAttempt(outcome) {
      webhooks.inc({ outcome });
    },
    webhookDelay(seconds) {
      webhookDelay.observe(seconds);
    },
    observeHttp(method, route, statusCode, seconds) {
      http.observe({ method, route, status_code: String(statusCode) }, seconds);
    },
  };
}
