import { setTimeout as sleep } from "node:timers/promises";
import { Client, errors, policies, types } from "cassandra-driver";

/** How to reach the cluster; see {@link connectCql}. */
export interface CqlConnectOptions {
  /** "host" or "host:port" of a few nodes; the driver discovers the rest. */
  contactPoints: string[];
  /** The data center this node runs in: queries go to its replicas first. */
  localDataCenter: string;
  /** Keyspace of every unqualified table name; unset for schema work across keyspaces. */
  keyspace?: string;
  /** Consistency of reads, writes and of the commit of lightweight transactions. */
  consistency: types.consistencies;
  /** Consistency of the Paxos round of lightweight transactions: SERIAL or LOCAL_SERIAL. */
  serialConsistency: types.consistencies;
}

/** Values bound to a statement's `?` markers, in order. */
export type Params = readonly unknown[];

/** One statement of a batch. */
export interface Statement {
  query: string;
  params: Params;
}

/** The outcome of a conditional statement (`IF NOT EXISTS`, `IF col = ?`). */
export interface CasResult {
  applied: boolean;
  /** When not applied: the row as it stands, which made the condition false. */
  current: types.Row | undefined;
  /**
   * True when an earlier try timed out, so it may have been applied after all: a row found by
   * this try may be this caller's own write.
   */
  retried: boolean;
}

/** Failures where the statement may or may not have taken effect, or a replica was briefly missing. */
const transientCodes = new Set<number>([
  types.responseErrorCodes.writeTimeout, types.responseErrorCodes.readTimeout,
  types.responseErrorCodes.unavailableException, types.responseErrorCodes.overloaded,
  types.responseErrorCodes.isBootstrapping,
]);
const maxTries = 6;

/** Kinds of CQL requests {@link cqlRequests} counts. */
export type CqlRequestKind = "statement" | "batch" | "lwt" | "serialRead";

/**
 * CQL requests this process sent, by kind (a batch counts once, each try of a retry counts): what
 * /metrics reports, so that the cost per message can be measured without the driver's internals.
 */
export const cqlRequests: Record<CqlRequestKind, number> = { statement: 0, batch: 0, lwt: 0, serialRead: 0 };

/**
 * A thin layer over the driver: every statement prepared (parsed once per node, then routed by
 * token to a replica), transient failures retried, and result pages followed.
 *
 * Retrying is safe because every statement the store runs is idempotent (upserts, deletes, writes
 * with explicit timestamps) or a lightweight transaction whose caller re-reads the outcome.
 */
export class Cql {
  readonly client: Client;
  private readonly serialConsistency: types.consistencies;

  constructor(client: Client, serialConsistency: types.consistencies = types.consistencies.serial) {
    this.client = client;
    this.serialConsistency = serialConsistency;
  }

  /** Runs one statement. */
  execute(query: string, params: Params = []): Promise<types.ResultSet> {
    return retrying(() => {
      cqlRequests.statement++;
      return this.client.execute(query, params as unknown[], { prepare: true });
    });
  }

  /**
   * Runs a read at the serial consistency: it sees every lightweight transaction committed before
   * it, including one whose commit round had not reached a quorum yet (it finishes it).
   */
  serialRead(query: string, params: Params = []): Promise<types.ResultSet> {
    return retrying(() => {
      cqlRequests.serialRead++;
      return this.client.execute(query, params as unknown[], { prepare: true, consistency: this.serialConsistency });
    });
  }

  /** Runs a lightweight transaction and reports whether it was applied. */
  async cas(query: string, params: Params): Promise<CasResult> {
    let tries = 0;
    const result = await retrying(() => {
      tries++;
      cqlRequests.lwt++;
      return this.client.execute(query, params as unknown[], { prepare: true });
    });
    const applied = result.wasApplied();
    return { applied, current: applied ? undefined : result.first() ?? undefined, retried: tries > 1 };
  }

  /** Every row of a query, across as many pages as it takes. */
  async all(query: string, params: Params = []): Promise<types.Row[]> {
    const rows: types.Row[] = [];
    for await (const page of this.pages(query, params)) rows.push(...page);
    return rows;
  }

  /** The rows of a query a page at a time, so that a scan of a large table holds one page in memory. */
  async *pages(query: string, params: Params = [], fetchSize = 1000): AsyncGenerator<types.Row[]> {
    let pageState: string | undefined;
    do {
      const page = await retrying(() => {
        cqlRequests.statement++;
        return this.client.execute(query, params as unknown[], { prepare: true, fetchSize, ...(pageState ? { pageState } : {}) });
      });
      yield page.rows;
      pageState = page.pageState ?? undefined;
    } while (pageState);
  }

  /**
   * Runs statements as one logged batch: the writes to several tables of one fact (a row and its
   * denormalized copies) all happen eventually, even if this node dies midway.
   */
  batch(statements: readonly Statement[]): Promise<void> {
    return this.runBatch(statements, true);
  }

  /**
   * Runs statements on ONE partition as one unlogged batch: a single atomic mutation, with no
   * batch log round trip. Each statement may carry its own `USING TIMESTAMP`.
   */
  partitionBatch(statements: readonly Statement[]): Promise<void> {
    return this.runBatch(statements, false);
  }

  /**
   * Runs statements on a few partitions as one unlogged batch: one request, each partition's part
   * atomic on its own, the parts not together (no batch log).
   */
  unloggedBatch(statements: readonly Statement[]): Promise<void> {
    return this.runBatch(statements, false);
  }

  private async runBatch(statements: readonly Statement[], logged: boolean): Promise<void> {
    if (statements.length === 0) return;
    const queries = statements.map((s) => ({ query: s.query, params: s.params as unknown[] }));
    await retrying(() => {
      cqlRequests.batch++;
      return this.client.batch(queries, { prepare: true, logged });
    });
  }

  close(): Promise<void> {
    return this.client.shutdown();
  }
}

/** Connects to the cluster with token-aware, local-data-center-first routing. */
export async function connectCql(options: CqlConnectOptions): Promise<Cql> {
  const client = new Client({
    contactPoints: options.contactPoints,
    localDataCenter: options.localDataCenter,
    ...(options.keyspace ? { keyspace: options.keyspace } : {}),
    policies: {
      loadBalancing: new policies.loadBalancing.TokenAwarePolicy(
        new policies.loadBalancing.DCAwareRoundRobinPolicy(options.localDataCenter)),
    },
    queryOptions: { prepare: true, consistency: options.consistency, serialConsistency: options.serialConsistency },
  });
  await client.connect();
  return new Cql(client, options.serialConsistency);
}

/** Parses a consistency level name: "LOCAL_QUORUM", "localQuorum" and "local_quorum" alike. */
export function parseConsistency(name: string): types.consistencies {
  const wanted = name.replace(/_/g, "").toLowerCase();
  for (const [key, value] of Object.entries(types.consistencies)) {
    if (typeof value === "number" && key.toLowerCase() === wanted) return value;
  }
  const known = Object.keys(types.consistencies).filter((k) => Number.isNaN(Number(k)));
  throw new Error(`unknown consistency level "${name}" (one of ${known.join(", ")})`);
}

async function retrying<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= maxTries || !isTransient(err)) throw err;
      await sleep(20 * 2 ** attempt * (0.5 + Math.random()));
    }
  }
}

function isTransient(err: unknown): boolean {
  if (err instanceof errors.ResponseError) return transientCodes.has(err.code);
  return err instanceof errors.OperationTimedOutError || err instanceof errors.NoHostAvailableError;
}
