import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ConversationService } from "@chat/gen/chat/v1/conversation_pb.js";
import { LiveService } from "@chat/gen/chat/v1/live_pb.js";
import type { Account } from "../setup/accounts.ts";
import { ensureFixture } from "../setup/fixture.ts";
import { ensureRemoteAccounts } from "../setup/remote-accounts.ts";
import { startChatNode } from "./chat-node.ts";
import type { ServiceProcess } from "./service-process.ts";
import type { SystemUnderTest } from "./system.ts";

/** Where the chat server comes from and what it runs on. */
export interface ChatSystemOptions {
  /** Row name: "chat", or "chat-tmpfs" for the store on /dev/shm. */
  name: string;
  users: number;
  /** `embedded`: one node on SQLite; `cluster`: `nodes` nodes on Redis + Cassandra/Scylla. */
  target: "embedded" | "cluster";
  nodes: number;
  /** Parent of the run's data dir (the OS temp dir, or /dev/shm for the tmpfs row). */
  dataRoot: string;
  fixtureDir: string;
  /** Registrations in flight while a fixture is made. */
  registerConcurrency: number;
  /** Cluster engines (CHAT_REDIS_URL, CHAT_SCYLLA_CONTACT_POINTS). */
  redisUrl?: string;
  scyllaContactPoints?: string;
  /** An already running server: nothing is started, and no process figures are taken. */
  url?: string;
  /** Extra server flags (heartbeat interval). */
  serverArgs: string[];
  /** Node flags for the server processes (`--cpu-prof`). */
  nodeFlags: string[];
}

/** Starts the chat server the way the options say and returns it with its accounts. */
export async function startChatSystem(options: ChatSystemOptions): Promise<SystemUnderTest> {
  const cluster = options.target === "cluster";
  if (!cluster && options.nodes !== 1 && !options.url) throw new Error("--target embedded runs exactly one node (SQLite is a single-process store); use --target cluster for more");
  if (cluster && (!options.redisUrl || !options.scyllaContactPoints)) {
    throw new Error("--target cluster needs --redis-url and --scylla-contact-points (or CHAT_REDIS_URL and CHAT_SCYLLA_CONTACT_POINTS)");
  }
  const runDir = mkdtempSync(join(options.dataRoot, "chat-bench-"));
  const env: NodeJS.ProcessEnv = cluster
    ? { CHAT_REDIS_URL: options.redisUrl, CHAT_SCYLLA_CONTACT_POINTS: options.scyllaContactPoints }
    : { CHAT_REDIS_URL: "", CHAT_SCYLLA_CONTACT_POINTS: "" };
  const fixture = options.url || cluster ? undefined : await ensureFixture(options.fixtureDir, options.users, options.registerConcurrency);
  fixture?.copyTo(join(runDir, "node-0"));
  const startNode = (i: number, port = 0) => {
    mkdirSync(join(runDir, `node-${i}`), { recursive: true });
    return startChatNode({
      dataDir: join(runDir, `node-${i}`), port, args: options.serverArgs, nodeFlags: options.nodeFlags,
      env: { ...env, CHAT_NODE_ID: `bench-node-${i}` },
    });
  };
  let nodes: ServiceProcess[] = [];
  try {
    if (!options.url) for (let i = 0; i < options.nodes; i++) nodes.push(await startNode(i));
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(runDir, { recursive: true, force: true });
    throw err;
  }
  const urls = () => (options.url ? [options.url] : nodes.map((n) => n.url));
  const accounts = fixture?.accounts ?? await ensureRemoteAccounts({
    baseUrl: urls()[0]!, dir: options.fixtureDir, count: options.users, concurrency: options.registerConcurrency,
    key: options.url ?? `${options.scyllaContactPoints}`,
  });
  // Setup calls share one HTTP/2 connection to the first node.
  const transport = createGrpcTransport({ baseUrl: urls()[0]! });
  const conversations = createClient(ConversationService, transport);
  const live = createClient(LiveService, transport);
  const auth = (a: Account) => ({ headers: { authorization: `Bearer ${a.token}` } });
  const portOf = (n: ServiceProcess) => Number(new URL(n.url).port);

  return {
    name: options.name,
    persistence: cluster ? "Cassandra/Scylla write before ACK"
      : options.name.endsWith("tmpfs") ? "SQLite WAL on tmpfs (fsync costs nothing)" : "SQLite WAL, fsync before ACK",
    protocol: "chat",
    get urls() { return urls(); },
    accounts,
    pids: () => nodes.map((n) => n.pid),
    ports: () => nodes.map(portOf),
    async createDirect(a, b) {
      return (await conversations.getOrCreateDirect({ userId: b.userId }, auth(a))).conversation!.id;
    },
    async createGroup(name, owner, members) {
      const res = await conversations.createGroup({ name, memberIds: members.filter((m) => m !== owner).map((m) => m.userId) }, auth(owner));
      return res.conversation!.id;
    },
    async sendUnary(from, conversationId, clientMessageId, text) {
      await live.sendMessage({ conversationId, clientMessageId, text }, auth(from));
    },
    async restart() {
      const ports = nodes.map(portOf);
      await Promise.all(nodes.map((n) => n.stop()));
      nodes = [];
      for (const [i, port] of ports.entries()) nodes.push(await startNode(i, port));
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}
