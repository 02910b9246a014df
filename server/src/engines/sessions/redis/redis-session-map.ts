import { createRedisClient } from "../../redis-client.ts";
import type { DeviceSession, PresenceRecord, SessionMap } from "../interface.ts";
import { addScript, expireScript, locateScript, presenceScript, refreshScript, removeScript } from "./scripts.ts";

/** Options of {@link createRedisSessionMap}. */
export interface RedisSessionMapOptions {
  /** `redis://host:port`. */
  url: string;
  /**
   * How long a connection stays listed without a refresh: longer than the heartbeat interval, so
   * that a live connection never lapses, and short enough that a crashed node's users go offline soon.
   */
  ttlMs: number;
  /** Prefix of every key, so that clusters (or tests) can share a Redis; "chat:" by default. */
  keyPrefix?: string;
  /** Told about failures of background work (re-registering after Redis came back). */
  onError?: (error: unknown) => void;
}

/**
 * The session map of a cluster, in Redis: every node sees every node's connections. Each step is
 * one Lua script (atomic, one round trip; see scripts.ts), and `locate` and `presence` answer for
 * many users in one round trip.
 *
 * Entries expire unless refreshed, so a crashed node's connections disappear by themselves. If Redis
 * loses its data (a restart), each node registers its live connections again as soon as it is
 * reconnected; until then its users look offline and live frames to them are lost (clients fill the
 * gap from the store at their next message or reconnect).
 */
export function createRedisSessionMap(options: RedisSessionMapOptions): SessionMap {
  const prefix = options.keyPrefix ?? "chat:";
  const redis = createRedisClient(options.url, "chat-sessions", (err) => options.onError?.(err));
  /** This node's live connections: what it registers again after Redis lost them. */
  const local = new Map<string, DeviceSession>();
  const sessionsKey = (userId: string) => `${prefix}sessions:${userId}`;
  const seenKey = (userId: string) => `${prefix}seen:${userId}`;
  const indexKey = `${prefix}expiry`;
  const member = (s: DeviceSession) => `${s.nodeId}|${s.connectionId}`;
  const refreshNow = async (sessions: readonly DeviceSession[]): Promise<void> => {
    if (sessions.length === 0) return;
    await refreshScript.run(redis, [indexKey, ...sessions.flatMap((s) => [sessionsKey(s.userId), seenKey(s.userId)])],
      [options.ttlMs, ...sessions.flatMap((s) => [member(s), s.userId])]);
  };
  let connectedBefore = false;
  redis.on("ready", () => {
    if (connectedBefore) refreshNow([...local.values()]).catch((err) => options.onError?.(err));
    connectedBefore = true;
  });

  return {
    async add(s) {
      local.set(s.connectionId, s);
      return (await addScript.run(redis, [sessionsKey(s.userId), seenKey(s.userId), indexKey], [member(s), options.ttlMs, s.userId])) === 1;
    },
    async remove(s) {
      // Forgotten here first: a refresh issued after this call cannot bring the entry back.
      local.delete(s.connectionId);
      return (await removeScript.run(redis, [sessionsKey(s.userId), seenKey(s.userId), indexKey], [member(s), s.userId])) === 1;
    },
    async refresh(sessions) {
      // Only connections still open here: a refresh racing the close of its stream must not revive it.
      await refreshNow(sessions.filter((s) => local.has(s.connectionId)));
    },
    async expire() {
      return (await expireScript.run(redis, [indexKey], [prefix, 1_000])) as string[];
    },
    async locate(userIds) {
      const users = [...new Set(userIds)];
      const nodes = new Map<string, string[]>();
      if (users.length === 0) return nodes;
      const found = (await locateScript.run(redis, users.map(sessionsKey), [])) as string[][];
      users.forEach((userId, i) => {
        for (const nodeId of new Set(found[i]!.map((m) => m.slice(0, m.lastIndexOf("|"))))) {
          const list = nodes.get(nodeId);
          if (list) list.push(userId);
          else nodes.set(nodeId, [userId]);
        }
      });
      return nodes;
    },
    async presence(userIds) {
      if (userIds.length === 0) return [];
      const out = (await presenceScript.run(redis, userIds.flatMap((u) => [sessionsKey(u), seenKey(u)]), [])) as (number | string)[];
      return userIds.map((userId, i): PresenceRecord => {
        const seen = out[2 * i + 1];
        return { userId, online: Number(out[2 * i]) > 0, lastSeen: seen ? new Date(Number(seen)) : undefined };
      });
    },
    async close() {
      local.clear();
      await redis.quit().catch(() => redis.disconnect()); // Redis down: no polite goodbye
    },
  };
}
