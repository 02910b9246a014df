import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { ErrorCode } from "@chat/gen/chat/v1/live_pb.js";
import { type TestUser, codeOf, newId, openStream, registerUser, startNode } from "./harness.ts";

/** How far behind the store may fall before sends are refused (the node's --store-shed-ms). */
const shedMs = 300;

/**
 * A node whose store falls behind sheds new sends at once with ResourceExhausted rather than
 * queuing them behind writes that will miss their deadline: the node keeps its accepted rate under
 * overload instead of collapsing (docs/benchmarks.md, direct at 20,000 msg/s offered), and nothing
 * it took is lost. The store is held back by another connection holding SQLite's write lock.
 */
describe("a store that falls behind: sends are shed, not queued into timeouts", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let alice: TestUser, bob: TestUser;
  let conv: string;
  let blocker: DatabaseSync;

  beforeAll(async () => {
    server = await startNode({ args: ["--store-shed-ms", String(shedMs), "--store-deadline-ms", "10000"] });
    [alice, bob] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob")]);
    conv = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
    blocker = new DatabaseSync(join(server.dataDir, "chat.sqlite"));
  });
  afterAll(async () => {
    if (blocker?.isTransaction) blocker.exec("ROLLBACK");
    blocker?.close();
    await server?.close();
  });

  it("refuses sends with ResourceExhausted while the oldest write waits past the bound, keeps the ones it took, and takes sends again once it caught up", async () => {
    const a = await openStream(alice);
    const b = await openStream(bob);
    const send = (id: string) => a.send({ requestId: id, frame: { case: "send", value: { conversationId: conv, clientMessageId: id, text: id } } });
    const answerTo = (id: string) => a.until(() => a.of("error").find((e) => e.clientMessageId === id) ?? a.of("ack").find((k) => k.clientMessageId === id), 10_000, `an answer to ${id}`);

    blocker.exec("BEGIN IMMEDIATE"); // the writer thread cannot commit: the store falls behind
    const taken = newId();
    send(taken);
    await new Promise((r) => setTimeout(r, shedMs + 100));
    const refusedAt = Date.now();
    const refused = newId();
    send(refused);
    const refusal = await answerTo(refused);
    expect(refusal).toMatchObject({ code: ErrorCode.RESOURCE_EXHAUSTED });
    expect(refusal).toHaveProperty("message", expect.stringContaining("the server is saturated"));
    expect(Date.now() - refusedAt, "refused at once, not after a deadline").toBeLessThan(2_000);
    // The unary path sheds alike.
    expect(await codeOf(alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "unary" }))).toBe(Code.ResourceExhausted);
    expect(a.of("ack").find((k) => k.clientMessageId === taken), "the write in flight is still waiting, not refused").toBeUndefined();

    blocker.exec("COMMIT");
    expect(await answerTo(taken)).toHaveProperty("seq");
    const after = newId();
    send(after);
    expect(await answerTo(after)).toHaveProperty("seq");
    await b.until(() => [taken, after].every((id) => b.of("message").some((m) => m.clientMessageId === id)), 10_000, "both taken sends delivered");
    expect(b.of("message").some((m) => m.clientMessageId === refused), "a shed send is never stored").toBe(false);
    // The client's retry of the shed send, now that the store keeps up, is taken.
    send(refused);
    expect(await a.until(() => a.of("ack").find((k) => k.clientMessageId === refused), 10_000, "the retry's ACK")).toHaveProperty("seq");
    a.close();
    b.close();
  });
});
