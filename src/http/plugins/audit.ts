import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditAction, AuditActor, AuditService } from '../../core/audit.js';
import type { Logger } from 'pino';
import { idOf } from '../routes/twilio/sids.js';
import { originOf } from './auth.js';

/** What a route that changes configuration tells the audit log, beyond who and when. */
export interface AuditChange {
  /** The service concerned (default: the `id` or service of the route's parameters, else the caller's). */
  serviceId?: string | null;
  /** What was acted on (default: the route's last id parameter). */
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The audit action a successful call of this route records (rule T7). */
    audit?: AuditAction;
  }
  interface FastifyRequest {
    auditChange: AuditChange | null;
  }
}

/** Tells the audit log about a change this request made (a route with `config.audit`). */
export function auditChange(request: FastifyRequest, change: AuditChange): void {
  request.auditChange = { ...request.auditChange, ...change };
}

/** The key behind a request, as the audit log names it. */
export function auditActor(request: FastifyRequest): AuditActor {
  const key = request.principal?.key;
  if (!key) return { kind: 'system', keyId: null, mode: null };
  return { kind: key.kind === 'admin' ? 'admin_key' : 'service_key', keyId: key.id, mode: key.mode };
}

/**
 * Every route that changes configuration or access declares its action (`config.audit`); one
 * hook writes the record of each successful call, before its answer leaves, with the key that
 * made it, the request id and address, and the before/after the route reported. A route cannot
 * forget the record: test/http/audit.test.ts calls every mutating route and finds its record, or
 * finds it listed as traffic (verifications, checks).
 */
export function registerAudit(app: FastifyInstance, audit: AuditService, logger: Logger): void {
  app.decorateRequest('auditChange', null);
  app.addHook('onSend', async (request, reply, payload) => {
    const action = request.routeOptions.config?.audit;
    // A replayed answer (Idempotency-Key) changed nothing this time.
    if (action === undefined || reply.statusCode >= 400 || reply.getHeader('idempotent-replayed') !== undefined) return payload;
    const change = request.auditChange ?? {};
    const { serviceId, targetId } = subjectOf(request);
    try {
      await audit.record({
        actor: auditActor(request),
        action,
        serviceId: change.serviceId !== undefined ? change.serviceId : serviceId,
        targetId: change.targetId !== undefined ? change.targetId : targetId,
        before: change.before ?? null,
        after: change.after ?? null,
        requestId: request.id,
        // The one derivation every surface uses (T4): never a forwarded entry that is no address.
        sourceIp: originOf(request, undefined, '').sourceIp,
      });
    } catch (error) {
      // The change itself stands; the operator hears that its record is missing.
      logger.error({ err: error, action, request_id: request.id }, 'audit record could not be written');
    }
    return payload;
  });
}

/**
 * The service and the object a route's parameters name: `/v1/services/{id}/…` and
 * `/v2/Services/{ServiceSid}/…` name the service, the caller's key otherwise; the target is the
 * last other parameter (`keyId`, `locale`, a webhook or rate-limit id), else the service.
 */
function subjectOf(request: FastifyRequest): { serviceId: string | null; targetId: string | null } {
  const params = { ...((request.params ?? {}) as Record<string, string | undefined>) };
  const url = request.routeOptions.url ?? '';
  let serviceId = request.principal?.tenant?.serviceId ?? null;
  if (url.startsWith('/v1/services/:id')) {
    serviceId = params.id ?? serviceId;
    delete params.id;
  } else if (params.ServiceSid !== undefined) {
    serviceId = idOf('VA', params.ServiceSid) ?? serviceId;
    delete params.ServiceSid;
  }
  const others = Object.values(params).filter((value): value is string => value !== undefined);
  return { serviceId, targetId: others.at(-1) ?? serviceId };
}
