import { AppError } from './errors.js';
import type { Mode, ReadScope, Scope, ServiceRecord, Tenant } from './model.js';

/** The tenant a key of `mode` acts as in `service`. */
export function tenantOf(service: ServiceRecord, mode: Mode): Tenant {
  return { service, serviceId: service.id, mode };
}

/**
 * The part of a counter key that names its world. Live keeps the bare service id (so counters
 * written before modes existed keep counting); test adds `/test`, so test traffic never fills a
 * live budget, nor the other way round, and no 429 tells one world about the other (T1, T2).
 */
export function counterScope(scope: Scope): string {
  return scope.mode === 'live' ? scope.serviceId : `${scope.serviceId}/test`;
}

/** The name an `Idempotency-Key` is claimed under: the operation, the service (or `*`, admin) and the mode (T1). */
export function idempotencyScope(scope: ReadScope, operation: string): string {
  return `${operation}:${scope.serviceId ?? '*'}:${scope.mode}`;
}

/** A tenant acting in live mode: the only kind that may change configuration. */
export type LiveTenant = Tenant & { readonly mode: 'live' };

/**
 * Configuration (rate-limit definitions, and through the admin API settings, templates and routes)
 * is one for both worlds, so a test-mode key may read it but never change it: that would change
 * what live traffic gets (T1).
 */
export function requireLive(tenant: Tenant): LiveTenant {
  if (tenant.mode !== 'live') {
    throw new AppError('forbidden', "Test-mode keys cannot change the service's configuration, which live traffic shares; use a live key.");
  }
  return tenant as LiveTenant;
}
