import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** The parsed body, as returned by the official verifier. */
  payload: { id: string; type: string; timestamp: string; service_id: string; data: Record<string, unknown> };
  /** The status this receiver answered. */
  answered: number;
  /** When it answered (epoch ms, real time). */
  at: number;
}

export interface WebhookReceiver {
  url: string;
  /** Requests that verified with the official `standardwebhooks` package. */
  received: ReceivedWebhook[];
  /** Requests that did not verify (must stay empty). */
  rejected: Array<{ headers: Record<string, string | string[] | undefined>; body: string; error: string }>;
  /** Status codes to answer, in order; after the list runs out, `fallback`. */
  script: number[];
  fallback: number;
  /** Hold the next answer this long (ms), to make otpgate time out; reset after one use. */
  delayNextMs: number;
  /** Replaces the secrets a request is verified with (rotation tests verify with each). */
  secrets: string[];
  /** Resolves once `count` verified requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/**
 * A local webhook receiver that verifies every request with the official Standard Webhooks
 * package (`new Webhook(secret).verify`), so otpgate's signing is checked by an independent
 * implementation. A request must verify with every secret in `secrets`.
 */
export async function startWebhookReceiver(options: { secrets?: string[]; script?: number[]; fallback?: number } = {}): Promise<WebhookReceiver> {
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    rejected: [],
    script: options.script ?? [],
    fallback: options.fallback ?? 200,
    delayNextMs: 0,
    secrets: options.secrets ?? [],
    waitFor(count, timeoutMs = 10_000) {
      if (receiver.received.length >= count) return Promise.resolve(receiver.received);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${receiver.received.length} of ${count} webhooks arrived; rejected: ${JSON.stringify(receiver.rejected)}`)), timeoutMs);
        waiters.push({ count, resolve: () => { clearTimeout(timer); resolve(receiver.received); } });
      });
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      if (receiver.delayNextMs > 0) {
        const delay = receiver.delayNextMs;
        receiver.delayNextMs = 0;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(request.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
      };
      try {
        if (receiver.secrets.length === 0) throw new Error('the receiver has no secret yet');
        let payload: unknown;
        for (const secret of receiver.secrets) payload = new Webhook(secret).verify(body, headers);
        const answered = receiver.script.shift() ?? receiver.fallback;
        receiver.received.push({
          id: headers['webhook-id'],
          timestamp: headers['webhook-timestamp'],
          signature: headers['webhook-signature'],
          body,
          payload: payload as ReceivedWebhook['payload'],
          answered,
          at: Date.now(),
        });
        response.writeHead(answered, { 'content-type': 'text/plain' }).end('ok');
        for (const waiter of [...waiters]) {
          if (receiver.received.length >= waiter.count) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
      } catch (error) {
        receiver.rejected.push({ headers: request.headers, body, error: String(error) });
        response.writeHead(400).end('bad signature');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}
