import { join } from "node:path";
import type { Config } from "../config.ts";
import type { BlobStore } from "./blobs/interface.ts";
import { createBlobStore } from "./blobs/create-blob-store.ts";
import type { Broker } from "./broker/interface.ts";
import { createMemoryBroker } from "./broker/memory/memory-broker.ts";
import { createRedisBroker } from "./broker/redis/redis-broker.ts";
import type { RateLimiter } from "./limits/interface.ts";
import { describeRedisEndpoint, parseRedisEndpoint } from "./redis-endpoint.ts";
import { createMemoryRateLimiter } from "./limits/memory/memory-rate-limiter.ts";
import { createRedisRateLimiter } from "./limits/redis/redis-rate-limiter.ts";
import type { ControlPlane } from "./control/interface.ts";
import { createMemoryControlPlane } from "./control/memory/memory-control-plane.ts";
import { createRedisControlPlane } from "./control/redis/redis-control-plane.ts";
import type { SessionMap } from "./sessions/interface.ts";
import { createMemorySessionMap } from "./sessions/memory/memory-session-map.ts";
import { createRedisSessionMap } from "./sessions/redis/redis-session-map.ts";
import { keepPresence } from "./sessions/kept-presence.ts";
import type { Store } from "./store/interface.ts";
import type { MigrationReport } from "./store/migrations.ts";
import { parseConsistency } from "./store/scylla/cql.ts";
import { parseReplication } from "./store/scylla/schema.ts";
import { createRedisAppendRoute } from "./store/scylla/redis-append-route.ts";
import { createScyllaStore, type ScyllaStoreOptions } from "./store/scylla/scylla-store.ts";
import { createSqliteStore, type SqliteStore } from "./store/sqlite/sqlite-store.ts";
import type { PushQueue } from "./push-queue/interface.ts";
import { createRedisPushQueue } from "./push-queue/redis/redis-push-queue.ts";

/** The engines a node runs on. */
export interface Engines {
  store: Store;
  sessions: SessionMap;
  broker: Broker;
  control: ControlPlane;
  /** Rate-limit buckets: in Redis when the cluster has it, so that limits hold across nodes. */
  limiter: RateLimiter;
  /** File bytes: a folder under the data dir, or S3-compatible storage (`--s3-bucket`) for a cluster. */
  blobs: BlobStore;
  /** Push notifications waiting to go out: a table of the embedded store, or a Redis Stream any node's worker takes from. */
  pushQueue: PushQueue;
  /** Names of the engines, for the startup log. */
  describe: string;
  close(): Promise<void>;
}

/**
 * Picks the engines from the configuration: the embedded ones when nothing else is configured, so
 * that one node runs on a fresh machine with nothing installed. ScyllaDB (CHAT_SCYLLA_CONTACT_POINTS)
 * replaces the store; Redis (CHAT_REDIS_URL) replaces the session map and broker, which is what lets
 * several nodes serve one cluster, and therefore needs the cluster store too.
 *
 * `onError` hears about failures in the engines' background work; `onWarning` about what the operator
 * should know of the start (data files whose modes were tightened).
 */
export async function createEngines(config: Config, onError?: (error: unknown) => void, onWarning?: (message: string, details: object) => void): Promise<Engines> {
  const scylla = config.scyllaContactPoints.length > 0;
  const scyllaOptions = scylla ? scyllaStoreOptions(config) : undefined;
  if (config.redisUrl && !scylla) {
    throw new Error("CHAT_REDIS_URL (--redis-url, --redis-cluster or --redis-sentinels) is set without CHAT_SCYLLA_CONTACT_POINTS: " +
      "Redis lets several nodes serve one cluster, and several nodes cannot share one SQLite file. Set " +
      "CHAT_SCYLLA_CONTACT_POINTS too, or unset the Redis setting to run a single node.");
  }
  const blobs = await createBlobStore(config.blobs);
  const sqlitePath = join(config.dataDir, "chat.sqlite");
  let schema = "";
  const onMigrated = (report: MigrationReport) => (schema = ` schema=v${report.version}${report.applied.length ? ` (applied ${report.applied.map((m) => m.version).join(",")})` : ""}`);
  const url = config.redisUrl;
  // Nodes forward appends to the node that sequences the conversation over Redis (see owner-router.ts).
  const route = url && scyllaOptions ? createRedisAppendRoute({ url, nodeId: config.nodeId, onError: onError ?? ((err: unknown) => process.emitWarning(err as Error)) }) : undefined;
  const openSqlite = (path: string, migrated?: (report: MigrationReport) => void) => createSqliteStore({
    path, commitIntervalMs: config.sqliteCommitIntervalUs / 1000, ...(migrated ? { onMigrated: migrated } : {}), onTightened: (changes) => onWarning?.("data files were readable by other local users; tightened their modes", {
      changes: changes.map((c) => `${c.path} ${c.from.toString(8)} -> ${c.to.toString(8)}`),
    }) });
  const sqlite = scyllaOptions ? undefined : openSqlite(sqlitePath, onMigrated);
  const store = sqlite ?? await createScyllaStore({ ...scyllaOptions!, nodeId: config.nodeId, onMigrated, ...(route ? { route } : {}), ...(onError ? { onError } : {}) });
  // The push queue: in Redis for a cluster; else in the embedded store's file, or (one node on Scylla
  // without Redis) in a SQLite file of its own beside it.
  const queueOptions = { visibilityMs: config.push.visibilityMs, maxPendingPerUser: config.push.maxPendingPerUser };
  const queuePath = join(config.dataDir, "push-queue.sqlite");
  const queueFile: SqliteStore | undefined = url || sqlite ? undefined : openSqlite(queuePath);
  const pushQueue = url
    ? createRedisPushQueue({ url, ...queueOptions, ...(onError ? { onError } : {}) })
    : (sqlite ?? queueFile!).pushQueue(queueOptions);
  const liveSessions = url ? createRedisSessionMap({ url, ttlMs: config.heartbeatTimeoutMs, ...(onError ? { onError } : {}) }) : createMemorySessionMap();
  // Statuses and last-seen times are kept in the store, and put back when the map lost them.
  const sessions = await keepPresence(liveSessions, {
    store, onError: onError ?? ((err: unknown) => process.emitWarning(err as Error)),
    ...(url ? { onRestored: (users: number) => onWarning?.("Redis had lost presence (restarted empty?); restored it from the store", { users }) } : {}),
  });
  const broker = url ? createRedisBroker({ url, ...(onError ? { onError } : {}) }) : createMemoryBroker();
  const control = url ? createRedisControlPlane({ url, ...(onError ? { onError } : {}) }) : createMemoryControlPlane();
  const limiter = url ? createRedisRateLimiter({ url, ...(onError ? { onError } : {}) }) : createMemoryRateLimiter();
  const storeName = scylla ? `scylla(${config.scyllaContactPoints.join(",")}/${config.scyllaKeyspace})` : `sqlite(${sqlitePath})`;
  const liveName = url ? describeRedisEndpoint(parseRedisEndpoint(url)) : "memory";
  return {
    store, sessions, broker, control, limiter, blobs, pushQueue,
    describe: `store=${storeName}${schema} sessions=${liveName} broker=${liveName} control=${liveName} blobs=${blobs.describe} pushQueue=${url ? liveName : `sqlite(${sqlite ? sqlitePath : queuePath})`}`,
    async close() {
      await pushQueue.close();
      await queueFile?.close();
      await blobs.close();
      await limiter.close();
      await control.close();
      await broker.close();
      await sessions.close();
      await store.close();
      await route?.close();
    },
  };
}

/** The Scylla store's options from the configuration (also what `migrate.ts` runs with). */
export function scyllaStoreOptions(config: Config): ScyllaStoreOptions {
  const setting = <T>(flag: string, parse: () => T): T => {
    try {
      return parse();
    } catch (err) {
      throw new Error(`--${flag} (CHAT_${flag.toUpperCase().replaceAll("-", "_")}): ${(err as Error).message}`);
    }
  };
  setting("scylla-consistency", () => parseConsistency(config.scyllaConsistency));
  setting("scylla-serial-consistency", () => parseConsistency(config.scyllaSerialConsistency));
  return {
    contactPoints: config.scyllaContactPoints, localDataCenter: config.scyllaDataCenter, keyspace: config.scyllaKeyspace,
    consistency: config.scyllaConsistency, serialConsistency: config.scyllaSerialConsistency,
    replication: setting("scylla-replication", () => parseReplication(config.scyllaReplication)),
  };
}
