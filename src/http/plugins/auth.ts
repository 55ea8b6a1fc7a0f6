import type { FastifyRequest } from 'fastify';
import { AppError } from '../../core/errors.js';
import type { ServiceRecord } from '../../core/model.js';
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

/** The service of a service key. Admin keys manage services; they do not run verifications. */
export async function requireService(tenancy: TenancyService, request: FastifyRequest): Promise<ServiceRecord> {
  const principal = await authenticate(tenancy, request);
  if (!principal.service) throw new AppError('forbidden', 'This needs a service key (POST /v1/services/{id}/keys).');
  return principal.service;
}

/** An `onRequest` hook that lets admin keys through and nothing else. */
export const adminOnly = (tenancy: TenancyService) => async (request: FastifyRequest): Promise<void> => requireAdmin(tenancy, request);
