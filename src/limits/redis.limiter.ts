import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { FlexibleLimiter } from './flexible.limiter.js';

export interface RedisLimiterOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  url: string;
  /**
   * Where counting goes while Redis is unreachable. Absent (the default, "closed"): the
   * limiter throws and the caller refuses the request (503). Given ("fallback"): the library
   * counts in this limiter instead — per-instance or per-store counts, so looser across many
   * instances, but sends keep flowing. Either way every call tries Redis first, so recovery
   * needs no restart.
   */
  fallback?: FlexibleLimiter;
  /** Key prefix, so several deployments (or test runs) can share one Redis. Default `otpgate`. */
  keyPrefix?: string;
  onStateChange?: (up: boolean, error?: unknown) => void;
}

export interface RedisLimiter {
  limiter: FlexibleLimiter;
  client: Redis;
  /** Resolves true once connected, or false after `timeoutMs` (the client keeps trying). */
  ready(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Counters in Redis (`OTPGATE_REDIS_URL`): every instance behind a load balancer shares them.
 * rate-limiter-flexible runs each increment as one Lua script (SET NX EX + INCRBY + PTTL), so
 * it is atomic across instances.
 */
export function createRedisLimiter(options: RedisLimiterOptions): RedisLimiter {
  const client = new Redis(options.url, {
    // Fail fast instead of queueing commands while disconnected: a request must not hang on a
    // dead Redis; it is refused (closed) or counted in the fallback.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: 1000,
    // Keep reconnecting forever, at most every 2 s, so the service recovers by itself.
    retryStrategy: (times) => Math.min(times * 200, 2000),
    lazyConnect: false,
  });
  let up: boolean | null = null;
  const report = (next: boolean, error?: unknown) => {
    if (up === next) return;
    up = next;
    options.onStateChange?.(next, error);
  };
  client.on('ready', () => report(true));
  client.on('error', (error: unknown) => report(false, error));
  client.on('end', () => report(false));
  client.on('close', () => report(false));

  const keyPrefix = options.keyPrefix ?? 'otpgate';
  const limiter = new FlexibleLimiter(
    (duration, points) =>
      new RateLimiterRedis({
        storeClient: client,
        rejectIfRedisNotReady: true,
        points,
        duration,
        keyPrefix,
        ...(options.fallback ? { insuranceLimiter: options.fallback.instanceFor(duration * 1000) } : {}),
      }),
  );
  return {
    limiter,
    client,
    ready(timeoutMs) {
      if (client.status === 'ready') return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          client.off('ready', onReady);
          resolve(false);
        }, timeoutMs);
        const onReady = () => {
          clearTimeout(timer);
          resolve(true);
        };
        client.once('ready', onReady);
      });
    },
    async close() {
      client.disconnect();
    },
  };
}
