import { createHash } from "node:crypto";
import { Redis } from "ioredis";

/**
 * A Redis connection for the engines. While Redis is unreachable, commands wait in ioredis's queue
 * and go out once it is back; after a few failed reconnects they fail instead, so that a caller
 * (a send waiting to fan out) gets an error rather than hanging for as long as Redis is down.
 *
 * Connection errors go to `onError`: ioredis emits them on every failed reconnect, and an emitter
 * with no "error" listener prints "Unhandled error event" and a stack instead of a log line.
 */
export function createRedisClient(url: string, name: string, onError: (error: unknown) => void): Redis {
  const redis = new Redis(url, { connectionName: name, maxRetriesPerRequest: 5 });
  redis.on("error", (err: unknown) => onError(new Error(`redis connection ${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })));
  return redis;
}

/**
 * A Lua script run with EVALSHA, sent again with EVAL when Redis does not know it (first use, or
 * after a restart emptied its script cache). Scripts make read-then-write steps atomic.
 */
export class LuaScript {
  private readonly lua: string;
  private readonly sha: string;

  constructor(lua: string) {
    this.lua = lua;
    this.sha = createHash("sha1").update(lua).digest("hex");
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}
