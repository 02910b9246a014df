import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./free-port.ts";

/** A running throw-away Redis server, see {@link startRedis}. */
export interface RedisHandle {
  /** `redis://127.0.0.1:PORT`, ready for ioredis. */
  url: string;
  port: number;
  /** Kills the server and deletes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Kills the server and starts a fresh one on the SAME port. Nothing is persisted, so every key is
   * gone afterwards: tests use this to prove the app survives Redis losing its state.
   */
  restart(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 15_000;

/** Sends a raw RESP PING; resolves true on `+PONG`. Raw, so no client library retries or logs. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let reply = "";
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

async function tail(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.split("\n").slice(-lines).join("\n");
}

/** Options of {@link startRedis}, for the Cluster and Sentinel setups built from it. */
export interface StartRedisOptions {
  /** More command-line options (`--cluster-enabled yes`, `--sentinel`). */
  args?: string[];
  /** A config file's text, written to the server's temp dir and passed first (Sentinel needs one it can rewrite). */
  config?: string;
}

/**
 * Starts Debian's `redis-server` on a free loopback port, keeping nothing on disk
 * (`--save ''`, `--appendonly no`), and resolves once it answers PING.
 * Install the binary with `scripts/install-system-deps.sh`.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisHandle> {
  const dir = await mkdtemp(join(tmpdir(), "chat-redis-"));
  const logFile = join(dir, "redis.log");
  const port = await freePort();
  const configFile = join(dir, "redis.conf");
  if (options.config !== undefined) await writeFile(configFile, options.config);
  let child: ChildProcess | undefined;
  let stopped = false;

  // If the test process dies without teardown, do not leave an orphaned server (or its dir) behind.
  const killOnExit = (): void => {
    child?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", killOnExit);

  const launch = async (): Promise<void> => {
    const log = await open(logFile, "a");
    const proc = spawn(
      "redis-server",
      [
        ...(options.config !== undefined ? [configFile] : []),
        "--port", String(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--dir", dir,
        "--daemonize", "no",
        "--loglevel", "warning",
        ...(options.args ?? []),
      ],
      { stdio: ["ignore", log.fd, log.fd] },
    );
    child = proc;
    // Listen before any await: a spawn failure is emitted on the next tick and would be unhandled.
    let exited: string | undefined;
    proc.once("exit", (code, signal) => {
      exited = `exited with ${signal ?? `code ${code}`}`;
    });
    proc.once("error", (error) => {
      exited = `could not start: ${error.message} (run scripts/install-system-deps.sh)`;
    });
    await log.close(); // the child holds its own copy of the descriptor
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (!(await ping(port))) {
      if (exited !== undefined || Date.now() > deadline) {
        proc.kill("SIGKILL");
        throw new Error(
          `redis-server on port ${port} ${exited ?? `did not answer PING within ${STARTUP_TIMEOUT_MS} ms`}\n` +
            `--- redis log ---\n${await tail(logFile)}`,
        );
      }
      await sleep(50);
    }
  };

  const kill = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    // No pid: the binary never started, and an "exit" event may never come.
    if (proc === undefined || proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    // SIGKILL: there is nothing to save, and it models a crash (every key lost) exactly.
    proc.kill("SIGKILL");
    await exited;
  };

  try {
    await launch();
  } catch (error) {
    process.removeListener("exit", killOnExit);
    await rm(dir, { recursive: true, force: true }); // the log tail is already in the error
    throw error;
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill();
      process.removeListener("exit", killOnExit);
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      if (stopped) throw new Error("redis: restart() after stop()");
      await kill();
      await launch();
    },
  };
}
