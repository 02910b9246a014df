import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { NewMessage } from "../interface.ts";
import { ForwardedError, ForwardFailed, NotOwner } from "./append-route.ts";
import { createRedisAppendRoute } from "./redis-append-route.ts";

describe("Redis append route", () => {
  const url = inject("redisUrl");
  const [sender, owner] = [`test-${randomUUID()}`, `test-${randomUUID()}`];
  const errors: unknown[] = [];
  const a = createRedisAppendRoute({ url, nodeId: sender, onError: (e) => errors.push(e) });
  const b = createRedisAppendRoute({ url, nodeId: owner, onError: (e) => errors.push(e) });
  const watcher = new Redis(url);
  const raw = new Redis(url);
  const published = new Map<string, number>();
  watcher.on("message", (channel: string) => published.set(channel, (published.get(channel) ?? 0) + 1));
  let seq = 0;
  const served = b.serve(owner, async (m) => {
    if (m.text === "not mine") throw new NotOwner("slot moved");
    return { message: { ...m, seq: ++seq }, duplicate: false, leaseLeftMs: 1_234 };
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    watcher.disconnect();
    raw.disconnect();
  });
  const message = (text: string): NewMessage => ({ conversationId: "c", senderId: "s", clientMessageId: randomUUID(), text, sentAt: new Date(1_764_000_000_000) });

  it("sends the forwards of one turn to an owner as one publish, and gets their answers back as one", async () => {
    await served;
    await watcher.subscribe(`chat:{seq}:append:${owner}`, `chat:{seq}:answer:${sender}`);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => a.forward(owner, message(`m${i}`), 2_000)));
    expect(answers.map((x) => (x.refused ? x.refused : `${x.message.seq}:${x.message.text}`))).toEqual(answers.map((_, i) => `${i + 1}:m${i}`));
    expect(answers[0]).toMatchObject({ duplicate: false, leaseLeftMs: 1_234, message: { sentAt: new Date(1_764_000_000_000) } });
    // The watcher's own connection may not have read the answer's PUBLISH yet when `a` has: a PING
    // on it is answered after every message published before it, so the counts are then complete.
    await watcher.ping();
    expect(Object.fromEntries(published)).toEqual({ [`chat:{seq}:append:${owner}`]: 1, [`chat:{seq}:answer:${sender}`]: 1 });
    expect(errors).toEqual([]);
  });

  it("carries the owner's refusal back with its kind, and turns silence into ForwardFailed", async () => {
    const refused = await a.forward(owner, message("not mine"), 2_000).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ForwardedError);
    expect(refused).toMatchObject({ kind: "notOwner", message: "slot moved" });
    await expect(a.forward(`test-${randomUUID()}`, message("nobody"), 200)).rejects.toThrow(ForwardFailed);
  });

  it("still answers a forward of the previous release (JSON) in JSON, during a rolling upgrade", async () => {
    const old = `test-${randomUUID()}`;
    const listener = new Redis(url);
    const answer = new Promise<string>((resolve) => listener.on("message", (_c: string, m: string) => resolve(m)));
    await listener.subscribe(`chat:{seq}:answer:${old}`);
    const { sentAt, ...rest } = message("from an old node");
    await raw.publish(`chat:{seq}:append:${owner}`, JSON.stringify({ id: "r1", from: old, message: { ...rest, sentAt: sentAt.getTime() } }));
    expect(JSON.parse(await answer)).toEqual({ id: "r1", seq: seq, sentAt: sentAt.getTime(), duplicate: false });
    listener.disconnect();
  });
});
