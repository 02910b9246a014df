import { type AppliedMigration, type MigrationReport, pendingMigrations, versionAfter } from "../migrations.ts";
import type { Cql } from "./cql.ts";
import { type CqlMigration, cqlMigrations } from "./migrations.ts";

/** How the keyspace replicates: `SimpleStrategy` for one data center, `NetworkTopologyStrategy` for more. */
export type Replication =
  | { strategy: "SimpleStrategy"; replicationFactor: number }
  | { strategy: "NetworkTopologyStrategy"; dataCenters: Record<string, number> };

/**
 * Reads a replication setting: "3" is SimpleStrategy with 3 replicas (the default, "1", suits a
 * development node), "dc1:3,dc2:3" is NetworkTopologyStrategy with 3 replicas in each data center.
 */
export function parseReplication(value: string): Replication {
  const count = (text: string | undefined): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 20) throw new Error(`replication "${value}": "${text}" is not a replica count`);
    return n;
  };
  if (/^\d+$/.test(value.trim())) return { strategy: "SimpleStrategy", replicationFactor: count(value.trim()) };
  const dataCenters: Record<string, number> = {};
  for (const entry of value.split(",")) {
    const [dc, n, extra] = entry.trim().split(/[:=]/);
    if (!dc || !/^[A-Za-z0-9_.-]+$/.test(dc) || extra !== undefined) {
      throw new Error(`replication "${value}" must be a replica count ("3") or "dc:count,..." ("dc1:3,dc2:3")`);
    }
    dataCenters[dc] = count(n);
  }
  return { strategy: "NetworkTopologyStrategy", dataCenters };
}

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** Seqs per message partition; fixed for the life of the keyspace. */
  bucketSize: number;
  /** The migrations to bring the keyspace to; {@link cqlMigrations} unless a test says otherwise. */
  migrations?: readonly CqlMigration[];
}

/**
 * Creates the keyspace when it is missing (on a connection bound to no keyspace, since it may not
 * exist yet). Replication is only read here: an existing keyspace keeps its own.
 */
export async function createKeyspace(admin: Cql, keyspace: string, replication: Replication): Promise<void> {
  if (!/^[a-z][a-z0-9_]{0,47}$/.test(keyspace)) throw new Error(`"${keyspace}" is not a valid keyspace name`);
  await ddl(admin, `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = ${replicationMap(replication)}`);
}

/**
 * Applies the pending migrations to the keyspace `cql` is bound to, each recorded in
 * `schema_migrations` once all its statements succeeded, then checks that the bucket size matches
 * the one the data was written with (changing it would make stored messages unreachable).
 *
 * Run it once before starting several nodes at the same time (`node server/src/migrate.ts`):
 * Cassandra before 5.1 may mis-handle two nodes creating one table at once. When nothing is
 * pending, a start only reads `schema_migrations`.
 */
export async function migrate(cql: Cql, options: MigrateOptions): Promise<MigrationReport> {
  await ddl(cql, "CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text, applied_at timestamp)");
  const recorded = (await cql.all("SELECT version, name FROM schema_migrations"))
    .map((r) => ({ version: r.get("version") as number, name: r.get("name") as string }));
  const { pending, unknown } = pendingMigrations(options.migrations ?? cqlMigrations, recorded);
  const applied: AppliedMigration[] = [];
  for (const m of pending) {
    for (const step of m.up) {
      if (typeof step === "string") await ddl(cql, step).catch((err: unknown) => ignoreColumnAdded(step, err));
      else await step(cql);
    }
    await cql.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [m.version, m.name, new Date()]);
    applied.push({ version: m.version, name: m.name });
  }
  const setting = await cql.cas("INSERT INTO schema_settings (name, value) VALUES ('bucket_size', ?) IF NOT EXISTS",
    [String(options.bucketSize)]);
  const stored = setting.current?.get("value") as string | undefined;
  if (stored !== undefined && stored !== String(options.bucketSize)) {
    throw new Error(`keyspace ${cql.client.keyspace} stores messages in buckets of ${stored} seqs, not ${options.bucketSize}`);
  }
  return { applied, version: versionAfter(recorded, applied), unknown };
}

/**
 * An `ALTER TABLE … ADD column` that fails because the column exists was applied by an earlier try
 * of the same migration (a node died before recording it): done, not an error. Anything else rethrows.
 */
function ignoreColumnAdded(statement: string, err: unknown): void {
  const added = /^\s*ALTER\s+TABLE\s+\S+\s+ADD\s/i.test(statement);
  if (added && /conflicts with an existing column|already exists/i.test((err as Error).message)) return;
  throw err;
}

/** Runs a schema statement; these run once, so they are not prepared. */
function ddl(cql: Cql, statement: string): Promise<unknown> {
  return cql.client.execute(statement, [], { prepare: false });
}

function replicationMap(r: Replication): string {
  if (r.strategy === "SimpleStrategy") return `{'class': 'SimpleStrategy', 'replication_factor': ${r.replicationFactor}}`;
  const dcs = Object.entries(r.dataCenters).map(([dc, n]) => `'${dc}': ${n}`).join(", ");
  return `{'class': 'NetworkTopologyStrategy', ${dcs}}`;
}
