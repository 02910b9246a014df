import { parseArgs } from "node:util";
import type { ChatClient } from "./load/protocol.ts";
import { paths } from "./paths.ts";

/** The scenarios `npm run bench -- <scenario>` knows. */
export const scenarioNames = ["direct", "group", "connections", "resume", "cluster"] as const;
export type ScenarioName = (typeof scenarioNames)[number];

/** The systems a run can measure, in the order they alternate; cluster-Nn: N chat nodes on Redis + Cassandra. */
export const systemNames = ["chat", "chat-tmpfs", "socketio", "cluster-1n", "cluster-2n", "cluster-3n"] as const;
export type SystemName = (typeof systemNames)[number];

/** Everything a run was told, after defaults; stored with its results. */
export interface BenchOptions {
  scenario: ScenarioName;
  /** Offered rates, one step each: messages/s sent (direct, group) or connects/s (connections). */
  rates: number[];
  /** Measured seconds per step (connections: how long the idle devices are held). */
  durationS: number;
  /** Seconds of traffic before each step's measured window. */
  warmupS: number;
  users: number;
  /** group: how many groups the users are split into. */
  groups: number;
  /** resume: messages each device misses. */
  missed: number;
  /** connections: streams per account (1 = one device per user). */
  devicesPerUser: number;
  systems: SystemName[];
  rounds: number;
  target: "embedded" | "cluster";
  nodes: number;
  redisUrl: string | undefined;
  scyllaContactPoints: string | undefined;
  url: string | undefined;
  /** CA certificate (PEM) to trust for an `https://` url with a self-signed or private certificate. */
  caFile: string | undefined;
  agents: number;
  /** Client stack of the chat devices. */
  client: ChatClient;
  textBytes: number;
  connectRate: number;
  heartbeatMs: number | undefined;
  cpuProf: boolean;
  /** Extra `node` flags for the chat server processes (V8 heap and GC settings, say), split on spaces. */
  serverNodeFlags: string[];
  /** direct: every chat device marks each message it receives delivered and read, as the clients do. */
  receipts: boolean;
  quick: boolean;
  /** Only make sure the accounts exist (register what is missing), then exit. */
  prepare: boolean;
  out: string | undefined;
  fixtureDir: string;
  registerConcurrency: number;
}

/** Defaults per scenario: the figures the targets in docs/benchmarks.md are stated for. */
const defaults: Record<ScenarioName, { rates: number[]; users: number; durationS: number; systems: SystemName[] }> = {
  direct: { rates: [5_000, 10_000, 20_000], users: 1_000, durationS: 10, systems: ["chat", "chat-tmpfs", "socketio"] },
  group: { rates: [250, 500, 1_000], users: 1_000, durationS: 10, systems: ["chat", "chat-tmpfs", "socketio"] },
  connections: { rates: [1_000], users: 20_000, durationS: 30, systems: ["chat"] },
  resume: { rates: [0], users: 1_000, durationS: 0, systems: ["chat"] },
  cluster: { rates: [500, 1_500, 3_000], users: 200, durationS: 8, systems: ["cluster-1n", "cluster-2n", "cluster-3n"] },
};

/** The usage text. */
export const usage = `usage: npm run bench -- <${scenarioNames.join("|")}> [options]
  --rate N[,N…]         offered rate per step: msgs/s (direct, group) or connects/s (connections)
  --duration S          measured seconds per step (connections: seconds the idle devices are held)
  --warmup S            seconds of traffic before each measured window (default 2)
  --users N             users (direct/resume: 1000, group: 1000, connections: 20000)
  --groups N            group: groups the users are split into (default 10)
  --missed N            resume: messages each device misses (default 100)
  --devices-per-user N  connections: streams per account (default 1)
  --systems a,b         of ${systemNames.join(", ")} (direct/group default: the first three,
                        cluster: cluster-1n,cluster-2n,cluster-3n, else chat)
  --rounds N            how many times the systems alternate (default 1)
  --target T            embedded (default: one node on SQLite) | cluster (Redis + Cassandra/Scylla)
  --nodes N             cluster: server processes (default 1)
  --redis-url URL       cluster: CHAT_REDIS_URL (the peer starts its own Redis unless given)
  --scylla-contact-points H:P[,H:P]   cluster: CHAT_SCYLLA_CONTACT_POINTS
  --url URL             measure a running chat server instead of starting one (http:// or https://)
  --ca-file FILE        CA certificate (PEM) to trust for an https:// --url with a private certificate (CHAT_CA_FILE)
  --agents N            load agent processes (default 2; connections: one per 5000 devices)
  --client h2|connect   chat devices' client: plain node:http2 gRPC (default) or connect-node's transport
  --text-bytes N        message size (default 100)
  --connect-rate N      connects/s while setting up direct/group/resume (default 500)
  --heartbeat-ms N      server heartbeat interval (default: the server's, 15000)
  --receipts            direct: chat devices mark every message they receive delivered and read
  --cpu-prof            run the server under node --cpu-prof (profiles in bench/results/profiles/)
  --server-node-flags F node flags for the chat server, space-separated (e.g. "--max-semi-space-size=64")
  --quick               a short smoke run: few users, low rates, short steps
  --prepare             only register the accounts the scenario needs (once, slow), then exit
  --out FILE            result file (default bench/results/<scenario>-<date>.json)
  --fixture-dir DIR     registered accounts, made once and reused (default bench/.data/fixture)
  --register-concurrency N   registrations in flight while a fixture is made (default 2)`;

/** Parses `npm run bench -- <scenario> [options]`; throws a message naming the bad option. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      rate: { type: "string" }, duration: { type: "string" }, warmup: { type: "string" }, users: { type: "string" },
      groups: { type: "string" }, missed: { type: "string" }, "devices-per-user": { type: "string" },
      systems: { type: "string" }, rounds: { type: "string" }, target: { type: "string" }, nodes: { type: "string" },
      "redis-url": { type: "string" }, "scylla-contact-points": { type: "string" }, url: { type: "string" }, "ca-file": { type: "string" },
      agents: { type: "string" }, client: { type: "string" }, "text-bytes": { type: "string" }, "connect-rate": { type: "string" },
      "heartbeat-ms": { type: "string" }, "cpu-prof": { type: "boolean" }, "server-node-flags": { type: "string" }, receipts: { type: "boolean" }, quick: { type: "boolean" }, prepare: { type: "boolean" },
      out: { type: "string" }, "fixture-dir": { type: "string" }, "register-concurrency": { type: "string" },
    },
  });
  const scenario = positionals[0] as ScenarioName;
  if (!scenarioNames.includes(scenario)) throw new Error(`unknown scenario "${positionals[0] ?? ""}"\n${usage}`);
  if (scenario === "cluster" && !((values["redis-url"] ?? env.CHAT_REDIS_URL) && (values["scylla-contact-points"] ?? env.CHAT_SCYLLA_CONTACT_POINTS))) {
    throw new Error("the cluster scenario needs --redis-url and --scylla-contact-points (or CHAT_REDIS_URL and CHAT_SCYLLA_CONTACT_POINTS)");
  }
  const quick = values.quick ?? false;
  const d = defaults[scenario];
  const num = (name: keyof typeof values, fallback: number, min: number): number => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got "${String(raw)}"`);
    return n;
  };
  const rates = values.rate === undefined
    ? quick ? [scenario === "group" ? 20 : 200] : d.rates
    : values.rate.split(",").map((r) => {
      const n = Number(r);
      if (!(n > 0)) throw new Error(`--rate takes positive numbers, got "${r}"`);
      return n;
    });
  const systems = (values.systems?.split(",").map((s) => s.trim()) ?? d.systems) as SystemName[];
  for (const s of systems) if (!systemNames.includes(s)) throw new Error(`unknown system "${s}" (known: ${systemNames.join(", ")})`);
  if (scenario !== "direct" && scenario !== "group" && systems.includes("socketio")) {
    throw new Error(`the Socket.IO peer runs only the direct and group scenarios (it has no history to resume)`);
  }
  const target = values.target ?? (scenario === "cluster" ? "cluster" : "embedded");
  if (target !== "embedded" && target !== "cluster") throw new Error(`--target must be embedded or cluster, got "${target}"`);
  const client = (values.client ?? "h2") as ChatClient;
  if (client !== "h2" && client !== "connect") throw new Error(`--client must be h2 or connect, got "${client}"`);
  const users = num("users", quick ? (scenario === "connections" ? 200 : 20) : d.users, 2);
  const devicesPerUser = num("devices-per-user", 1, 1);
  return {
    scenario, rates, quick, users, systems, target, devicesPerUser, client,
    durationS: num("duration", quick ? 3 : d.durationS, 0),
    warmupS: num("warmup", quick ? 1 : 2, 0),
    groups: num("groups", quick ? 2 : 10, 1),
    missed: num("missed", quick ? 10 : 100, 1),
    rounds: num("rounds", 1, 1),
    nodes: num("nodes", 1, 1),
    redisUrl: values["redis-url"] ?? (env.CHAT_REDIS_URL || undefined),
    scyllaContactPoints: values["scylla-contact-points"] ?? (env.CHAT_SCYLLA_CONTACT_POINTS || undefined),
    url: values.url,
    caFile: values["ca-file"] ?? (env.CHAT_CA_FILE || undefined),
    agents: num("agents", scenario === "connections" ? Math.ceil((users * devicesPerUser) / 5_000) : 2, 1),
    textBytes: num("text-bytes", 100, 24),
    connectRate: num("connect-rate", 500, 1),
    heartbeatMs: values["heartbeat-ms"] === undefined ? undefined : num("heartbeat-ms", 15_000, 100),
    cpuProf: values["cpu-prof"] ?? false,
    serverNodeFlags: (values["server-node-flags"] ?? "").split(" ").filter((f) => f !== ""),
    receipts: values.receipts ?? false,
    prepare: values.prepare ?? false,
    out: values.out,
    fixtureDir: values["fixture-dir"] ?? paths.fixture,
    registerConcurrency: num("register-concurrency", 2, 1),
  };
}
