import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProcess } from './processes.js';
import type { Proc } from './processes.js';

export interface IdleRss {
  /** Resident set size of a freshly started `node dist/main.js` on the default configuration (SQLite, console provider), idle. */
  otpgateBytes: number;
  /** The same for a bare Node process that only waits: what any Node program costs. */
  bareNodeBytes: number;
  /** How long each process sat idle before it was measured. */
  settleMs: number;
}

/** The median of a few samples a second apart, so one allocation burst (a purge, a checkpoint) does not decide it. */
async function settledRss(proc: Proc, settleMs: number): Promise<number> {
  await sleep(settleMs);
  const samples: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    samples.push(proc.rss());
    await sleep(200);
  }
  return samples.sort((a, b) => a - b)[2]!;
}

/**
 * Idle memory of otpgate as a newcomer starts it (`npm start`: default configuration, a fresh
 * data directory), next to a bare Node process measured the same way. Linux only (/proc).
 */
export async function measureIdleRss(settleMs = 3000): Promise<IdleRss> {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-idle-'));
  try {
    const otpgate = await startProcess({ args: ['dist/main.js'], env: { OTPGATE_DATA_DIR: dir, OTPGATE_PORT: '0', OTPGATE_LOG_LEVEL: 'info' } });
    let otpgateBytes: number;
    try {
      otpgateBytes = await settledRss(otpgate, settleMs);
    } finally {
      await otpgate.stop();
    }
    // Prints what startProcess waits for, then idles like a server does.
    const bare = await startProcess({
      args: ['-e', "console.log('listening at http://127.0.0.1:0'); setInterval(() => {}, 1000);"],
      env: {},
    });
    let bareNodeBytes: number;
    try {
      bareNodeBytes = await settledRss(bare, settleMs);
    } finally {
      await bare.stop();
    }
    return { otpgateBytes, bareNodeBytes, settleMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
