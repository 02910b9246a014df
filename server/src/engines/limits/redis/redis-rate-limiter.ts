import { closeRedis, createRedisClient, isRedisCluster, LuaScript, type RedisConnection } from "../../redis-client.ts";
import { turnBatched } from "../../turn-batches.ts";
import type { BucketRule, LockoutRule, RateLimiter } from "../interface.ts";

/** Options of the Redis limiter. */
export interface RedisRateLimiterOptions {
  /** Where Redis is: `redis://host:port`, or a Cluster or Sentinel URL (see redis-endpoint.ts). */
  url: string;
  /** Prefix of every key (tests isolate themselves by it). Default "chat:limit:". */
  keyPrefix?: string;
  /** Hears connection errors (commands themselves fail to their callers). */
  onError?: (error: unknown) => void;
}

/** A take of one token from a bucket. */
interface Take {
  key: string;
  rule: BucketRule;
}

// Times come from Redis's clock (TIME), so that nodes with skewed clocks share one bucket correctly.
const prelude = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * KEYS: buckets. ARGV: burst, per second, for each bucket in turn. Returns per bucket 0 when a
 * token was taken, else the ms until one is back. Buckets are taken in order, so a bucket named
 * twice gives its second take what the first left.
 */
const takeScript = new LuaScript(`${prelude}
local waits = {}
for i, key in ipairs(KEYS) do
  local burst = tonumber(ARGV[2 * i - 1])
  local rate = tonumber(ARGV[2 * i])
  local b = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(b[1]) or burst
  local at = tonumber(b[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
  local wait = 0
  if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate * 1000) end
  redis.call('HSET', key, 'tokens', tostring(tokens), 'at', now)
  redis.call('PEXPIRE', key, math.ceil(burst / rate * 1000) + 1000)
  waits[i] = wait
end
return waits
`);

/** Counts a failure under KEYS[1] (ARGV: free, base ms, max ms, forget ms), leaving its lockout in `ms`. */
const countFailure = `
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local free = tonumber(ARGV[1])
local ms = 0
if failures > free then ms = math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ math.min(40, failures - free - 1)) end
redis.call('HSET', KEYS[1], 'until', now + ms)
redis.call('PEXPIRE', KEYS[1], math.max(tonumber(ARGV[4]), ms))
`;

/** KEYS: lockout. ARGV: free, base ms, max ms, forget ms. Returns the lockout in ms. */
const failScript = new LuaScript(`${prelude}${countFailure}
return ms
`);

/** KEYS: lockout. ARGV: as failScript's. Returns the ms left of its lockout, or 0 after counting a failure. */
const attemptScript = new LuaScript(`${prelude}
local u = tonumber(redis.call('HGET', KEYS[1], 'until'))
if u and u > now then return u - now end
${countFailure}
return 0
`);

/** KEYS: lockout. Returns the ms left of its lockout. */
const lockedScript = new LuaScript(`${prelude}
local u = tonumber(redis.call('HGET', KEYS[1], 'until'))
if not u or u <= now then return 0 end
return u - now
`);

/**
 * The cluster limiter: every node of a cluster takes from the same buckets in Redis. Each script
 * touches one key, so on a Redis Cluster the buckets spread over the shards as they are.
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const redis: RedisConnection = createRedisClient(options.url, "chat-rate-limiter", (err) => options.onError?.(err));
  const prefix = options.keyPrefix ?? "chat:limit:";
  const takeNow = async (takes: readonly Take[]): Promise<number[]> =>
    ((await takeScript.run(redis, takes.map((t) => prefix + t.key), takes.flatMap((t) => [t.rule.burst, t.rule.perSecond]))) as unknown[]).map(Number);
  // On one Redis the takes of one event-loop turn (two per message sent) share one script call; a
  // Cluster's buckets live on different shards, so there each take is a call of its own.
  const take = isRedisCluster(options.url) ? async (t: Take) => (await takeNow([t]))[0]! : turnBatched(takeNow);
  return {
    async take(key: string, rule: BucketRule): Promise<number> {
      return take({ key, rule });
    },
    async fail(key: string, rule: LockoutRule): Promise<number> {
      return Number(await failScript.run(redis, [prefix + key], [rule.free, rule.baseMs, rule.maxMs, rule.forgetMs]));
    },
    async attempt(key: string, rule: LockoutRule): Promise<number> {
      return Number(await attemptScript.run(redis, [prefix + key], [rule.free, rule.baseMs, rule.maxMs, rule.forgetMs]));
    },
    async lockedFor(key: string): Promise<number> {
      return Number(await lockedScript.run(redis, [prefix + key], []));
    },
    async reset(key: string): Promise<void> {
      await redis.del(prefix + key);
    },
    async close(): Promise<void> {
      await closeRedis(redis);
    },
  };
}
