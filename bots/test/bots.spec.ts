import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId, openStream, registerUser, startNode, type TestUser } from "../../server/test/harness.ts";
import { type BotProcess, newBot as newBotOf, runProcess, until } from "./bot-process.ts";

const script = (name: string) => fileURLToPath(new URL(`../src/${name}.ts`, import.meta.url));
const runBot = (name: string, server: string, token: string, state: string): BotProcess =>
  runProcess(process.execPath, [script(name), "--server", server, "--token", token, "--state", state]);

describe("bots on the SDK, as separate processes against a real server", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  let owner: TestUser;
  const running: BotProcess[] = [];
  beforeAll(async () => {
    server = await startNode();
    owner = await registerUser(server, "owner");
  });
  afterAll(async () => {
    await Promise.all(running.map((b) => b.stop("SIGKILL")));
    await server?.close();
  });

  const newBot = (prefix: string) => newBotOf(server, owner, prefix);
  const start = (name: string, bot: { token: string; state: string }) => {
    const p = runBot(name, new URL(server.url).host, bot.token, bot.state);
    running.push(p);
    return p;
  };

  it("two echo bots in one group answer a person once each and never each other; a restart loses nothing and answers nothing twice", async () => {
    const [a, b] = await Promise.all([newBot("echoa"), newBot("echob")]);
    let botA = start("echo-bot", a);
    const botB = start("echo-bot", b);
    const logs = () => botA.log() + botB.log();
    await until(() => botA.log().includes("echo-bot: @") && botB.log().includes("echo-bot: @"), "both bots to start", logs);
    const group = (await owner.clients.conversations.createGroup({ name: "bots", memberIds: [a.id, b.id] })).conversation!.id;
    const s = await openStream(owner);
    s.send({ frame: { case: "resume", value: { cursors: [{ conversationId: group, seq: 0n }] } } });
    await owner.clients.live.sendMessage({ conversationId: group, clientMessageId: newId(), text: "hello bots" });
    const echoes = () => s.of("message").filter((m) => m.text.startsWith("echo:"));
    await s.until(() => echoes().length >= 2, 10_000, "both echoes");
    await new Promise((r) => setTimeout(r, 1_500)); // room for a loop to show itself, were there one
    expect(echoes().map((m) => m.text)).toEqual(["echo: hello bots", "echo: hello bots"]);

    // Bot A goes down; what is said meanwhile is answered once it is back, and only that.
    await botA.stop();
    await owner.clients.live.sendMessage({ conversationId: group, clientMessageId: newId(), text: "while A was away" });
    await s.until(() => echoes().some((m) => m.text === "echo: while A was away" && m.senderId === b.id), 10_000, "B's echo");
    botA = start("echo-bot", a);
    await s.until(() => echoes().some((m) => m.text === "echo: while A was away" && m.senderId === a.id), 10_000, "A's late echo");
    await owner.clients.live.sendMessage({ conversationId: group, clientMessageId: newId(), text: "after" });
    await s.until(() => echoes().filter((m) => m.text === "echo: after").length === 2, 10_000, "both echoes of the last message");
    const fromA = echoes().filter((m) => m.senderId === a.id).map((m) => m.text);
    expect(fromA).toEqual(["echo: hello bots", "echo: while A was away", "echo: after"]);
    s.close();
  });

  it("/remind posts later, and survives the bot's restart (a crash) in between", async () => {
    const r = await newBot("remind");
    let bot = start("remind-bot", r);
    await until(() => bot.log().includes("remind-bot: @"), "the bot to start", () => bot.log());
    const conv = (await owner.clients.conversations.getOrCreateDirect({ userId: r.id })).conversation!.id;
    const s = await openStream(owner);
    s.send({ frame: { case: "resume", value: { cursors: [{ conversationId: conv, seq: 0n }] } } });
    await owner.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "/remind 3s stand-up" });
    await s.until(() => s.of("message").find((m) => m.text === "I'll remind you in 3s: stand-up"), 10_000, "the acknowledgement");
    await bot.stop("SIGKILL");
    bot = start("remind-bot", r);
    await until(() => bot.log().includes("1 reminder(s) pending"), "the restarted bot to load the reminder", () => bot.log());
    await s.until(() => s.of("message").find((m) => m.text === "⏰ stand-up"), 10_000, "the reminder");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(s.of("message").filter((m) => m.senderId === r.id).map((m) => m.text)).toEqual(["I'll remind you in 3s: stand-up", "⏰ stand-up"]);
    s.close();
  });
});
