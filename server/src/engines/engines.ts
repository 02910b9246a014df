import { join } from "node:path";
import type { Config } from "../config.ts";
import type { Broker } from "./broker/interface.ts";
import { createMemoryBroker } from "./broker/memory/memory-broker.ts";
import type { SessionMap } from "./sessions/interface.ts";
import { createMemorySessionMap } from "./sessions/memory/memory-session-map.ts";
import type { Store } from "./store/interface.ts";
import { createSqliteStore } from "./store/sqlite/sqlite-store.ts";

/** The engines a node runs on. */
export interface Engines {
  store: Store;
  sessions: SessionMap;
  broker: Broker;
  /** Names of the engines, for the startup log. */
  describe: string;
  close(): Promise<void>;
}

/**
 * Picks the engines from the configuration: the embedded ones when nothing else is configured, so
 * that one node runs on a fresh machine with nothing installed.
 */
export async function createEngines(config: Config): Promise<Engines> {
  if (config.redisUrl || config.scyllaContactPoints.length > 0) {
    throw new Error("Redis and ScyllaDB engines are not available in this build; unset CHAT_REDIS_URL and CHAT_SCYLLA_CONTACT_POINTS");
  }
  const store = createSqliteStore({ path: join(config.dataDir, "chat.sqlite") });
  const sessions = createMemorySessionMap();
  const broker = createMemoryBroker();
  return {
    store, sessions, broker,
    describe: `store=sqlite(${join(config.dataDir, "chat.sqlite")}) sessions=memory broker=memory`,
    async close() {
      await broker.close();
      await sessions.close();
      await store.close();
    },
  };
}
