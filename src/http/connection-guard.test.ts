import { describe, expect, it } from 'vitest';
import { trustedProxyMatcher } from './connection-guard.js';

describe('trusted proxies for the per-address connection cap (T5, T8)', () => {
  it('compares a dual-stack socket\'s IPv4 peer as the IPv4 address it is, as X-Forwarded-For trust does', () => {
    const trusted = trustedProxyMatcher(['127.0.0.1/32', '10.0.0.0/8']);
    expect(trusted('::ffff:127.0.0.1')).toBe(true);
    expect(trusted('127.0.0.1')).toBe(true);
    expect(trusted('::ffff:10.1.2.3')).toBe(true);
    expect(trusted('::ffff:192.0.2.1')).toBe(false);
    expect(trusted('not an address')).toBe(false);
  });

  it('takes every peer for a proxy with a hop count, and none without trust', () => {
    expect(trustedProxyMatcher(1)('203.0.113.9')).toBe(true);
    expect(trustedProxyMatcher(false)('127.0.0.1')).toBe(false);
  });
});
