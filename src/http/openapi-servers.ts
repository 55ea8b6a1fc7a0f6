import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';

/** An entry of the OpenAPI document's `servers`. */
export interface ServerEntry {
  url: string;
  description: string;
}

/**
 * Where clients generated from the document send requests, in order of trust:
 * 1. `OTPGATE_PUBLIC_URL`, when set: the address the operator says the world reaches this server
 *    at (behind a proxy or a load balancer the listen address means nothing to a caller);
 * 2. otherwise the address the server listens on: the bound port once it listens (so
 *    `OTPGATE_PORT=0` shows the real one), the configured one before. A wildcard host
 *    (`0.0.0.0`, `::`) is no address to connect to, so it reads as `localhost`.
 */
export function documentServers(config: Pick<Config, 'publicUrl' | 'host' | 'port'>, bound: AddressInfo | string | null): ServerEntry[] {
  if (config.publicUrl !== null) return [{ url: config.publicUrl, description: 'This server (OTPGATE_PUBLIC_URL)' }];
  const listening = bound !== null && typeof bound === 'object';
  const host = listening ? bound.address : config.host;
  const port = listening ? bound.port : config.port;
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return [{ url: `http://${shown}:${port}`, description: 'This server, at its listen address (set OTPGATE_PUBLIC_URL to name the public one)' }];
}
