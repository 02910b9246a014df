#!/usr/bin/env node
import { loadConfig } from "./config.ts";
import { scyllaStoreOptions } from "./engines/engines.ts";
import { createScyllaStore } from "./engines/store/scylla/scylla-store.ts";

// Creates the ScyllaDB/Cassandra keyspace and tables, then exits: run it once before starting
// several nodes on an empty cluster (same flags and CHAT_* variables as main.ts). Nodes run the
// same idempotent migration at startup; this only keeps them from racing to create tables.
const config = loadConfig();
if (config.scyllaContactPoints.length === 0) {
  console.error("nothing to migrate: set CHAT_SCYLLA_CONTACT_POINTS (--scylla-contact-points); SQLite creates its tables itself");
  process.exit(2);
}
const store = await createScyllaStore({ ...scyllaStoreOptions(config), migrate: true });
await store.close();
console.error(`keyspace ${config.scyllaKeyspace} is up to date`);
