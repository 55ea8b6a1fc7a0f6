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
  /** CPU time the process has used so far (user + system, all threads), in ms (Linux /proc; 0 elsewhere). */
  cpuMs(): number;
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
    cpuMs: () => cpuMsOf(pid),
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

/** Linux reports CPU time in clock ticks of 1/100 s (USER_HZ, fixed at 100 for userspace). */
const TICKS_PER_S = 100;

function cpuMsOf(pid: number): number {
  try {
    // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
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
