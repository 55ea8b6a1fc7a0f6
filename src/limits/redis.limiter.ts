import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { ConsumeItem, RateLimitDecision, RateLimiter } from '../core/ports.js';
import { FlexibleLimiter } from './flexible.limiter.js';
import type { BatchBackend, CounterRow } from './flexible.limiter.js';

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
  fallback?: RateLimiter;
  /** Key prefix, so several deployments (or test runs) can share one Redis. Default `otpgate`. */
  keyPrefix?: string;
  onStateChange?: (up: boolean, error?: unknown) => void;
}

export interface RedisLimiter {
  limiter: RateLimiter;
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
  const redisLimiter = new FlexibleLimiter(
    (duration, points) => new RateLimiterRedis({ storeClient: client, rejectIfRedisNotReady: true, points, duration, keyPrefix }),
    redisBatch(client),
  );
  return {
    limiter: options.fallback ? withFallback(redisLimiter, options.fallback) : redisLimiter,
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

/**
 * The library's own consume script (SET NX with the window, INCRBY, PTTL), for every counter of
 * a request in one script call: one round trip instead of one per budget. Keys come prefixed
 * (the library's `getKey`), so single and batched calls count the same counters.
 */
const CONSUME_MANY = `
local out = {}
for i, key in ipairs(KEYS) do
  local cost = tonumber(ARGV[2 * i - 1])
  local ms = tonumber(ARGV[2 * i])
  redis.call('SET', key, 0, 'PX', ms, 'NX')
  local points = redis.call('INCRBY', key, cost)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then redis.call('PEXPIRE', key, ms); ttl = ms end
  out[2 * i - 1] = points
  out[2 * i] = ttl
end
return out`;

function redisBatch(client: Redis): BatchBackend {
  return {
    async upsertMany(items) {
      const now = Date.now();
      const args = items.flatMap((i) => [String(i.cost), String(i.windowMs)]);
      const flat = (await client.eval(CONSUME_MANY, items.length, ...items.map((i) => i.key), ...args)) as number[];
      return items.map((_, i): CounterRow => ({ points: Number(flat[2 * i]), expire: now + Number(flat[2 * i + 1]) }));
    },
    async pointsOf(keys) {
      const values = await client.mget(...keys);
      return values.map((v) => (v === null ? 0 : Number(v)));
    },
  };
}

/** Redis first, the fallback when Redis does not answer (OTPGATE_REDIS_FAILURE_MODE=fallback). */
function withFallback(primary: RateLimiter, fallback: RateLimiter): RateLimiter {
  const either = <A extends unknown[], T>(run: (limiter: RateLimiter, ...args: A) => Promise<T>) =>
    (...args: A): Promise<T> => run(primary, ...args).catch(() => run(fallback, ...args));
  return {
    consume: either((l, key: string, limit: number, windowMs: number, cost?: number) => l.consume(key, limit, windowMs, cost)),
    refund: either((l, key: string, windowMs: number, amount?: number) => l.refund(key, windowMs, amount)),
    count: either((l, key: string, windowMs: number) => l.count(key, windowMs)),
    reset: either((l, key: string, windowMs: number) => l.reset(key, windowMs)),
    consumeAll: either((l, items: readonly ConsumeItem[]): Promise<RateLimitDecision[]> => l.consumeAll(items)),
    countMany: either((l, keys: readonly string[], windowMs: number) => l.countMany(keys, windowMs)),
  };
}
