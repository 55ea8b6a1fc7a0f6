import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

/** deploy/grafana/otpgate.json and deploy/prometheus/alerts.yml name only metrics otpgate exports. */
let h: Harness;
let exported: Set<string>;

beforeAll(async () => {
  h = await createHarness();
  exported = new Set((await h.c.metrics.registry.getMetricsAsJSON()).map((m) => m.name));
});
afterAll(async () => h.close());

const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/;
const named = (text: string) => [...new Set(text.match(/\botpgate_[a-z0-9_]+/g) ?? [])];
const exists = (name: string) => exported.has(name) || (HISTOGRAM_SUFFIX.test(name) && exported.has(name.replace(HISTOGRAM_SUFFIX, '')));

describe('deploy files name real metrics', () => {
  for (const file of ['deploy/grafana/otpgate.json', 'deploy/prometheus/alerts.yml']) {
    it(file, () => {
      const text = readFileSync(file, 'utf8');
      if (file.endsWith('.json')) JSON.parse(text);
      const names = named(text).filter((n) => n !== 'otpgate_' && !/^Otpgate/.test(n));
      expect(names.length).toBeGreaterThan(5);
      expect(names.filter((n) => !exists(n)), 'metrics named but not exported').toEqual([]);
    });
  }

  it('alerts cover delivery rate, conversion, breakers, caps and webhook backlog', () => {
    const text = readFileSync('deploy/prometheus/alerts.yml', 'utf8');
    for (const alert of ['OtpgateDeliveryRateDrop', 'OtpgateConversionDrop', 'OtpgateProviderBreakerOpen', 'OtpgateDailyCapNear', 'OtpgateWebhookBacklog']) {
      expect(text).toContain(`alert: ${alert}`);
    }
  });
});
