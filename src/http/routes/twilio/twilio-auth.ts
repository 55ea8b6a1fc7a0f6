import type { FastifyRequest } from 'fastify';
import { AppError } from '../../../core/errors.js';
import type { Tenant } from '../../../core/model.js';
import { tenantOf } from '../../../core/scope.js';
import type { Principal, TenancyService } from '../../../core/tenancy.service.js';
import { idOf } from './sids.js';

/** HTTP Basic as Twilio's SDKs send it: `AC…`/`SK…` SID as user name, token or secret as password. */
export async function authenticateBasic(tenancy: TenancyService, request: FastifyRequest): Promise<Principal> {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!match) throw new AppError('unauthorized', 'Send your account SID (or API key SID) and its secret with HTTP Basic auth.');
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new AppError('unauthorized', 'Your AccountSid or AuthToken was incorrect.');
  try {
    const principal = await tenancy.authenticateBasic(decoded.slice(0, colon), decoded.slice(colon + 1));
    request.principal = principal;
    return principal;
  } catch (error) {
    if (error instanceof AppError && error.code === 'unauthorized') throw new AppError('unauthorized', 'Your AccountSid or AuthToken was incorrect.');
    throw error;
  }
}

/**
 * The tenant a `VA…` SID names, as this principal may act in it: its own service, in the
 * credential's mode, for service credentials; any service, live, for admin credentials. Anything
 * else is "not found" (rule H3): a SID of another tenant answers exactly like a SID that does not exist.
 */
export async function tenantFor(tenancy: TenancyService, principal: Principal, serviceSid: string): Promise<Tenant> {
  const id = idOf('VA', serviceSid);
  if (id === null) throw new AppError('not_found', `No service ${serviceSid}.`);
  if (principal.tenant) {
    if (principal.tenant.serviceId !== id) throw new AppError('not_found', `No service ${serviceSid}.`);
    return principal.tenant;
  }
  return tenantOf(await tenancy.getService(id), 'live');
}

/** What the principal may read without naming a service: its own tenant, or every service (live) for admin credentials. */
export function readScopeOf(principal: Principal): { serviceId: string | null; mode: 'live' | 'test' } {
  return principal.tenant ?? { serviceId: null, mode: 'live' };
}

export function requireAdminCredential(principal: Principal): void {
  if (principal.key.kind !== 'admin') throw new AppError('forbidden', 'This needs admin-level credentials (POST /v1/basic-credentials).');
}
