import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HistoryService, Direction } from "@chat/gen/chat/v1/message_pb.js";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { bearer, createChatClients } from "@chat/client";
import { clientsFor, newId, openStream, registerUser, startNode, type TestUser, transportFor } from "../../server/test/harness.ts";
import { makeTestCertificate } from "../../server/test/services/test-certificate.ts";
import { type BotProcess, newBot, runProcess, until } from "./bot-process.ts";
import { buildGoEchoBot, generatedDiff, type GrpcTools, grpcTools, repoRoot } from "./grpc-tools.ts";

const run = promisify(execFile);

/**
 * The echo bot written again in Python (grpcio) and in Go (grpc-go), each on code that buf generates
 * from proto/ with local plugins only: any language that has gRPC can write a bot.
 */
describe("gRPC from Python and Go: clients and echo bots generated from proto/, against a real server", () => {
  let tools: GrpcTools;
  let goBot: string;
  let server: Awaited<ReturnType<typeof startNode>>;
  let owner: TestUser;
  const running: BotProcess[] = [];
  beforeAll(async () => {
    tools = await grpcTools();
    [goBot, server] = await Promise.all([buildGoEchoBot(tools), startNode()]);
    owner = await registerUser(server, "owner");
  }, 900_000);
  afterAll(async () => {
    await Promise.all(running.map((b) => b.stop("SIGKILL")));
    await server?.close();
  });

  it("the committed Python and Go code is what buf generates from proto/ now, with the local plugins", async () => {
    const stale = "stale: run `npm run generate:bots` and commit bots/python/gen and bots/go/gen";
    expect(await generatedDiff(tools, "bots/python/buf.gen.yaml", "bots/python/gen"), stale).toBe("");
    expect(await generatedDiff(tools, "bots/go/buf.gen.yaml", "bots/go/gen"), stale).toBe("");
  });

  const host = () => new URL(server.url).host;
  const startPython = (bot: { token: string; state: string }) =>
    track(runProcess(tools.python, [join(repoRoot, "bots/python/echo_bot.py"), "--server", host(), "--token", bot.token, "--state", bot.state], tools.env));
  const startGo = (bot: { token: string; state: string }) =>
    track(runProcess(goBot, ["-server", host(), "-token", bot.token, "-state", bot.state], tools.env));
  const track = (p: BotProcess) => (running.push(p), p);
  const onlineCount = (p: BotProcess) => p.log().split(" online").length - 1;

  it("a Python client drives the whole chat flow: accounts, direct and group, the bidirectional stream with ACKs, receipts, typing, presence, resume, history, authorization, bad input", async () => {
    const script = join(repoRoot, "bots/python/chat_flow.py");
    const { stdout } = await run(tools.python, [script, "--server", host(), "--prefix", `py${newId().slice(0, 6)}`], { env: tools.env, timeout: 60_000 });
    expect(stdout.split("\n").filter((line) => line.startsWith("ok: "))).toHaveLength(13);
  }, 70_000);

  it("the Python and the Go echo bot in one group answer a person once each and never each other; a bot restart and a server restart lose nothing and answer nothing twice", async () => {
    const [py, go] = await Promise.all([newBot(server, owner, "echopy"), newBot(server, owner, "echogo")]);
    let pyBot = startPython(py);
    let goProc = startGo(go);
    const logs = () => `--- python:\n${pyBot.log()}\n--- go:\n${goProc.log()}`;
    await until(() => onlineCount(pyBot) > 0 && onlineCount(goProc) > 0, "both bots online", logs, 15_000);
    const group = (await owner.clients.conversations.createGroup({ name: "polyglot", memberIds: [py.id, go.id] })).conversation!.id;
    let s = await openStream(owner);
    s.send({ frame: { case: "resume", value: { cursors: [{ conversationId: group, seq: 0n }] } } });
    const say = (clients: TestUser["clients"], text: string) => clients.live.sendMessage({ conversationId: group, clientMessageId: newId(), text });
    const echoed = (text: string, botId: string) => () => s.of("message").some((m) => m.text === `echo: ${text}` && m.senderId === botId);
    const both = (text: string) => () => echoed(text, py.id)() && echoed(text, go.id)();

    await say(owner.clients, "hello bots");
    await until(both("hello bots"), "both echoes", logs);
    await new Promise((r) => setTimeout(r, 1_500)); // room for a loop to show itself, were there one
    expect(s.of("message").filter((m) => m.text.startsWith("echo:")).length).toBe(2);

    // Each bot goes down in turn (a clean stop, then a crash); what is said meanwhile is answered once it is back.
    await pyBot.stop();
    await say(owner.clients, "while python was away");
    await until(echoed("while python was away", go.id), "go's echo", logs);
    pyBot = startPython(py);
    await until(echoed("while python was away", py.id), "python's late echo", logs);
    await goProc.stop("SIGKILL");
    await say(owner.clients, "while go was away");
    await until(echoed("while go was away", py.id), "python's echo", logs);
    goProc = startGo(go);
    await until(echoed("while go was away", go.id), "go's late echo", logs);

    // The server restarts: both bots reconnect by themselves and resume.
    const onlineBefore = [onlineCount(pyBot), onlineCount(goProc)];
    s.close();
    await server.close();
    server = await startNode({ dataDir: server.dataDir, port: server.port });
    await until(() => onlineCount(pyBot) > onlineBefore[0]! && onlineCount(goProc) > onlineBefore[1]!, "both bots back online", logs, 20_000);
    const ownerAgain = clientsFor(transportFor(server.url, "grpc", owner.token));
    s = await openStream({ clients: ownerAgain });
    s.send({ frame: { case: "resume", value: { cursors: [{ conversationId: group, seq: 0n }] } } });
    await say(ownerAgain, "after the restart");
    await until(both("after the restart"), "both echoes after the server restart", logs);
    s.close();

    // The whole conversation, from the store: every message of the owner answered once by each bot;
    // the group's creation (a system event, sent by the owner) is answered by none.
    const history = createClient(HistoryService, transportFor(server.url, "grpc", owner.token));
    const { messages } = await history.listMessages({ conversationId: group, direction: Direction.FORWARD, limit: 100 });
    expect(messages[0]?.content.case).toBe("systemEvent");
    const by = (id: string) => messages.filter((m) => m.senderId === id && m.content.case !== "systemEvent").map((m) => m.text);
    const said = ["hello bots", "while python was away", "while go was away", "after the restart"];
    expect(by(owner.id)).toEqual(said);
    expect(by(py.id)).toEqual(said.map((t) => `echo: ${t}`));
    expect(by(go.id)).toEqual(said.map((t) => `echo: ${t}`));
  }, 90_000);

  it("the Python and the Go echo bot connect over TLS, trusting a private CA (--ca-file), and answer", async () => {
    const cert = makeTestCertificate();
    const tlsServer = await startNode({ args: ["--tls-cert", cert.certFile, "--tls-key", cert.keyFile] });
    try {
      const transport = (token?: string) =>
        createGrpcTransport({ baseUrl: tlsServer.url, nodeOptions: { ca: cert.ca }, interceptors: token ? [bearer(token)] : [] });
      const { token } = await createChatClients(transport()).auth.register({ username: `tls${newId().slice(0, 6)}`, password: "correct horse battery", deviceName: "t" });
      const owner = createChatClients(transport(token));
      const [py, go] = await Promise.all(["tlspy", "tlsgo"].map((p) => newBot(tlsServer, { token }, p, transport(token))));
      const tlsHost = new URL(tlsServer.url).host;
      const pyBot = track(runProcess(tools.python, [join(repoRoot, "bots/python/echo_bot.py"), "--server", tlsHost, "--ca-file", cert.caFile, "--token", py!.token, "--state", py!.state], tools.env));
      const goProc = track(runProcess(goBot, ["-server", tlsHost, "-ca-file", cert.caFile, "-token", go!.token, "-state", go!.state], tools.env));
      const logs = () => `--- python:\n${pyBot.log()}\n--- go:\n${goProc.log()}`;
      await until(() => onlineCount(pyBot) > 0 && onlineCount(goProc) > 0, "both bots online over TLS", logs, 15_000);
      const group = (await owner.conversations.createGroup({ name: "tls polyglot", memberIds: [py!.id, go!.id] })).conversation!.id;
      const s = await openStream({ clients: owner });
      s.send({ frame: { case: "resume", value: { cursors: [{ conversationId: group, seq: 0n }] } } });
      await owner.live.sendMessage({ conversationId: group, clientMessageId: newId(), text: "hello over tls" });
      const echoed = (botId: string) => s.of("message").some((m) => m.text === "echo: hello over tls" && m.senderId === botId);
      await until(() => echoed(py!.id) && echoed(go!.id), "both echoes over TLS", logs);
      s.close();
    } finally {
      await Promise.all(running.splice(0).map((b) => b.stop("SIGKILL")));
      await tlsServer.close();
      cert.remove();
    }
  }, 60_000);
});
