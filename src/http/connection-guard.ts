import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import ipaddr from 'ipaddr.js';
import { ERROR_CATALOG } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { addressPartition, normalizeIp } from '../core/ip.js';

/**
 * Limits below the request level, where Fastify's error handler never runs: a client that
 * sends its headers or body too slowly (slowloris), headers too large, or one connection too
 * many. Each is cut off with a clear problem+json answer written straight to the socket, then
 * the connection is closed, instead of a silent reset or a hung socket.
 */

export interface ConnectionLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
}

/** Options for http.createServer (Fastify's `http` option). */
export function httpServerOptions(limits: ConnectionLimits) {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // Node only looks for overdue requests this often (default 30 s, which would let a slow
    // client hold a socket far past its timeout).
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersTimeoutMs / 2))),
  };
}

/** A complete HTTP/1.1 problem+json response that closes the connection. */
export function rawProblem(code: ErrorCode, detail: string, extraHeaders: string[] = []): string {
  const { status, title } = ERROR_CATALOG[code];
  const body = JSON.stringify({ type: `urn:otpgate:error:${code}`, code, title, status, detail });
  return [
    `HTTP/1.1 ${status} ${title}`,
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...extraHeaders,
    '',
    body,
  ].join('\r\n');
}

/**
 * For a response that refuses a body still arriving (413): Node closes the socket right after
 * the response, with the client's unread bytes in it, and the kernel answers what the client
 * still sends with a reset that can destroy the 413 before the client has read it. Instead the
 * socket sends its FIN after the response, keeps reading and dropping what the client sends
 * for up to `ms`, and only then closes (nginx's "lingering close").
 */
export function lingerAfterResponse(socket: Socket, ms = 2000): void {
  (socket as Socket & { destroySoon: () => void }).destroySoon = () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), ms);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    socket.resume();
  };
}

/** Fastify's `clientErrorHandler`: errors Node's HTTP parser raises before there is a request. */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const answer =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? rawProblem('request_timeout', 'The request headers or body did not arrive in time.')
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? rawProblem('headers_too_large', 'The request headers are larger than this server accepts.')
        : rawProblem('invalid_request', 'The request is not valid HTTP.');
  socket.end(answer);
}

export interface ConnectionCaps {
  /** Open connections in all. */
  max: number;
  /** Open connections from one address (an IPv6 /64 counts as one). */
  perAddress: number;
  /** Addresses counted only in the total: the proxies otpgate is told to trust. */
  isTrustedProxy: (address: string) => boolean;
}

/**
 * Caps open connections: one over `max`, or over `perAddress` from one client address, gets a
 * 503 with Retry-After and is closed at once, so a flood of idle or half-sent sockets cannot
 * exhaust file descriptors and memory, and one address cannot take the whole server (rule T8).
 * A trusted proxy carries everyone's connections, so it counts only in the total; behind one,
 * the per-address cap belongs in the proxy (deploy/nginx.conf has `limit_conn`).
 */
export function limitConnections(server: Server, caps: ConnectionCaps): void {
  let open = 0;
  const byAddress = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    open++;
    const address = socket.remoteAddress === undefined ? null : (normalizeIp(socket.remoteAddress) ?? socket.remoteAddress);
    const key = address === null || caps.isTrustedProxy(address) ? null : addressPartition(address);
    const fromAddress = key === null ? 0 : (byAddress.get(key) ?? 0) + 1;
    if (key !== null) byAddress.set(key, fromAddress);
    socket.once('close', () => {
      open--;
      if (key === null) return;
      const left = (byAddress.get(key) ?? 1) - 1;
      if (left <= 0) byAddress.delete(key);
      else byAddress.set(key, left);
    });
    if (open > caps.max) {
      socket.end(rawProblem('too_many_connections', `This server holds at most ${caps.max} connections; retry shortly.`, ['Retry-After: 1']));
    } else if (fromAddress > caps.perAddress) {
      socket.end(rawProblem('too_many_connections', `This server holds at most ${caps.perAddress} connections from one address; retry shortly.`, ['Retry-After: 1']));
    }
  });
}

/**
 * Which socket addresses are proxies to trust, as OTPGATE_TRUST_PROXY says: every peer when it
 * gives a number of hops (otpgate then only ever talks to its proxy), the listed networks when it
 * gives addresses, none when it is off.
 */
export function trustedProxyMatcher(trust: false | number | readonly string[]): (address: string) => boolean {
  if (trust === false) return () => false;
  if (typeof trust === 'number') return () => true;
  const networks = trust.map((cidr) => ipaddr.parseCIDR(cidr));
  return (peer) => {
    // A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d: compared as the IPv4 address it is.
    const address = normalizeIp(peer);
    if (address === null) return false;
    const parsed = ipaddr.parse(address);
    return networks.some(([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits));
  };
}
