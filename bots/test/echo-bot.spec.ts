import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsFor, newId, openStream, registerUser, startNode, transportFor } from "../../server/test/harness.ts";

const bot = fileURLToPath(new URL("../src/echo-bot.ts", import.meta.url));

describe("the echo bot, over @grpc/grpc-js", () => {
  let server: Awaited<ReturnType<typeof startNode>>;
  beforeAll(async () => {
    server = await startNode();
  });
  afterAll(async () => server?.close());

  it("registers itself, answers once, marks read, and after a server restart answers what it missed", async () => {
    const username = `echo${process.pid % 10_000}`;
    const child = spawn(process.execPath, [bot, "--server", server.url, "--username", username, "--password", "bot password"], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr!.on("data", (c) => (log += c));
    try {
      await until(() => log.includes(`echo-bot: @${username}`), "the bot to log in", () => log);
      const alice = await registerUser(server, "alice");
      const conv = (await alice.clients.conversations.getOrCreateDirect({ username })).conversation!.id;
      const s = await openStream(alice);
      s.send({ frame: { case: "resume", value: { cursors: [{ conversationId: conv, seq: 0n }] } } });
      await new Promise((r) => setTimeout(r, 1_200)); // the bot's stream treats a new conversation as live after its resume wait
      const sent = await alice.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "hello bot" });
      await s.until(() => s.of("message").find((m) => m.text === "echo: hello bot"), 10_000, "the echo");
      await s.until(() => s.of("receipt").find((r) => r.state?.userId !== alice.id && r.state!.readSeq >= sent.seq), 5_000, "the bot's read mark");
      s.close();

      // The server goes away; a message arrives while the bot is away from it (written to the store
      // directly by a server that the bot cannot reach); then the server comes back on the same port.
      await server.close();
      const offline = await startNode({ dataDir: server.dataDir });
      const aliceOffline = { ...alice, clients: clientsFor(transportFor(offline.url, "grpc", alice.token)) };
      await aliceOffline.clients.live.sendMessage({ conversationId: conv, clientMessageId: newId(), text: "while you were away" });
      await offline.close();
      server = await startNode({ dataDir: server.dataDir, port: server.port });
      const again = { ...alice, clients: clientsFor(transportFor(server.url, "grpc", alice.token)) };
      await until(() => /reconnecting in/.test(log), "the bot to notice", () => log);
      const s2 = await openStream(again);
      s2.send({ frame: { case: "resume", value: { cursors: [{ conversationId: conv, seq: 0n }] } } });
      for (let i = 0; i < 40 && !s2.of("message").some((m) => m.text === "echo: still there?"); i++) {
        if (i % 10 === 0) await again.clients.live.sendMessage({ conversationId: conv, clientMessageId: `probe-${i}`, text: "still there?" });
        await new Promise((r) => setTimeout(r, 250));
      }
      const echoes = s2.of("message").filter((m) => m.text.startsWith("echo:")).map((m) => m.text);
      expect(echoes[0]).toBe("echo: hello bot"); // replayed once, never answered twice
      expect(echoes.filter((t) => t === "echo: hello bot")).toHaveLength(1);
      expect(echoes).toContain("echo: still there?");
      expect(echoes.filter((t) => t === "echo: while you were away")).toHaveLength(1);
      s2.close();
    } finally {
      child.kill();
    }
  });
});

async function until(check: () => boolean, what: string, log: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; bot log:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
