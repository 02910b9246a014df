import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "cassandra-driver";
import { afterAll, beforeAll, inject } from "vitest";
import type { Store } from "./interface.ts";
import { createMemoryAppendRoute } from "./scylla/append-route.ts";
import { createScyllaStore } from "./scylla/scylla-store.ts";
import { createSqliteStore } from "./sqlite/sqlite-store.ts";

/** An implementation under test: every store `open` returns shares one database, like cluster nodes. */
export interface StoreEngine {
  open(): Promise<Store>;
  destroy(): Promise<void>;
}

/** Seqs per Scylla partition in this suite: small, so that paging crosses many bucket boundaries. */
export const bucketSize = 10;

/** Every store implementation, as the contract suites run them. */
export const engines: { name: string; make: () => StoreEngine }[] = [
  { name: "sqlite", make: () => {
    const dir = mkdtempSync(join(tmpdir(), "store-contract-"));
    return {
      open: async () => createSqliteStore({ path: join(dir, "chat.sqlite") }),
      destroy: async () => rmSync(dir, { recursive: true, force: true }),
    };
  } },
  { name: "scylla", make: () => {
    const keyspace = `contract_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
    const cluster = { contactPoints: [inject("cassandraContactPoint")], localDataCenter: inject("cassandraDataCenter") };
    const route = createMemoryAppendRoute(); // the nodes forward appends to the conversation's sequencer
    return {
      open: () => createScyllaStore({ ...cluster, keyspace, bucketSize, route }),
      async destroy() {
        const client = new Client(cluster);
        await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
        await client.shutdown();
      },
    };
  } },
];


/**
 * Opens two stores on one database (two nodes) before a suite's tests, and closes and drops them
 * after: read `a` and `b` from the returned object inside the tests.
 */
export function twoNodes(make: () => StoreEngine): { readonly a: Store; readonly b: Store } {
  const nodes = {} as { a: Store; b: Store };
  let engine: StoreEngine | undefined;
  beforeAll(async () => {
    engine = make();
    nodes.a = await engine.open();
    nodes.b = await engine.open();
  });
  afterAll(async () => {
    await Promise.all([nodes.a?.close(), nodes.b?.close()]);
    await engine?.destroy();
  });
  return nodes;
}
