import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface RawAnswer {
  /** Everything the server sent before it closed the connection. */
  text: string;
  status: number | null;
  /** ms from connecting until the server closed. */
  closedAfterMs: number;
}

/**
 * Talks HTTP by hand, for what a normal client cannot do: stall mid-header, trickle a body,
 * send garbage. Writes `chunks` with `gapMs` between them (stopping once the server has closed)
 * and resolves when the server closes the connection, or rejects after `timeoutMs`.
 */
export function rawExchange(port: number, chunks: Array<string | Buffer>, options: { gapMs?: number; timeoutMs?: number; keepWriting?: boolean } = {}): Promise<RawAnswer> {
  const { gapMs = 0, timeoutMs = 10_000 } = options;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${timeoutMs} ms; got so far: ${text.slice(0, 200)}`));
    }, timeoutMs);
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ text, status: match ? Number(match[1]) : null, closedAfterMs: Date.now() - started });
    });
    socket.on('connect', async () => {
      let i = 0;
      for (;;) {
        if (closed) return;
        const chunk = chunks[i] ?? (options.keepWriting ? chunks[chunks.length - 1]! : null);
        if (chunk === null) return;
        socket.write(chunk);
        i++;
        if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

/** Opens a connection (from `localAddress`, default 127.0.0.1) and keeps it open, idle, until `close()`. Resolves once connected. */
export function idleConnection(port: number, localAddress = '127.0.0.1'): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    let received = '';
    socket.on('data', (d) => (received += d.toString('latin1')));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('error', reject);
    socket.once('connect', () => resolve({ socket, received: () => received, closed }));
  });
}

export function problemOf(text: string): { code: string; status: number } {
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return JSON.parse(body) as { code: string; status: number };
}
