import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Transport } from "@connectrpc/connect";
import { BotService } from "@chat/gen/chat/v1/bot_pb.js";
import { newId, type TestUser, transportFor } from "../../server/test/harness.ts";

/** A bot running as its own process; `log` is its stderr so far. */
export interface BotProcess {
  log: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `command args…` (a bot in any language) with its stderr captured. */
export function runProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): BotProcess {
  const child: ChildProcess = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], env });
  let log = "";
  child.stderr!.on("data", (c) => (log += c));
  child.on("error", (err) => (log += `\n(could not start ${command}: ${err.message})`));
  return {
    log: () => log,
    stop: (signal = "SIGTERM") => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
      child.once("exit", () => resolve());
      child.kill(signal);
    }),
  };
}

/** Waits for `check` to hold, polling; the error carries the bots' log. */
export async function until(check: () => boolean, what: string, log: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; bot log:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A new bot of `owner` with a read/write token, and a fresh state folder for it. `transport` carries
 * the owner's token (by default plain gRPC to `server`; a TLS test brings its own).
 */
export async function newBot(server: { url: string }, owner: Pick<TestUser, "token">, prefix: string,
  transport: Transport = transportFor(server.url, "grpc", owner.token)): Promise<{ id: string; token: string; state: string }> {
  const bots = createClient(BotService, transport);
  const { bot } = await bots.createBot({ username: `${prefix}${newId().slice(0, 6)}` });
  const { token } = await bots.createBotToken({ botId: bot!.id, name: "test", canWrite: true });
  return { id: bot!.id, token, state: mkdtempSync(join(tmpdir(), `${prefix}-`)) };
}
