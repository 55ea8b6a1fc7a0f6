import { lookup as dnsLookup } from 'node:dns';
import { Agent as HttpAgent } from 'node:http';
import type { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where webhooks may go (OWASP API7:2023, server-side request forgery). A service key chooses
 * its webhook URL, so by default otpgate only calls public unicast addresses: never loopback,
 * private, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, unique-local,
 * multicast or reserved ones, nor IPv4 behind an IPv6 form (`::ffff:127.0.0.1`). The operator
 * may open networks (OTPGATE_WEBHOOK_ALLOWED_NETWORKS), e.g. where receivers run in the same VPC.
 *
 * The rule holds where the connection is made, on the addresses DNS gave for it, so a name
 * that resolves to an internal address, now or after a DNS change, is refused too. Registration
 * refuses what it can already see: an address literal or `localhost`.
 */
export class WebhookDestinations {
  readonly #allowed: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
  readonly #http: Agent;
  readonly #https: Agent;

  /** `allowedNetworks`: CIDRs or single addresses that may be called though they are not public. */
  constructor(allowedNetworks: readonly string[] = []) {
    this.#allowed = allowedNetworks.map((entry) => ipaddr.parseCIDR(toCidr(entry)));
    this.#http = guardedAgent(HttpAgent, this);
    this.#https = guardedAgent(HttpsAgent, this);
  }

  /** Why a URL's host may not be called, when that shows without DNS; null otherwise. */
  refusal(url: URL): string | null {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const address = isIP(host) !== 0 ? host : isLocalhost(host) ? '127.0.0.1' : null;
    if (address === null || this.allows(address)) return null;
    return `${url.hostname} is a ${rangeName(address)} address; webhooks go only to public addresses unless OTPGATE_WEBHOOK_ALLOWED_NETWORKS lists its network.`;
  }

  /** Whether a connection to this address may be made. */
  allows(address: string): boolean {
    const parsed = ipaddr.parse(address);
    if (this.#allowed.some(([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits))) return true;
    return rangeOf(parsed) === 'unicast';
  }

  /** The agent for the URL's scheme: it keeps connections alive and refuses disallowed addresses. */
  agentFor(url: URL): Agent {
    return url.protocol === 'https:' ? this.#https : this.#http;
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}

/** A connection was not made because its address is not allowed. */
export class DestinationRefused extends Error {
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, which webhooks may not reach`);
    this.name = 'DestinationRefused';
  }
}

/** `10.0.0.0/8` as given; a single address as its /32 or /128. Throws on anything else. */
export function toCidr(entry: string): string {
  const value = entry.trim();
  if (ipaddr.isValidCIDR(value)) {
    const [network, bits] = ipaddr.parseCIDR(value);
    return `${network.toString()}/${bits}`;
  }
  if (ipaddr.isValid(value)) {
    const address = ipaddr.parse(value);
    return `${address.toString()}/${address.kind() === 'ipv4' ? 32 : 128}`;
  }
  throw new Error(`"${value}" is not an IP address or CIDR network`);
}

/**
 * An agent whose connections go only to allowed addresses: a literal host is checked before
 * connecting; a name's addresses are checked as DNS returns them, and only allowed ones are tried.
 */
function guardedAgent(Base: typeof HttpAgent, guard: WebhookDestinations): Agent {
  // Keep-alive, as fetch did: a busy receiver is not paid a TCP (and TLS) handshake per event.
  // Idle connections are dropped after 4 s (as undici, which fetch used, does): a receiver that
  // closes idle connections at the common 5 s cannot close one under a new request.
  const agent = new Base({ keepAlive: true, timeout: 4_000 });
  const lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const allowed = addresses.filter((a) => guard.allows(a.address));
      if (allowed.length === 0) return callback(new DestinationRefused(hostname, addresses[0]?.address ?? 'no address'), []);
      if (options.all) return callback(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
  const connect = agent.createConnection.bind(agent);
  // Node's Agent calls this for each new socket; a callback given an error fails the request.
  agent.createConnection = (options, callback) => {
    const host = String(options.host ?? 'localhost').replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0 && !guard.allows(host)) {
      callback?.(new DestinationRefused(host, host), undefined as never);
      return undefined;
    }
    return connect({ ...options, lookup }, callback);
  };
  return agent;
}

function isLocalhost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * ipaddr.js's range, plus the one it calls unicast: IPv4-compatible IPv6 addresses (`::/96`,
 * deprecated by RFC 4291; `[::127.0.0.1]` is written `[::7f00:1]` by the URL parser), which
 * carry an IPv4 address and are no public destination of their own.
 */
function rangeOf(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  const range = address.range();
  if (range === 'unicast' && address.kind() === 'ipv6' && (address as ipaddr.IPv6).parts.slice(0, 6).every((part) => part === 0)) return 'ipv4Compatible';
  return range;
}

/** The range name in words: `linkLocal` → `link local`. */
function rangeName(address: string): string {
  return rangeOf(ipaddr.parse(address)).replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`);
}
