import type { Redis } from "ioredis";
import { closeRedis, createRedisClient, LuaScript, type RedisConnection } from "../../redis-client.ts";
import { oneAtATime } from "../one-at-a-time.ts";
import type { EnqueueOutcome, PushJob, PushQueue, PushQueueOptions } from "../interface.ts";

/** Options of {@link createRedisPushQueue}. */
export interface RedisPushQueueOptions extends PushQueueOptions {
  /** Where Redis is: `redis://host:port`, or a Cluster or Sentinel URL (see redis-endpoint.ts). */
  url: string;
  /** Prefix of every key (tests isolate themselves by it). Default "chat:push:". */
  keyPrefix?: string;
  /** Hears connection errors (commands themselves fail to their callers). */
  onError?: (error: unknown) => void;
}

/** The consumer group every node's worker reads the stream in. */
const group = "workers";

/**
 * KEYS: stream, jobs, open, pending, ids. ARGV: user, conversation, sender, seq, mention (0/1), text,
 * enqueuedAt, maxPendingPerUser. A job's state lives in the `jobs` hash (id to JSON), the stream entry
 * names only the id: so a job not yet taken (in `open`) can absorb later messages in place.
 */
const enqueueScript = new LuaScript(`
local openKey = ARGV[1] .. '|' .. ARGV[2]
local open = redis.call('HGET', KEYS[3], openKey)
if open then
  local raw = redis.call('HGET', KEYS[2], open)
  if raw then
    local j = cjson.decode(raw)
    j.count = j.count + 1
    if tonumber(ARGV[4]) > j.seq then
      j.seq = tonumber(ARGV[4]); j.text = ARGV[6]; j.senderId = ARGV[3]
    end
    if ARGV[5] == '1' then j.mention = true end
    redis.call('HSET', KEYS[2], open, cjson.encode(j))
    return 'collapsed'
  end
end
if tonumber(redis.call('HGET', KEYS[4], ARGV[1]) or '0') >= tonumber(ARGV[8]) then return 'full' end
local id = tostring(redis.call('INCR', KEYS[5]))
local j = { userId = ARGV[1], conversationId = ARGV[2], senderId = ARGV[3], seq = tonumber(ARGV[4]), count = 1,
  mention = ARGV[5] == '1', text = ARGV[6], enqueuedAt = tonumber(ARGV[7]), attempts = 0 }
redis.call('HSET', KEYS[2], id, cjson.encode(j))
redis.call('HSET', KEYS[3], openKey, id)
redis.call('HINCRBY', KEYS[4], ARGV[1], 1)
redis.call('XADD', KEYS[1], '*', 'id', id)
return 'queued'
`);

/**
 * KEYS: jobs, open. ARGV: job id. A delivery of the job: counts the attempt and closes it to collapse
 * (later messages make a new job). Returns its JSON, or false when it was completed meanwhile.
 */
const claimScript = new LuaScript(`
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
local j = cjson.decode(raw)
j.attempts = j.attempts + 1
raw = cjson.encode(j)
redis.call('HSET', KEYS[1], ARGV[1], raw)
local openKey = j.userId .. '|' .. j.conversationId
if redis.call('HGET', KEYS[2], openKey) == ARGV[1] then redis.call('HDEL', KEYS[2], openKey) end
return raw
`);

/** KEYS: stream, jobs, pending. ARGV: entry id, job id, user. Removes a finished job. */
const completeScript = new LuaScript(`
redis.call('XACK', KEYS[1], '${group}', ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[1])
if redis.call('HDEL', KEYS[2], ARGV[2]) == 1 then
  if redis.call('HINCRBY', KEYS[3], ARGV[3], -1) <= 0 then redis.call('HDEL', KEYS[3], ARGV[3]) end
end
`);

/** KEYS: stream, delayed. ARGV: entry id, job id, due (ms). Parks a job until it is due again. */
const retryScript = new LuaScript(`
redis.call('XACK', KEYS[1], '${group}', ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
`);

/** KEYS: delayed, stream. ARGV: max. Moves the due retries (by Redis's clock) back into the stream. */
const promoteScript = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('XADD', KEYS[2], '*', 'id', id)
end
return #due
`);

/**
 * The cluster queue: a Redis Stream read by the consumer group "workers", so that each job goes to
 * one worker of any node. A taken entry stays in the group's pending list until its worker completes
 * or retries it; a take first claims (XAUTOCLAIM) entries pending longer than the visibility timeout,
 * which is how a crashed worker's jobs are delivered again. Retries wait in a sorted set by due time
 * (Redis's clock) and go back into the stream when due. Every key shares the hash tag `{push}`, so a
 * Redis Cluster keeps the queue on one shard (its throughput is one shard's: a job costs a handful of
 * commands, far below what a shard serves).
 *
 * Two connections: the blocking read waits on its own, so that enqueues never queue behind it.
 */
export function createRedisPushQueue(options: RedisPushQueueOptions): PushQueue {
  const onError = (err: unknown) => options.onError?.(err);
  const redis: RedisConnection = createRedisClient(options.url, "chat-push-queue", onError);
  const reader: RedisConnection = createRedisClient(options.url, "chat-push-queue-reader", onError);
  const base = `${options.keyPrefix ?? "chat:push:"}{push}:`;
  const keys = { stream: `${base}stream`, jobs: `${base}jobs`, open: `${base}open`, pending: `${base}pending`, ids: `${base}ids`, delayed: `${base}delayed` };
  let groupReady: Promise<void> | undefined;
  let closed = false;

  const ensureGroup = () => (groupReady ??= (async () => {
    try {
      await redis.xgroup("CREATE", keys.stream, group, "0", "MKSTREAM");
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith("BUSYGROUP"))) {
        groupReady = undefined;
        throw err;
      }
    }
  })());

  /** Turns stream entries into jobs (claiming each delivery); entries of completed jobs are dropped. */
  const deliver = async (entries: [string, string[]][]): Promise<PushJob[]> => {
    const jobs: PushJob[] = [];
    for (const [entryId, fields] of entries) {
      const id = fields[fields.indexOf("id") + 1] ?? "";
      const raw = await claimScript.run(redis, [keys.jobs, keys.open], [id]);
      if (typeof raw !== "string") {
        await redis.xack(keys.stream, group, entryId);
        await redis.xdel(keys.stream, entryId);
        continue;
      }
      const j = JSON.parse(raw) as Omit<PushJob, "id" | "attempt" | "receipt"> & { attempts: number };
      jobs.push({
        id, userId: j.userId, conversationId: j.conversationId, senderId: j.senderId, seq: j.seq, count: j.count,
        mention: j.mention === true, text: j.text, enqueuedAt: j.enqueuedAt, attempt: j.attempts, receipt: entryId,
      });
    }
    return jobs;
  };

  const take = oneAtATime(async (consumer: string, max: number, waitMs: number): Promise<PushJob[]> => {
    await ensureGroup();
    await promoteScript.run(redis, [keys.delayed, keys.stream], [max]);
    // Entries a dead worker took and never finished: delivered again to this one.
    const [, stale] = (await redis.xautoclaim(keys.stream, group, consumer, options.visibilityMs, "0-0", "COUNT", max)) as [string, [string, string[]][]];
    const reclaimed = await deliver(stale.filter((e) => e !== null && Array.isArray(e[1])));
    if (reclaimed.length > 0 || closed) return reclaimed;
    const read = (await (reader as Redis).xreadgroup("GROUP", group, consumer, "COUNT", max, "BLOCK", Math.max(1, waitMs), "STREAMS", keys.stream, ">")) as
      [string, [string, string[]][]][] | null;
    return deliver(read?.[0]?.[1] ?? []);
  });

  return {
    async enqueue(m) {
      return (await enqueueScript.run(redis, [keys.stream, keys.jobs, keys.open, keys.pending, keys.ids],
        [m.userId, m.conversationId, m.senderId, m.seq, m.mention ? 1 : 0, m.text, m.enqueuedAt, options.maxPendingPerUser])) as EnqueueOutcome;
    },
    take,
    async complete(job) {
      await completeScript.run(redis, [keys.stream, keys.jobs, keys.pending], [job.receipt, job.id, job.userId]);
    },
    async retry(job, delayMs) {
      const [seconds, micros] = await redis.time();
      const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      await retryScript.run(redis, [keys.stream, keys.delayed], [job.receipt, job.id, now + delayMs]);
    },
    async close() {
      closed = true;
      // The blocking read holds its connection until it times out: drop it rather than wait.
      reader.disconnect();
      await take.idle();
      await closeRedis(redis);
    },
  };
}
