import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_CATALOG } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';

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

/**
 * Caps open connections: one over `max` gets a 503 with Retry-After and is closed at once, so a
 * flood of idle sockets cannot exhaust file descriptors and memory.
 */
export function limitConnections(server: Server, max: number): void {
  let open = 0;
  server.on('connection', (socket: Socket) => {
    open++;
    socket.once('close', () => open--);
    if (open > max) {
      socket.end(rawProblem('too_many_connections', `This server holds at most ${max} connections; retry shortly.`, ['Retry-After: 1']));
    }
  });
}
