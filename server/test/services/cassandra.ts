import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Client } from "cassandra-driver";
import { freePorts } from "./free-port.ts";

/** A running throw-away single-node Cassandra 5, see {@link startCassandra}. */
export interface CassandraHandle {
  /** `127.0.0.1:PORT` of the CQL native transport, as cassandra-driver's `contactPoints` entry. */
  contactPoint: string;
  /** The node's data center (SimpleSnitch: `datacenter1`), for the driver's `localDataCenter`. */
  localDataCenter: string;
  /** Kills the JVM and deletes its data dir. Safe to call twice. */
  stop(): Promise<void>;
  /** SIGSTOP: the database freezes with its sockets open (a GC pause, a stalled disk). */
  pause(): void;
  /** SIGCONT after {@link pause}. */
  resume(): void;
}

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const pomFile = join(repoRoot, "scripts", "cassandra", "pom.xml");
const cacheDir = join(repoRoot, ".cache", "cassandra");
const STARTUP_TIMEOUT_MS = Number(process.env.CHAT_TEST_CASSANDRA_TIMEOUT_MS ?? 180_000);

/**
 * The java binary to run Cassandra with. Cassandra 5.0 supports JDK 11 and 17 only (and the flags
 * below are 17's), so on a machine whose default java is newer, Debian's JDK 17 is preferred.
 * `CHAT_TEST_JAVA` or `JAVA_HOME` override the search.
 */
async function findJava(): Promise<string> {
  if (process.env.CHAT_TEST_JAVA) return process.env.CHAT_TEST_JAVA;
  if (process.env.JAVA_HOME) return join(process.env.JAVA_HOME, "bin", "java");
  const jvms = await readdir("/usr/lib/jvm").catch(() => []);
  const jdk17 = jvms.find(
    (name) => name.startsWith("java-17-") && existsSync(join("/usr/lib/jvm", name, "bin", "java")),
  );
  return jdk17 === undefined ? "java" : join("/usr/lib/jvm", jdk17, "bin", "java");
}

/** Runs a command, resolving with its combined output; rejects with that output on failure. */
function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    proc.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    proc.once("error", (error) =>
      reject(new Error(`${command}: ${error.message} (run scripts/install-system-deps.sh)`)),
    );
    proc.once("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(" ")} failed (${code}):\n${output}`)),
    );
  });
}

/**
 * Makes sure Cassandra's jars are in `.cache/cassandra/lib-<pom hash>` and returns that directory.
 * The directory is named after the pom so bumping the version re-resolves, and Maven writes into a
 * temp dir that is renamed into place, so a half-finished or concurrent resolve is never used.
 */
export async function resolveCassandraLib(): Promise<string> {
  const hash = createHash("sha256").update(await readFile(pomFile)).digest("hex").slice(0, 12);
  const lib = join(cacheDir, `lib-${hash}`);
  if (existsSync(lib)) return lib;
  const staging = `${lib}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await run("mvn", ["-B", "-q", "-f", pomFile, "dependency:copy-dependencies", `-Dcassandra.lib=${staging}`]);
  try {
    await rename(staging, lib);
  } catch (error) {
    // Another test run finished the same resolve first; its copy is as good as ours.
    if (!existsSync(lib)) throw error;
    await rm(staging, { recursive: true, force: true });
  }
  // Jars of older pom versions are dead weight (~70 MB each).
  for (const entry of await readdir(cacheDir)) {
    if (entry.startsWith("lib-") && !entry.includes(".tmp-") && join(cacheDir, entry) !== lib) {
      await rm(join(cacheDir, entry), { recursive: true, force: true });
    }
  }
  return lib;
}

/**
 * cassandra.yaml for one disposable node. Everything not set keeps Cassandra's default. The choices
 * trade durability (none needed: the data dir is deleted afterwards) for startup and test speed.
 */
function cassandraYaml(dir: string, nativePort: number, storagePort: number): string {
  return `cluster_name: chat-test
num_tokens: 1
initial_token: 0
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "127.0.0.1:${storagePort}"
listen_address: 127.0.0.1
rpc_address: 127.0.0.1
storage_port: ${storagePort}
native_transport_port: ${nativePort}
start_native_transport: true
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
data_file_directories: [${JSON.stringify(join(dir, "data"))}]
commitlog_directory: ${JSON.stringify(join(dir, "commitlog"))}
saved_caches_directory: ${JSON.stringify(join(dir, "saved_caches"))}
hints_directory: ${JSON.stringify(join(dir, "hints"))}
cdc_raw_directory: ${JSON.stringify(join(dir, "cdc_raw"))}
commitlog_sync: periodic
commitlog_sync_period: 10000ms
commitlog_segment_size: 8MiB
disk_access_mode: mmap_index_only
memtable_heap_space: 64MiB
memtable_offheap_space: 64MiB
key_cache_size: 8MiB
counter_cache_size: 0MiB
concurrent_reads: 8
concurrent_writes: 8
concurrent_counter_writes: 8
concurrent_compactors: 1
# Tests create and drop tables all the time; snapshots on DROP/TRUNCATE only cost time and disk.
auto_snapshot: false
snapshot_before_compaction: false
incremental_backups: false
hinted_handoff_enabled: false
dynamic_snitch: false
`;
}

/** logback config: INFO to stdout (which goes to the log file); Cassandra's jar ships none. */
const LOGBACK_XML = `<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level [%thread] %date{HH:mm:ss.SSS} %logger{0}: %msg%n</pattern></encoder>
  </appender>
  <!-- Its one-line dump of every setting would swamp the log tail shown on failure. -->
  <logger name="org.apache.cassandra.config.Config" level="WARN"/>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
`;

/** JDK 17 module access Cassandra 5 needs: copied from its conf/jvm17-server.options. */
const JDK17_MODULE_FLAGS = [
  ...[
    "java.base/jdk.internal.misc", "java.management.rmi/com.sun.jmx.remote.internal.rmi",
    "java.rmi/sun.rmi.registry", "java.rmi/sun.rmi.server", "java.sql/java.sql", "java.base/java.lang.ref",
    "jdk.unsupported/sun.misc", "jdk.compiler/com.sun.tools.javac.file", "jdk.attach/sun.tools.attach",
  ].map((pkg) => `--add-exports=${pkg}=ALL-UNNAMED`),
  ...[
    "java.base/java.lang.module", "java.base/jdk.internal.loader", "java.base/jdk.internal.ref",
    "java.base/jdk.internal.reflect", "java.base/jdk.internal.math", "java.base/jdk.internal.module",
    "java.base/jdk.internal.util.jar", "jdk.management/com.sun.management.internal", "java.base/sun.nio.ch",
    "java.base/java.io", "java.base/java.lang.reflect", "jdk.compiler/com.sun.tools.javac",
    "java.base/java.lang", "java.base/java.util",
  ].map((pkg) => `--add-opens=${pkg}=ALL-UNNAMED`),
];

function jvmArgs(lib: string, jamm: string, dir: string): string[] {
  return [
    "-Xms512m", "-Xmx1g", "-Xss256k",
    "-XX:+UseG1GC", "-XX:+PerfDisableSharedMem", "-XX:+ExitOnOutOfMemoryError",
    // C1 only: the JIT's C2 tier costs CPU at startup on 2 cores and test queries never get hot.
    "-XX:TieredStopAtLevel=1",
    "-ea", "-da:net.openhft...",
    "-Djava.net.preferIPv4Stack=true",
    "-Djdk.attach.allowAttachSelf=true",
    "-Dio.netty.tryReflectionSetAccessible=true",
    ...JDK17_MODULE_FLAGS,
    // jamm measures object sizes for memtable accounting; Cassandra refuses to run without the agent.
    `-javaagent:${join(lib, jamm)}`,
    `-Dcassandra.config=${pathToFileURL(join(dir, "cassandra.yaml")).href}`,
    `-Dlogback.configurationFile=${join(dir, "logback.xml")}`,
    `-Dcassandra.storagedir=${dir}`,
    `-Dcassandra.logdir=${dir}`,
    "-Dcassandra-foreground=yes",
    // No -Dcassandra.jmx.*.port: JMX stays off, so there is no third port to collide on.
    // A lone seed node has nobody to wait for; these skip the gossip/ring settling sleeps.
    "-Dcassandra.skip_wait_for_gossip_to_settle=0",
    "-Dcassandra.ring_delay_ms=0",
    "-Dcassandra.load_ring_state=false",
    "-Dcassandra.superuser_setup_delay_ms=0",
    // System tables need no durability in a throw-away node: skips their fsyncs and flushes.
    "-Dcassandra.unsafesystem=true",
    // Thread pools are sized from the core count; a test node on a big CI runner needs no more than 4.
    `-Dcassandra.available_processors=${Math.min(availableParallelism(), 4)}`,
    `-Dcassandra.triggers_dir=${join(dir, "triggers")}`,
    "-cp", join(lib, "*"),
    "org.apache.cassandra.service.CassandraDaemon",
  ];
}

/** Best-effort synchronous delete, for `process.on("exit")` where nothing async runs any more. */
function removeNow(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
  } catch {
    // A dying child may still be writing; a leftover temp dir is harmless.
  }
}

/** True once something accepts TCP connections on the port. */
function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setTimeout(1_000, () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(false));
    socket.once("connect", () => (socket.destroy(), resolve(true)));
  });
}

/** Last lines of the log, each cut short: Java stack traces and config dumps can be huge. */
async function tail(file: string, lines = 60): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text
    .split("\n")
    .slice(-lines)
    .map((line) => (line.length > 400 ? `${line.slice(0, 400)}...` : line))
    .join("\n");
}

/**
 * Starts a real single-node Apache Cassandra 5 (jars from Maven Central via scripts/cassandra/pom.xml,
 * resolved on first use) on free loopback ports with a temp data dir, and resolves once it answers
 * `SELECT release_version FROM system.local` over CQL. On failure or timeout the error carries the
 * tail of the node's log (kept, with the temp dir, for inspection).
 */
export async function startCassandra(): Promise<CassandraHandle> {
  const lib = await resolveCassandraLib();
  const jamm = (await readdir(lib)).find((name) => /^jamm-.*\.jar$/.test(name));
  if (jamm === undefined) throw new Error(`cassandra: no jamm jar in ${lib}`);
  const dir = await mkdtemp(join(tmpdir(), "chat-cassandra-"));
  const logFile = join(dir, "cassandra.log");
  const [nativePort, storagePort] = await freePorts(2);
  if (nativePort === undefined || storagePort === undefined) throw new Error("cassandra: no free ports");
  await writeFile(join(dir, "cassandra.yaml"), cassandraYaml(dir, nativePort, storagePort));
  await writeFile(join(dir, "logback.xml"), LOGBACK_XML);
  await mkdir(join(dir, "triggers")); // Cassandra logs a warning when it is missing

  const log = await open(logFile, "a");
  const java = await findJava();
  const child: ChildProcess = spawn(java, jvmArgs(lib, jamm, dir), { stdio: ["ignore", log.fd, log.fd] });
  // Listen before any await: a spawn failure is emitted on the next tick and would be unhandled.
  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = `exited with ${signal ?? `code ${code}`}`));
  child.once("error", (error) => {
    exited = `could not start ${java}: ${error.message} (run scripts/install-system-deps.sh)`;
  });
  // If the test process dies without teardown, do not leave a 1 GB JVM (or its files) behind.
  const killOnExit = (): void => {
    child.kill("SIGKILL");
    removeNow(dir);
  };
  process.once("exit", killOnExit);
  await log.close(); // the JVM holds its own copy of the descriptor

  const stop = async (): Promise<void> => {
    process.removeListener("exit", killOnExit);
    // No pid: java never started, and an "exit" event may never come.
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGKILL"); // nothing on disk is worth a graceful drain
      await gone;
    }
  };
  const fail = async (reason: string): Promise<never> => {
    await stop();
    throw new Error(`cassandra ${reason}\n--- ${logFile} ---\n${await tail(logFile)}`);
  };

  const started = Date.now();
  const deadline = started + STARTUP_TIMEOUT_MS;
  let localDataCenter = "";
  for (;;) {
    if (exited !== undefined) return fail(exited);
    if (Date.now() > deadline) return fail(`did not accept CQL within ${STARTUP_TIMEOUT_MS} ms`);
    if (await portOpen(nativePort)) {
      // SimpleSnitch always names its data center "datacenter1"; the row below confirms it.
      const client = new Client({ contactPoints: [`127.0.0.1:${nativePort}`], localDataCenter: "datacenter1" });
      try {
        await client.connect();
        const row = (await client.execute("SELECT release_version, data_center FROM system.local")).first();
        if (row !== null && typeof row.get("release_version") === "string") {
          localDataCenter = String(row.get("data_center"));
          break;
        }
      } catch {
        // Port open but CQL not ready yet (e.g. schema still loading): retry until the deadline.
      } finally {
        await client.shutdown().catch(() => undefined);
      }
    }
    await sleep(250);
  }
  if (process.env.CHAT_TEST_VERBOSE) console.error(`cassandra ready in ${Date.now() - started} ms (${dir})`);

  let stopped = false;
  return {
    contactPoint: `127.0.0.1:${nativePort}`,
    localDataCenter,
    pause: () => void child.kill("SIGSTOP"),
    resume: () => void child.kill("SIGCONT"),
    async stop() {
      if (stopped) return;
      stopped = true;
      child.kill("SIGCONT"); // a stopped JVM would take SIGKILL too, but leave nothing to chance
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// `node server/test/services/cassandra.ts` starts a node by hand and keeps it until Ctrl-C.
if (import.meta.main) {
  const started = Date.now();
  const node = await startCassandra();
  console.log(`cassandra ${node.contactPoint} dc=${node.localDataCenter} ready in ${Date.now() - started} ms`);
  const shutdown = (): void => void node.stop().then(() => process.exit(0));
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}
