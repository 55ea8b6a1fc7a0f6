import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

describe('operations endpoints', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ overrides: { defaultMetrics: true } });
  });
  afterAll(async () => h.close());

  const requestLines = (route: string) => h.logs.filter((line) => line.msg === 'request' && line.route === route);

  it('do not log healthy probes and scrapes at info; other requests are', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics']) expect((await h.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/v1/services' })).statusCode).toBe(401);
    for (const route of ['/healthz', '/readyz', '/metrics']) expect(requestLines(route), route).toEqual([]);
    expect(requestLines('/v1/services')).toEqual([expect.objectContaining({ level: 30, status: 401 })]);
  });

  it('log a failing readiness probe at info', async () => {
    const ping = h.c.store.ping.bind(h.c.store);
    h.c.store.ping = async () => {
      throw new Error('down');
    };
    try {
      expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    } finally {
      h.c.store.ping = ping;
    }
    expect(requestLines('/readyz')).toEqual([expect.objectContaining({ level: 30, status: 503 })]);
  });

  it('export Node\'s process metrics under their standard names, next to otpgate_ ones', async () => {
    const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_version_info']) {
      expect(text).toMatch(new RegExp(`^${name}[ {]`, 'm'));
    }
    expect(text).not.toMatch(/^otpgate_(process|nodejs)_/m);
    expect(text).toMatch(/^# TYPE otpgate_http_request_duration_seconds histogram$/m);
  });
});
