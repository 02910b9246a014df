import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotService } from "@chat/gen/chat/v1/bot_pb.js";
import { ErrorCode } from "@chat/gen/chat/v1/live_pb.js";
import { Availability } from "@chat/gen/chat/v1/user_pb.js";
import { clientsFor, newId, openStream, registerUser, startNode, type TestUser, transportFor, streamPaths } from "./harness.ts";

const codeOf = (p: Promise<unknown>) => p.then(() => "ok", (e: unknown) => Code[ConnectError.from(e).code]);

describe.each(streamPaths)("bot accounts ($path)", ({ args: pathArgs }) => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let owner: TestUser;
  let other: TestUser;
  const botsOf = (u: TestUser) => createClient(BotService, transportFor(server.url, "grpc", u.token));
  beforeAll(async () => {
    server = await startNode({ args: pathArgs });
    [owner, other] = await Promise.all([registerUser(server, "owner"), registerUser(server, "other")]);
  });
  afterAll(async () => server?.close());

  /** A bot of `owner` with one token; clients carrying the token. */
  async function newBot(scope: { conversationIds?: string[]; canWrite?: boolean } = {}) {
    const username = `bot${newId().slice(0, 8)}`;
    const { bot } = await botsOf(owner).createBot({ username, displayName: "A bot" });
    const { token, info } = await botsOf(owner).createBotToken({ botId: bot!.id, name: "test", canWrite: scope.canWrite ?? true, conversationIds: scope.conversationIds ?? [] });
    return { bot: bot!, token, info: info!, user: { id: bot!.id, username, token, deviceId: info!.tokenId, clients: clientsFor(transportFor(server.url, "grpc", token)) } };
  }

  it("a person creates a bot, shown as a bot with its owner everywhere users are; it cannot log in with a password", async () => {
    const { bot, user } = await newBot();
    expect([bot.bot, bot.botOwnerId]).toEqual([true, owner.id]);
    const { users } = await other.clients.users.getUsers({ userIds: [bot.id, owner.id] });
    expect(users.map((u) => [u.id, u.bot, u.botOwnerId])).toEqual([[bot.id, true, owner.id], [owner.id, false, ""]]);
    expect((await user.clients.auth.whoAmI({})).user?.bot).toBe(true);
    const anon = clientsFor(transportFor(server.url, "grpc"));
    expect(await codeOf(anon.auth.login({ username: user.username, password: "", deviceName: "x" }))).toBe("Unauthenticated");
    expect((await botsOf(owner).listBots({})).bots.map((b) => b.id)).toContain(bot.id);
    expect((await botsOf(other).listBots({})).bots).toEqual([]);
  });

  it("tokens are listed and revoked by the owner only; a revoked token's stream closes with Unauthenticated", async () => {
    const { bot, info, user } = await newBot({ canWrite: false });
    expect(info.tokenId).toBe(user.deviceId);
    expect(token(await botsOf(owner).listBotTokens({ botId: bot.id }))).toEqual([[info.tokenId, "test", false]]);
    expect(await codeOf(botsOf(other).listBotTokens({ botId: bot.id }))).toBe("NotFound");
    expect(await codeOf(botsOf(other).revokeBotToken({ botId: bot.id, tokenId: info.tokenId }))).toBe("NotFound");
    expect(await codeOf(createClient(BotService, transportFor(server.url, "grpc", user.token)).createBot({ username: `x${newId().slice(0, 6)}` }))).toBe("PermissionDenied");
    const s = await openStream(user);
    await botsOf(owner).revokeBotToken({ botId: bot.id, tokenId: info.tokenId });
    await s.until(() => s.ended !== undefined, 5_000, "the stream to end");
    expect(ConnectError.from(s.ended).code).toBe(Code.Unauthenticated);
    expect(await codeOf(user.clients.auth.whoAmI({}))).toBe("Unauthenticated");
    expect(await botsOf(owner).listBotTokens({ botId: bot.id })).toMatchObject({ tokens: [] });
  });

  it("a token limited to one conversation, read-only, reads only it and writes nothing", async () => {
    const { bot } = await newBot();
    const [inside, outside] = await Promise.all([
      owner.clients.conversations.createGroup({ name: "in", memberIds: [bot.id] }),
      owner.clients.conversations.createGroup({ name: "out", memberIds: [bot.id] }),
    ]).then((r) => r.map((c) => c.conversation!.id));
    const { token } = await botsOf(owner).createBotToken({ botId: bot.id, name: "narrow", conversationIds: [inside!], canWrite: false });
    const narrow = { clients: clientsFor(transportFor(server.url, "grpc", token)) };
    expect((await narrow.clients.conversations.listConversations({})).conversations.map((c) => c.id)).toEqual([inside]);
    expect(await codeOf(narrow.clients.conversations.getConversation({ conversationId: outside! }))).toBe("PermissionDenied");
    expect(await codeOf(narrow.clients.live.sendMessage({ conversationId: inside!, clientMessageId: newId(), text: "hi" }))).toBe("PermissionDenied");
    // A status is seen by every contact: a write too.
    expect(await codeOf(narrow.clients.users.setStatus({ availability: Availability.BUSY }))).toBe("PermissionDenied");
    const s = await openStream(narrow);
    s.send({ requestId: "w", frame: { case: "send", value: { conversationId: inside!, clientMessageId: newId(), text: "hi" } } });
    const refused = await s.until(() => s.of("error")[0]);
    expect(refused.code).toBe(ErrorCode.PERMISSION_DENIED);
    await owner.clients.live.sendMessage({ conversationId: outside!, clientMessageId: newId(), text: "not for you" });
    await owner.clients.live.sendMessage({ conversationId: inside!, clientMessageId: newId(), text: "for you" });
    await s.until(() => s.of("message").find((m) => m.text === "for you"));
    expect(s.of("message").map((m) => m.text)).not.toContain("not for you");
    expect(s.ended).toBeUndefined();
    s.close();
  });

  it("a bot's sends have a rate limit of their own: 10 at once, then ResourceExhausted", async () => {
    const { bot, user } = await newBot();
    const conv = (await owner.clients.conversations.getOrCreateDirect({ userId: bot.id })).conversation!.id;
    const results = await Promise.all(Array.from({ length: 12 }, () => codeOf(user.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "spam" }))));
    expect(results.filter((r) => r === "ok")).toHaveLength(10);
    expect(results.filter((r) => r === "ResourceExhausted")).toHaveLength(2);
    // People are not held to it.
    const mine = await Promise.all(Array.from({ length: 12 }, () => codeOf(owner.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "me" }))));
    expect(mine.every((r) => r === "ok")).toBe(true);
  });
});

const token = (res: { tokens: { tokenId: string; name: string; canWrite: boolean }[] }) => res.tokens.map((t) => [t.tokenId, t.name, t.canWrite]);
