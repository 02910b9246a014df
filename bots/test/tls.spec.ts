import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { bearer, createChatClients } from "@chat/client";
import { BotService } from "@chat/gen/chat/v1/bot_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId, openStream, startNode } from "../../server/test/harness.ts";
import { makeTestCertificate, type TestCertificate } from "../../server/test/services/test-certificate.ts";

/** Waits until `check` holds; fails with the bot's log. */
async function until(check: () => boolean, log: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the bot to start; bot log:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("a bot on the SDK (@grpc/grpc-js) over TLS: --server https://… --ca-file", () => {
  let cert: TestCertificate;
  let server: Awaited<ReturnType<typeof startNode>>;
  let bot: ChildProcess | undefined;
  const state = mkdtempSync(join(tmpdir(), "echo-tls-"));
  beforeAll(async () => {
    cert = makeTestCertificate();
    server = await startNode({ args: ["--tls-cert", cert.certFile, "--tls-key", cert.keyFile] });
  });
  afterAll(async () => {
    bot?.kill("SIGKILL");
    await server?.close();
    cert?.remove();
    rmSync(state, { recursive: true, force: true });
  });

  it("the echo bot connects over TLS, trusting the private CA, and answers", async () => {
    const transport = (token?: string) => createGrpcTransport({ baseUrl: server.url, nodeOptions: { ca: cert.ca }, interceptors: token ? [bearer(token)] : [] });
    const { token: ownerToken } = await createChatClients(transport()).auth.register({ username: `owner${newId().slice(0, 6)}`, password: "correct horse battery", deviceName: "t" });
    const owner = createChatClients(transport(ownerToken));
    const bots = createClient(BotService, transport(ownerToken));
    const { bot: account } = await bots.createBot({ username: `echotls${newId().slice(0, 6)}` });
    const { token } = await bots.createBotToken({ botId: account!.id, name: "tls", canWrite: true });

    let log = "";
    bot = spawn(process.execPath, [fileURLToPath(new URL("../src/echo-bot.ts", import.meta.url)),
      "--server", server.url, "--ca-file", cert.caFile, "--token", token, "--state", state], { stdio: ["ignore", "ignore", "pipe"] });
    bot.stderr!.on("data", (chunk) => (log += chunk));
    bot.on("exit", (code, signal) => (log += `\n[exited ${code ?? signal}]`));
    // Only what is said once its stream is up reaches the bot (it does not answer older history).
    await until(() => log.includes("echo-bot: @"), () => log);
    const group = (await owner.conversations.createGroup({ name: "tls bots", memberIds: [account!.id] })).conversation!.id;
    const stream = await openStream({ clients: owner });
    stream.send({ frame: { case: "resume", value: { cursors: [{ conversationId: group, seq: 0n }] } } });
    await owner.live.sendMessage({ conversationId: group, clientMessageId: newId(), text: "hello over tls" });
    await stream.until(() => stream.of("message").some((m) => m.text === "echo: hello over tls"), 10_000, "the echo")
      .catch((err: Error) => { throw new Error(`${err.message}\nbot log:\n${log}`); });
    expect(log).toContain(`on ${server.url}`);
    stream.close();
  });
});
