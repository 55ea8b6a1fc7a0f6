import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** An admin key an attacker would need about 10^20 guesses (66 bits) for, by zxcvbn's estimate; a random 24-character key scores 24. */
export const ADMIN_KEY_MIN_GUESSES_LOG10 = 20;

/**
 * log10 of the guesses zxcvbn (@zxcvbn-ts) estimates a value needs: repeats, sequences,
 * keyboard walks, dates and common words count for what they are. It runs in a short-lived
 * worker thread: its dictionaries (about 20 MB) are needed once at start, not for the life of
 * the server.
 */
export async function guessesLog10(value: string): Promise<number> {
  const require = createRequire(import.meta.url);
  const worker = new Worker(
    `
    const { workerData, parentPort } = require('node:worker_threads');
    const { ZxcvbnFactory } = require(workerData.core);
    const common = require(workerData.common);
    const zxcvbn = new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
    parentPort.postMessage(zxcvbn.check(workerData.value).guessesLog10);
    `,
    { eval: true, workerData: { value, core: require.resolve('@zxcvbn-ts/core'), common: require.resolve('@zxcvbn-ts/language-common') } },
  );
  return new Promise<number>((resolve, reject) => {
    worker.once('message', (score: number) => {
      resolve(score);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}
