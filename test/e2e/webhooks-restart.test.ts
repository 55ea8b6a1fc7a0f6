import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

/**
 * Durable delivery across a crash: otpgate is killed (SIGKILL) in the middle of a retry
 * sequence and started again on the same data directory; the event still arrives, under the
 * same webhook-id, and the log kept by the new process shows every attempt.
 */
describe('webhook delivery survives a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'otpgate-webhooks-'));
  const adminKey = `og_admin_${randomBytes(24).toString('base64url')}`;
  const env = {
    OTPGATE_ADMIN_KEY: adminKey,
    OTPGATE_WEBHOOK_RETRY_SCHEDULE: '1s,1s,1s,1s,1s,1s,1s,1s',
    OTPGATE_WEBHOOK_TIMEOUT_MS: '1000',
    OTPGATE_WORKER_POLL_MS: '100',
    OTPGATE_WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1',
  };
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers the event after a kill -9 between two retries', async () => {
    const receiver = await startWebhookReceiver({ script: [500, 500], fallback: 503 });
    try {
      const first = await startServer(env, { dataDir });
      servers.push(first);
      const call = async (server: ServerProcess, method: string, path: string, key: string, body?: unknown) => {
        const res = await fetch(`${server.url}${path}`, {
          method,
          headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : null,
        });
        return { status: res.status, json: (await res.json()) as Record<string, unknown> };
      };
      const service = await call(first, 'POST', '/v1/services', adminKey, { name: 'Acme' });
      const key = (await call(first, 'POST', `/v1/services/${service.json.id}/keys`, adminKey, {})).json.key as string;
      const endpoint = await call(first, 'POST', '/v1/webhooks', key, { url: receiver.url, event_types: ['verification.created'] });
      expect(endpoint.status).toBe(201);
      receiver.secrets = [endpoint.json.secret as string];
      const started = await call(first, 'POST', '/v1/verifications', key, { to: '+14155550123' });
      expect(started.status).toBe(201);

      await receiver.waitFor(2); // two attempts answered 500
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the second outcome be written
      await first.stop('SIGKILL');
      const beforeRestart = receiver.received.length;
      receiver.fallback = 200;

      const second = await startServer(env, { dataDir });
      servers.push(second);
      await receiver.waitFor(beforeRestart + 1, 15_000);
      expect(receiver.rejected).toEqual([]);
      const ids = new Set(receiver.received.map((r) => r.id));
      expect(ids.size).toBe(1);
      expect(receiver.received.at(-1)!.answered).toBe(200);
      expect(receiver.received.at(-1)!.payload).toMatchObject({ type: 'verification.created', data: { id: started.json.id } });

      // The new process delivers nothing more, and its log holds the attempts of both processes.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(receiver.received.filter((r) => r.answered === 200)).toHaveLength(1);
      const log = await call(second, 'GET', `/v1/webhooks/${endpoint.json.id}/attempts?limit=100`, key);
      const codes = (log.json.data as Array<{ status_code: number | null }>).map((a) => a.status_code).reverse();
      expect(codes.slice(0, 2)).toEqual([500, 500]);
      expect(codes.at(-1)).toBe(200);
      expect(codes).toHaveLength(receiver.received.length);
    } finally {
      await receiver.close();
    }
  });
});
