import { randomUUID } from "node:crypto";
import { startRedis } from "../../../server/test/services/redis.ts";
import { paths } from "../paths.ts";
import type { Account } from "../setup/accounts.ts";
import { type ServiceProcess, startService } from "./service-process.ts";
import type { SystemUnderTest } from "./system.ts";

/** Options of {@link startSocketIoSystem}. */
export interface SocketIoSystemOptions {
  users: number;
  /** Peer nodes, all on one Redis through @socket.io/redis-adapter. */
  nodes: number;
  /** An existing Redis; by default the bench starts Debian's redis-server on a free loopback port. */
  redisUrl?: string;
}

/**
 * The Socket.IO peer (bench/peers/socketio/server.ts) with its Redis: rooms for conversations, ACKs
 * from the server, and no persistence at all. Users are names only (the peer has no accounts).
 */
export async function startSocketIoSystem(options: SocketIoSystemOptions): Promise<SystemUnderTest> {
  const redis = options.redisUrl ? undefined : await startRedis();
  const redisUrl = options.redisUrl ?? redis!.url;
  let nodes: ServiceProcess[] = [];
  const start = (port = 0) => startService({
    name: "socket.io peer", args: [paths.peerMain, "--port", String(port), "--redis-url", redisUrl],
    ready: /socket\.io peer ready on (http:\/\/\S+)/,
  });
  try {
    for (let i = 0; i < options.nodes; i++) nodes.push(await start());
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()));
    await redis?.stop();
    throw err;
  }
  const accounts: Account[] = Array.from({ length: options.users }, (_, i) => ({ username: `peer-${i}`, userId: `peer-${i}`, token: "" }));
  const portOf = (n: ServiceProcess) => Number(new URL(n.url).port);
  return {
    name: "socketio",
    persistence: "none (memory only; Redis pub/sub fan-out)",
    protocol: "socketio",
    get urls() { return nodes.map((n) => n.url); },
    accounts,
    pids: () => nodes.map((n) => n.pid),
    ports: () => nodes.map(portOf),
    createDirect: async () => randomUUID(),
    createGroup: async () => randomUUID(),
    async sendUnary() {
      throw new Error("the Socket.IO peer keeps no history, so it has no resume scenario");
    },
    async restart() {
      const ports = nodes.map(portOf);
      await Promise.all(nodes.map((n) => n.stop()));
      nodes = [];
      for (const port of ports) nodes.push(await start(port));
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      await redis?.stop();
    },
  };
}
