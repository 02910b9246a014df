import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsFor, newId, registerUser, StreamHandle, startNode, type TestUser, transportFor } from "./harness.ts";

/** Issue 9, items 2 and 9: logins, registrations, sends and conversation changes are rate-limited. */
describe("rate limits", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let alice: TestUser;
  let bob: TestUser;
  let conv: string;

  beforeAll(async () => {
    server = await startNode({ args: ["--rate-limits", "sendPerUser=20/10,groupOpPerUser=5/0.1"] });
    [alice, bob] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob")]);
    conv = (await alice.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
  });
  afterAll(async () => {
    await server?.close();
  });

  const anon = () => clientsFor(transportFor(server.url, "grpc"));
  const login = (user: TestUser, password: string) => anon().auth.login({ username: user.username, password, deviceName: "t" });
  const failure = async (call: Promise<unknown>): Promise<ConnectError> => {
    try {
      await call;
    } catch (err) {
      return ConnectError.from(err);
    }
    throw new Error("the call succeeded");
  };

  it("locks an account out after repeated wrong passwords, with retry info, and lets it in once the lockout passed", async () => {
    const victim = await registerUser(server, "victim");
    for (let i = 0; i < 6; i++) expect((await failure(login(victim, "wrong password"))).code).toBe(Code.Unauthenticated);
    const locked = await failure(login(victim, "correct horse battery"));
    expect(locked.code).toBe(Code.ResourceExhausted);
    const retryMs = Number(locked.metadata.get("retry-after-ms"));
    expect(retryMs).toBeGreaterThan(0);
    expect(retryMs).toBeLessThanOrEqual(1_000);
    expect(Number(locked.metadata.get("retry-after"))).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, retryMs + 50)); // the wait the server asked for
    await expect(login(victim, "correct horse battery")).resolves.toMatchObject({ deviceId: expect.any(String) });
  });

  it("limits sends per user over the stream's unary twin, with retry info", async () => {
    const send = () => alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "x" });
    const results = await Promise.allSettled(Array.from({ length: 40 }, send));
    const refused = results.filter((r) => r.status === "rejected").map((r) => ConnectError.from((r as PromiseRejectedResult).reason));
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((e) => e.code === Code.ResourceExhausted && Number(e.metadata.get("retry-after")) >= 1)).toBe(true);
    // Another user's sends are not affected.
    await expect(bob.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "y" })).resolves.toBeDefined();
  });

  it("limits conversation changes per user", async () => {
    const codes: Code[] = [];
    for (let i = 0; i < 8; i++) {
      codes.push(await bob.clients.conversations.createGroup({ name: `g${i}`, memberIds: [alice.id] }).then(() => Code.Unknown, (err) => ConnectError.from(err).code));
    }
    expect(codes.filter((c) => c === Code.ResourceExhausted).length).toBeGreaterThanOrEqual(2);
  });
});

describe("the other rate limits (issue 9, item 9)", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  beforeAll(async () => {
    server = await startNode({ args: ["--rate-limits", "sendPerConversation=5/0.01,streamOpenPerUser=3/0.01,registerPerIp=10/0.01,groupOpPerUser=3/0.01"] });
  });
  afterAll(async () => {
    await server?.close();
  });
  const codeOf = (call: Promise<unknown>) => call.then(() => "ok", (err: unknown) => Code[ConnectError.from(err).code]);

  it("limits sends per conversation, whoever sends, and leaves other conversations alone", async () => {
    const [alice, bob, carol] = await Promise.all([registerUser(server, "alice"), registerUser(server, "bob"), registerUser(server, "carol")]);
    const group = (await alice.clients.conversations.createGroup({ name: "busy", memberIds: [bob.id] })).conversation!.id;
    const quiet = (await carol.clients.conversations.getOrCreateDirect({ userId: bob.id })).conversation!.id;
    const send = (u: TestUser, conversationId: string) => codeOf(u.clients.live.sendMessage({ conversationId, clientMessageId: newId(), text: "x" }));
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(await send(alice, group), await send(bob, group));
    expect(codes.filter((c) => c === "ok")).toHaveLength(5);
    expect(codes.slice(5)).toEqual(["ResourceExhausted", "ResourceExhausted", "ResourceExhausted"]);
    expect(await send(carol, quiet)).toBe("ok");
  });

  it("limits stream opens per user", async () => {
    const dave = await registerUser(server, "dave");
    const opened = [];
    for (let i = 0; i < 4; i++) {
      const s = new StreamHandle(dave);
      opened.push(await s.until(() => s.of("ready")[0] ? "ok" : s.ended && Code[ConnectError.from(s.ended).code], 5_000, "ready or refusal"));
      s.close();
    }
    expect(opened).toEqual(["ok", "ok", "ok", "ResourceExhausted"]);
  });

  it("limits member changes (adds count like group creation)", async () => {
    const [erin, frank] = await Promise.all([registerUser(server, "erin"), registerUser(server, "frank")]);
    const group = (await erin.clients.conversations.createGroup({ name: "g", memberIds: [] })).conversation!.id;
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push(await codeOf(erin.clients.conversations.addMembers({ conversationId: group, userIds: [frank.id] })));
    expect(codes).toEqual(["ok", "ok", "ResourceExhausted"]);
  });

  it("limits registrations per address (the users above took 6 of its 10)", async () => {
    const anon = clientsFor(transportFor(server.url, "grpc"));
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push(await codeOf(anon.auth.register({ username: `reg${i}${process.pid}`, password: "correct horse battery", deviceName: "t" })));
    expect(codes).toEqual(["ok", "ok", "ok", "ok", "ResourceExhausted", "ResourceExhausted"]);
  });
});
