import ipaddr from 'ipaddr.js';

/**
 * An IP address in one spelling, so one address is one counter however it was written: IPv4 in
 * dotted decimal (also when it came as `::ffff:a.b.c.d`), IPv6 compressed and lower-case. Null
 * when `value` is not an IP address. Zone ids (`fe80::1%eth0`) are not addresses of a caller.
 */
export function normalizeIp(value: string): string | null {
  const text = value.trim();
  if (!ipaddr.isValid(text) || text.includes('%')) return null;
  // ipaddr also accepts IPv4 in octal, hex and fewer than four parts ("127.1"): only the usual
  // dotted quad is an address a client reports.
  if (ipaddr.IPv4.isValid(text) && !ipaddr.IPv4.isValidFourPartDecimal(text)) return null;
  const parsed = ipaddr.parse(text);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) return (parsed as ipaddr.IPv6).toIPv4Address().toString();
  return parsed.toString();
}

/**
 * An address as a proxy forwarded it: some load balancers (Azure Application Gateway, for one)
 * write the client's port too, `203.0.113.5:1234` or `[2001:db8::1]:1234`. Null when it is no
 * address at all.
 */
export function forwardedIp(value: string): string | null {
  const plain = normalizeIp(value);
  if (plain !== null) return plain;
  const withPort = /^\[([0-9A-Fa-f:.]+)\]:\d{1,5}$/.exec(value.trim()) ?? /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(value.trim());
  return withPort ? normalizeIp(withPort[1]!) : null;
}

/**
 * What a per-address budget counts. An IPv4 address counts alone; an IPv6 address counts with
 * its /64, because one subscriber (or one cloud machine) usually holds a whole /64 and would
 * otherwise get a fresh budget per address.
 */
export function addressPartition(ip: string): string {
  const normalized = normalizeIp(ip) ?? ip;
  if (!ipaddr.IPv6.isValid(normalized)) return normalized;
  const parts = ipaddr.IPv6.parse(normalized).parts.slice(0, 4);
  return `${parts.map((p) => p.toString(16)).join(':')}::/64`;
}
