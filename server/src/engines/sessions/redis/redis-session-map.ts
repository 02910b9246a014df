import { closeRedis, createRedisClient, isRedisCluster } from "../../redis-client.ts";
import type { Availability, DeviceSession, PresenceRecord, SessionMap } from "../interface.ts";
import { turnBatched } from "../../turn-batches.ts";
import { spreadTags } from "./slot-groups.ts";
import {
  addScript, expireScript, expireStatusScript, lapsedScript, locateScript, presenceScript, refreshScript, removeScript, restoreScript, setStatusScript,
} from "./scripts.ts";

/** Options of {@link createRedisSessionMap}. */
export interface RedisSessionMapOptions {
  /** Where Redis is: `redis://host:port`, or a Cluster or Sentinel URL (see redis-endpoint.ts). */
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
  /**
   * How long a node's claim to restore kept presence lasts without progress (a page): past it,
   * a node that died restoring leaves the work to another. 60 s by default.
   */
  restoreLeaseMs?: number;
}

/**
 * Hash-slot groups of a Redis Cluster: each user belongs to one (a hash tag in their key names),
 * and each group has its own expiry index, so that every script touches keys of one slot while the
 * session map spreads over the masters: 128 tags, one per 128th of the slots (see slot-groups.ts),
 * so 40 masters carry 3 or 4 groups each. More groups spread better but cost more calls for a large
 * conversation's `locate` (one per group its members span) and for expiry (one per group per sweep).
 * Fixed: changing it would move every key.
 */
const clusterGroups = 128;

/**
 * The session map of a cluster, in Redis: every node sees every node's connections. Each step is
 * one Lua script (atomic, one round trip; see scripts.ts), and `locate` and `presence` answer for
 * many users in one round trip per slot group (one on a single Redis, concurrently per group on a Cluster).
 *
 * Keys on one Redis (or Sentinel) are `chat:sessions:<user>`, `chat:seen:<user>` and `chat:expiry`,
 * as before Cluster support, so an upgrade keeps every last-seen time; on a Cluster they carry the
 * user's slot group: `chat:{s7-3}:sessions:<user>`, `chat:{s7-3}:seen:<user>`, `chat:{s7-3}:expiry`.
 * Statuses are `chat:status:<user>` (a hash, kept only while not the default) and the index of texts
 * that expire, `chat:status-expiry` (on a Cluster with the user's group tag, like the others).
 *
 * Entries expire unless refreshed, so a crashed node's connections disappear by themselves. If Redis
 * loses its data (a restart), each node registers its live connections again as soon as it is
 * reconnected; until then its users look offline and live frames to them are lost (clients fill the
 * gap from the store at their next message or reconnect). Statuses and last-seen times come back
 * from the store ({@link SessionMap.restoreIfLost}): `chat:presence-restored` marks a Redis that has
 * them (or is being given them by one node, under a lease), so its absence is the loss.
 */
export function createRedisSessionMap(options: RedisSessionMapOptions): SessionMap {
  const prefix = options.keyPrefix ?? "chat:";
  const redis = createRedisClient(options.url, "chat-sessions", (err) => options.onError?.(err));
  const groups = isRedisCluster(options.url) ? spreadTags(clusterGroups).map((tag) => `${prefix}{${tag}}:`) : [prefix];
  /** The key prefix of a user's slot group. */
  const groupOf = (userId: string) => groups[groups.length === 1 ? 0 : fnv1a(userId) % groups.length]!;
  /** This node's live connections: what it registers again after Redis lost them. */
  const local = new Map<string, DeviceSession>();
  const sessionsKey = (userId: string) => `${groupOf(userId)}sessions:${userId}`;
  const seenKey = (userId: string) => `${groupOf(userId)}seen:${userId}`;
  const indexKey = (userId: string) => `${groupOf(userId)}expiry`;
  const statusKey = (userId: string) => `${groupOf(userId)}status:${userId}`;
  const statusIndexKey = (userId: string) => `${groupOf(userId)}status-expiry`;
  const member = (s: DeviceSession) => `${s.nodeId}|${s.connectionId}`;
  /** Present while this Redis holds kept presence: "restoring" under a node's lease, then "done". */
  const restoredKey = `${prefix}presence-restored`;
  const restoreLeaseMs = options.restoreLeaseMs ?? 60_000;
  /** Runs `step` once per slot group of `items` (concurrently), with the group's items in their order. */
  const perGroup = async <T, R>(items: readonly T[], userOf: (item: T) => string, step: (items: T[]) => Promise<R>): Promise<R[]> => {
    const byGroup = new Map<string, T[]>();
    for (const item of items) {
      const group = groupOf(userOf(item));
      const list = byGroup.get(group);
      if (list) list.push(item);
      else byGroup.set(group, [item]);
    }
    return Promise.all([...byGroup.values()].map(step));
  };
  const refreshNow = async (sessions: readonly DeviceSession[]): Promise<void> => {
    await perGroup(sessions, (s) => s.userId, (group) => refreshScript.run(redis,
      [indexKey(group[0]!.userId), ...group.flatMap((s) => [sessionsKey(s.userId), seenKey(s.userId)])],
      [options.ttlMs, ...group.flatMap((s) => [member(s), s.userId])]));
  };
  /** The nodes of each of `userIds` (deduplicated): one script call per slot group. */
  const locateNow = async (userIds: readonly string[]): Promise<Map<string, string[]>> => {
    const nodesOf = new Map<string, string[]>();
    const answers = await perGroup([...new Set(userIds)], (u) => u, async (users) =>
      [users, (await locateScript.run(redis, users.map(sessionsKey), [])) as string[][]] as const);
    for (const [users, found] of answers) {
      users.forEach((userId, i) => nodesOf.set(userId, [...new Set(found[i]!.map((m) => m.slice(0, m.lastIndexOf("|"))))]));
    }
    return nodesOf;
  };
  /**
   * The locates of one event-loop turn (every message a node fans out after one read of its
   * sockets) are answered by one script call per slot group rather than one each: a Redis command
   * per message saved on a busy node, a turn's wait at most on an idle one.
   */
  const locate = turnBatched(async (asks: (readonly string[])[]) => {
    const nodesOf = await locateNow(asks.flat());
    return asks.map((userIds) => {
      const nodes = new Map<string, string[]>();
      for (const userId of new Set(userIds)) {
        for (const nodeId of nodesOf.get(userId) ?? []) {
          const list = nodes.get(nodeId);
          if (list) list.push(userId);
          else nodes.set(nodeId, [userId]);
        }
      }
      return nodes;
    });
  });
  let connectedBefore = false;
  redis.on("ready", () => {
    if (connectedBefore) refreshNow([...local.values()]).catch((err) => options.onError?.(err));
    connectedBefore = true;
  });
  const expireGroup = async (group: string): Promise<string[]> => {
    const lapsed = (await lapsedScript.run(redis, [`${group}expiry`], [1_000])) as string[];
    if (lapsed.length === 0) return [];
    return (await expireScript.run(redis, [`${group}expiry`, ...lapsed.map(sessionsKey)], lapsed)) as string[];
  };
  const expireStatusGroup = async (group: string): Promise<string[]> => {
    const lapsed = (await lapsedScript.run(redis, [`${group}status-expiry`], [1_000])) as string[];
    if (lapsed.length === 0) return [];
    return (await expireStatusScript.run(redis, [`${group}status-expiry`, ...lapsed.map(statusKey)], lapsed)) as string[];
  };

  return {
    async add(s) {
      local.set(s.connectionId, s);
      return (await addScript.run(redis, [sessionsKey(s.userId), seenKey(s.userId), indexKey(s.userId)], [member(s), options.ttlMs, s.userId])) === 1;
    },
    async remove(s) {
      // Forgotten here first: a refresh issued after this call cannot bring the entry back.
      local.delete(s.connectionId);
      return (await removeScript.run(redis, [sessionsKey(s.userId), seenKey(s.userId), indexKey(s.userId)], [member(s), s.userId])) === 1;
    },
    async refresh(sessions) {
      // Only connections still open here: a refresh racing the close of its stream must not revive it.
      await refreshNow(sessions.filter((s) => local.has(s.connectionId)));
    },
    async expire() {
      return (await Promise.all(groups.map(expireGroup))).flat();
    },
    locate,
    async presence(userIds) {
      const records = new Map<string, PresenceRecord>();
      await perGroup(userIds, (u) => u, async (users) => {
        const out = (await presenceScript.run(redis, users.flatMap((u) => [sessionsKey(u), seenKey(u), statusKey(u)]), [])) as Reply;
        users.forEach((userId, i) => records.set(userId, presenceRecord(userId, out.slice(6 * i, 6 * i + 6))));
      });
      return userIds.map((userId) => records.get(userId)!);
    },
    async setStatus(userId, change) {
      const out = (await setStatusScript.run(redis, [sessionsKey(userId), seenKey(userId), statusKey(userId), statusIndexKey(userId)], [
        change.availability ?? "", change.text ? 1 : 0, change.text?.text ?? "", change.text?.expiresAt?.getTime() ?? "", userId,
      ])) as Reply;
      return { before: presenceRecord(userId, out.slice(0, 6)), after: presenceRecord(userId, out.slice(6, 12)) };
    },
    async expireStatuses() {
      return (await Promise.all(groups.map(expireStatusGroup))).flat();
    },
    async restoreIfLost(kept) {
      if ((await redis.set(restoredKey, "restoring", "PX", restoreLeaseMs, "NX")) !== "OK") return 0;
      let count = 0;
      try {
        for await (const page of kept()) {
          await perGroup(page, (p) => p.userId, (users) => restoreScript.run(redis,
            [...users.flatMap((p) => [seenKey(p.userId), statusKey(p.userId)]), statusIndexKey(users[0]!.userId)],
            users.flatMap(({ userId, lastSeen, status: s }) => [userId, lastSeen?.getTime() ?? "", s?.availability ?? "", s?.text ?? "",
              s?.textExpiresAt?.getTime() ?? "", s?.hiddenLastSeen?.getTime() ?? ""])));
          count += page.length;
          // The claim gone means Redis lost its data again meanwhile: what was put back went with it.
          if ((await redis.pexpire(restoredKey, restoreLeaseMs)) === 0) throw new Error("Redis lost its data while presence was being restored");
        }
      } catch (err) {
        // Released at once, so that the next check (here or on another node) starts over; else the lease lapses.
        await redis.del(restoredKey).catch((delErr: unknown) => options.onError?.(delErr));
        throw err;
      }
      await redis.set(restoredKey, "done");
      return count;
    },
    async close() {
      local.clear();
      await closeRedis(redis);
    },
  };
}

/** What the presence scripts answer: numbers and strings, six per user (see presenceScript). */
type Reply = (number | string)[];

/** A time in ms as a script answers it ('' for none). */
const dateOf = (ms: number | string | undefined): Date | undefined => (ms ? new Date(Number(ms)) : undefined);

/** One user's six values of {@link presenceScript} as a record (no status when it is the default). */
function presenceRecord(userId: string, [online, seen, availability, text, expiresAt, hidden]: Reply): PresenceRecord {
  const record: PresenceRecord = { userId, online: Number(online) > 0, lastSeen: dateOf(seen) };
  if (availability === "online" && text === "") return record;
  return { ...record, status: {
    availability: availability as Availability, text: String(text), textExpiresAt: dateOf(expiresAt), hiddenLastSeen: dateOf(hidden),
  } };
}

/** FNV-1a over the UTF-16 code units: a stable, cheap spread of user ids over the slot groups. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
