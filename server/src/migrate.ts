#!/usr/bin/env node
import { join } from "node:path";
import { loadConfig } from "./config.ts";
import { scyllaStoreOptions } from "./engines/engines.ts";
import type { MigrationReport } from "./engines/store/migrations.ts";
import { createScyllaStore } from "./engines/store/scylla/scylla-store.ts";
import { createSqliteStore } from "./engines/store/sqlite/sqlite-store.ts";

// Applies the pending schema migrations, then exits (same flags and CHAT_* variables as main.ts):
// to the ScyllaDB/Cassandra keyspace when CHAT_SCYLLA_CONTACT_POINTS is set, else to the embedded
// store in the data dir. Nodes apply pending migrations at start too; on a cluster, run this once
// before a rolling update (a Kubernetes Job, a compose one-off) so that nodes do not race to change
// the schema. See docs/operations.md.
const config = loadConfig();
const scylla = config.scyllaContactPoints.length > 0;
let report: MigrationReport | undefined;
const onMigrated = (r: MigrationReport) => (report = r);
const store = scylla
  ? await createScyllaStore({ ...scyllaStoreOptions(config), migrate: true, onMigrated })
  : createSqliteStore({ path: join(config.dataDir, "chat.sqlite"), onMigrated });
await store.close();
if (!report) throw new Error("the store opened without running its migrations");
const where = scylla ? `keyspace ${config.scyllaKeyspace}` : `${join(config.dataDir, "chat.sqlite")}`;
for (const m of report.applied) console.error(`applied migration ${m.version} ${m.name}`);
for (const m of report.unknown) console.error(`recorded by a newer release: migration ${m.version} ${m.name}`);
console.error(`${where} is at schema version ${report.version}`);
