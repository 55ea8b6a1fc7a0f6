import type { FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import { forwardedIp, normalizeIp } from '../../core/ip.js';
import type { Origin, Tenant } from '../../core/model.js';
import type { Principal, TenancyService } from '../../core/tenancy.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export async function authenticate(tenancy: TenancyService, request: FastifyRequest): Promise<Principal> {
  const principal = await tenancy.authenticate(bearer(request));
  request.principal = principal;
  return principal;
}

export async function requireAdmin(tenancy: TenancyService, request: FastifyRequest): Promise<void> {
  const principal = await authenticate(tenancy, request);
  if (principal.key.kind !== 'admin') throw new AppError('forbidden', 'This needs an admin key.');
}

/**
 * The tenant (service and mode) of a service key. Admin keys manage services; they do not run
 * verifications. Tenant data is only reachable through this, so every lookup carries the key's mode.
 */
export async function requireTenant(tenancy: TenancyService, request: FastifyRequest): Promise<Tenant> {
  const principal = await authenticate(tenancy, request);
  if (!principal.tenant) throw new AppError('forbidden', 'This needs a service key (POST /v1/services/{id}/keys).');
  return principal.tenant;
}

/** An `onRequest` hook that lets admin keys through and nothing else. */
export const adminOnly = (tenancy: TenancyService) => async (request: FastifyRequest): Promise<void> => requireAdmin(tenancy, request);

/**
 * Where a request comes from, the one derivation every surface uses (T4): the connecting address
 * as Fastify derives it from the configured proxy settings (T5), and the end user's address the
 * integrator reported (`client_ip` on /v1, `DeviceIp` on /v2), checked and written one way, so an
 * address counts the same however it was spelled. `field` names the parameter in the error.
 */
export function originOf(request: FastifyRequest, endUserIp: string | undefined, field: string): Origin {
  let clientIp: string | null = null;
  if (endUserIp !== undefined) {
    clientIp = normalizeIp(endUserIp);
    if (clientIp === null) throw new AppError('invalid_request', `${field} must be an IPv4 or IPv6 address.`);
  }
  // request.ip comes from X-Forwarded-For when a proxy is trusted (with the client's port, as
  // some load balancers write it, it is the same address); should the entry a trusted proxy
  // wrote not be an address, the socket's own peer counts instead of a made-up string.
  const sourceIp = forwardedIp(request.ip) ?? normalizeIp(request.socket.remoteAddress ?? '') ?? 'unknown';
  return { sourceIp, clientIp };
}
