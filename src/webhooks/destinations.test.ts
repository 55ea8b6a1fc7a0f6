import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebhookDestinations } from './destinations.js';

describe('WebhookDestinations', () => {
  it('allows public unicast addresses only, by default', () => {
    const destinations = new WebhookDestinations();
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700::6810:84e5']) expect(destinations.allows(address), address).toBe(true);
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '10.0.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1',
      '0.0.0.0', '::', '255.255.255.255', '224.0.0.251', 'fc00::1', 'fe80::1', '::ffff:10.0.0.1', '64:ff9b::a00:1', '2001:db8::1']) {
      expect(destinations.allows(address), address).toBe(false);
    }
    destinations.close();
  });

  it('opens exactly the configured networks, per address family', () => {
    const destinations = new WebhookDestinations(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);
    expect(destinations.allows('10.200.0.1')).toBe(true);
    expect(destinations.allows('127.0.0.1')).toBe(true);
    expect(destinations.allows('fd12::1')).toBe(true);
    expect(destinations.allows('127.0.0.2')).toBe(false);
    expect(destinations.allows('192.168.0.1')).toBe(false);
    expect(destinations.allows('::1')).toBe(false);
    expect(destinations.allows('169.254.169.254')).toBe(false);
    destinations.close();
  });

  it('names the refusal it can see without DNS, and leaves names to the connection', () => {
    const destinations = new WebhookDestinations();
    expect(destinations.refusal(new URL('http://169.254.169.254/latest'))).toMatch(/^169\.254\.169\.254 is a link local address/);
    expect(destinations.refusal(new URL('http://LOCALHOST./x'))).toMatch(/loopback/);
    expect(destinations.refusal(new URL('https://hooks.example.com/x'))).toBeNull();
    expect(destinations.refusal(new URL('http://[2606:4700::6810:84e5]/x'))).toBeNull();
    destinations.close();
  });

  it('judges any URL and any address without throwing (fast-check)', () => {
    const destinations = new WebhookDestinations(['10.0.0.0/8', 'fd00::/8']);
    const host = fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.ipV6().map((a) => `[${a}]`), fc.domain());
    fc.assert(fc.property(fc.constantFrom('http', 'https'), host, (scheme, h) => {
      let url: URL;
      try {
        url = new URL(`${scheme}://${h}/hooks`);
      } catch {
        return; // not a URL: refused earlier, by the URL check
      }
      const refusal = destinations.refusal(url);
      expect(refusal === null || refusal.includes('OTPGATE_WEBHOOK_ALLOWED_NETWORKS')).toBe(true);
    }), { numRuns: 5000 });
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (address) => {
      expect(typeof destinations.allows(address)).toBe('boolean');
    }), { numRuns: 5000 });
    destinations.close();
  });
});
