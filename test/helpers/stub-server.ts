import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface StubAnswer {
  status?: number;
  body?: string | object;
  headers?: Record<string, string>;
  /** Never answer (a hung provider); the connection is closed when the stub closes. */
  hang?: boolean;
}

export type StubHandler = (request: RecordedRequest) => StubAnswer | Promise<StubAnswer>;

export interface StubServer {
  url: string;
  requests: RecordedRequest[];
  /** Replaces how the stub answers from now on. */
  answer(handler: StubHandler | StubAnswer): void;
  close(): Promise<void>;
}

/** A local HTTP server standing in for a vendor API: records every request, answers as told. */
export async function startStub(initial: StubHandler | StubAnswer = { status: 200, body: {} }): Promise<StubServer> {
  let handler: StubHandler = typeof initial === 'function' ? initial : () => initial;
  const requests: RecordedRequest[] = [];
  const hung = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      void Promise.resolve(handler(recorded)).then((answer) => {
        if (answer.hang) {
          hung.add(res);
          return;
        }
        const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
        res.writeHead(answer.status ?? 200, { 'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json', ...answer.headers });
        res.end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer(next) {
      handler = typeof next === 'function' ? next : () => next;
    },
    async close() {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
