import { randomUUID } from "node:crypto";
import { types } from "cassandra-driver";
import { afterAll, inject } from "vitest";
import { type Cql, connectCql } from "./cql.ts";
import { cqlMigrations } from "./migrations.ts";
import { createKeyspace, migrate } from "./schema.ts";

/** A throw-away keyspace for the tests of a migration's data step; see {@link olderKeyspace}. */
export interface OlderKeyspace {
  /** Where to open a store on it. */
  cluster: { contactPoints: string[]; localDataCenter: string };
  keyspace: string;
  /** Creates it with the first `migrations` migrations only (an older release's schema), bucket size 10. */
  atVersion(migrations: number): Promise<Cql>;
}

/**
 * A keyspace on the run's Cassandra (global-setup.ts) migrated only up to an older version, so that
 * rows written the old way can be upgraded; dropped after the enclosing `describe`'s tests.
 */
export function olderKeyspace(prefix: string): OlderKeyspace {
  const keyspace = `${prefix}_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const cluster = { contactPoints: [inject("cassandraContactPoint")], localDataCenter: inject("cassandraDataCenter") };
  const connect = (ks?: string) => connectCql({
    ...cluster, ...(ks ? { keyspace: ks } : {}), consistency: types.consistencies.localQuorum, serialConsistency: types.consistencies.localSerial,
  });
  afterAll(async () => {
    const admin = await connect();
    await admin.client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    await admin.close();
  });
  return {
    cluster, keyspace,
    async atVersion(migrations) {
      const admin = await connect();
      await createKeyspace(admin, keyspace, { strategy: "SimpleStrategy", replicationFactor: 1 });
      await admin.close();
      const cql = await connect(keyspace);
      await migrate(cql, { bucketSize: 10, migrations: cqlMigrations.slice(0, migrations) });
      return cql;
    },
  };
}
