import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface Proc {
  url: string;
  pid: number;
  child: ChildProcess;
  /** The last few kB the process printed (logs under load are dropped, not buffered). */
  tail(): string;
  /** Resident set size now, in bytes (Linux /proc; 0 elsewhere). */
  rss(): number;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  args: string[];
  env: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  cwd?: string;
}

/**
 * Starts a Node server process and resolves with its URL once it prints "listening at …"
 * (Fastify's start line). Output is drained continuously so a busy logger never blocks on a
 * full pipe, but only a small tail is kept: an hour of request logs must not fill our memory.
 */
export async function startProcess(options: SpawnOptions): Promise<Proc> {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...options.args], {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8192);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 30 s:\n${tail}`)), 30_000);
    const onData = () => {
      const match = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(tail);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolveUrl(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new ProcessExitError(code, tail));
    });
  });
  const pid = child.pid!;
  return {
    url,
    pid,
    child,
    tail: () => tail,
    rss: () => rssOf(pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export class ProcessExitError extends Error {
  constructor(readonly code: number | null, readonly output: string) {
    super(`process exited with ${code} before listening:\n${output}`);
  }
}

function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every 50 ms until stopped; returns the peak seen. */
export function sampleRss(proc: Proc): { stop(): number } {
  let peak = proc.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, proc.rss());
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, proc.rss());
    },
  };
}
