import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisDeployments } from "../../../test/services/redis-deployments.ts";
import { createRedisPubSub } from "../redis-pubsub.ts";
import type { ControlCommand, ControlPlane } from "./interface.ts";
import { createMemoryControlPlane } from "./memory/memory-control-plane.ts";
import { createRedisControlPlane } from "./redis/redis-control-plane.ts";

/**
 * An implementation under test: `open` gives the control plane of one node; the planes of one
 * engine reach each other (the memory one, made for one process, is shared as is).
 */
interface ControlEngine {
  name: string;
  open(onError?: (error: unknown) => void): Promise<ControlPlane>;
  /** Publishes raw bytes on the plane's channel, as a stray or newer publisher would; absent for memory. */
  inject?: (payload: string) => Promise<void>;
}

const redisPrefix = `test:${randomUUID()}:`;
const engines: ControlEngine[] = [
  { name: "memory", open: ((shared = createMemoryControlPlane()) => async () => shared)() },
  ...redisDeployments.map((redis): ControlEngine => ({
    name: redis.name,
    open: async (onError) => createRedisControlPlane({ url: await redis.url(), keyPrefix: redisPrefix, ...(onError ? { onError } : {}) }),
    inject: async (payload) => {
      const raw = createRedisPubSub(await redis.url(), "chat-test-inject", () => {});
      try {
        await raw.publish(`${redisPrefix}control`, payload);
      } finally {
        await raw.close();
      }
    },
  })),
];

describe.each(engines)("ControlPlane contract: $name", (engine) => {
  let a: ControlPlane;
  let b: ControlPlane;
  const nodes = { a: `a-${randomUUID()}`, b: `b-${randomUUID()}` };
  const received = new Map<string, ControlCommand[]>([[nodes.a, []], [nodes.b, []]]);
  const errors: unknown[] = [];
  beforeAll(async () => {
    a = await engine.open();
    b = await engine.open((e) => errors.push(e));
    await a.subscribe(nodes.a, (c) => received.get(nodes.a)!.push(c));
    await b.subscribe(nodes.b, (c) => received.get(nodes.b)!.push(c));
  }, 30_000);
  afterAll(async () => {
    await Promise.all(a === b ? [a.close()] : [a.close(), b.close()]);
  });

  /** Waits (with a deadline) until a node holds `count` commands, and takes them. */
  async function commandsAt(node: string, count: number): Promise<ControlCommand[]> {
    const deadline = Date.now() + 5_000;
    while (received.get(node)!.length < count && Date.now() < deadline) await sleep(5);
    return received.get(node)!.splice(0);
  }

  it("every node, the publisher included, gets every command whole and in publish order", async () => {
    const commands: ControlCommand[] = [
      { kind: "disconnect", userId: "u1", deviceId: "d1", reason: "this device was logged out ✓" },
      { kind: "disconnect", userId: "u2", deviceId: "", reason: "password changed" },
      { kind: "membership", conversationId: "c1", removedUserIds: ["u3", "u4"] },
      { kind: "membership", conversationId: "c2", removedUserIds: [] },
      { kind: "heartbeat", userId: "u5", deviceId: "d5" },
    ];
    for (const c of commands) await a.publish(c);
    expect(await commandsAt(nodes.a, commands.length)).toEqual(commands);
    expect(await commandsAt(nodes.b, commands.length)).toEqual(commands);
  });

  it("a handler mutating a command does not change what other nodes get", async () => {
    await b.publish({ kind: "membership", conversationId: "c", removedUserIds: ["u"] });
    const [atA] = await commandsAt(nodes.a, 1);
    (atA as { removedUserIds: string[] }).removedUserIds.push("x");
    expect(await commandsAt(nodes.b, 1)).toEqual([{ kind: "membership", conversationId: "c", removedUserIds: ["u"] }]);
  });

  it.runIf(engine.inject !== undefined)("a malformed payload is refused whole and reported, and later commands still arrive", async () => {
    for (const bad of ["not json", "{\"kind\":\"disconnect\",\"userId\":\"u\"}", "{\"kind\":\"reboot\"}", "[]"]) await engine.inject!(bad);
    await a.publish({ kind: "heartbeat", userId: "u", deviceId: "d" });
    expect(await commandsAt(nodes.b, 1)).toEqual([{ kind: "heartbeat", userId: "u", deviceId: "d" }]);
    expect(errors.length).toBeGreaterThanOrEqual(4);
    await commandsAt(nodes.a, 1);
  });
});
