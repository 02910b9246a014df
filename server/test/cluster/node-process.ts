import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort } from "../services/free-port.ts";

const mainTs = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

/** A server node running as its own process, as in production. */
export interface NodeProcess {
  url: string;
  port: number;
  nodeId: string;
  /** SIGKILL: a crash, with no goodbye to Redis or clients. */
  kill(): Promise<void>;
  /** SIGTERM: a clean shutdown. */
  stop(): Promise<void>;
  /** SIGSTOP: the process freezes (a GC pause, a VM migration) with its sockets open. */
  pause(): void;
  /** SIGCONT after {@link pause}: it wakes up believing no time has passed. */
  resume(): void;
  /** Starts the node again, same id, port and flags, after it exited (a supervisor's restart). */
  restart(): Promise<void>;
}

/** Options of {@link spawnNode}. */
export interface SpawnOptions {
  nodeId: string;
  /** Flags besides --port and --node-id. */
  args: string[];
  port?: number;
  /** The entry point to run; this tree's server/src/main.ts by default (an older release's in upgrade tests). */
  main?: string;
}

/** Starts `node server/src/main.ts` and resolves once it listens; stderr is kept for failures. */
export async function spawnNode(options: SpawnOptions): Promise<NodeProcess> {
  const port = options.port ?? (await freePort());
  let child = await launch(options, port);
  const ended = (signal: NodeJS.Signals) => stopChild(child, signal);
  return {
    url: `http://127.0.0.1:${port}`, port, nodeId: options.nodeId,
    kill: () => ended("SIGKILL"),
    stop: () => ended("SIGTERM"),
    pause: () => void child.kill("SIGSTOP"),
    resume: () => void child.kill("SIGCONT"),
    async restart() {
      if (child.exitCode === null && child.signalCode === null) throw new Error(`node ${options.nodeId} is still running`);
      child = await launch(options, port);
    },
  };
}

async function launch(options: SpawnOptions, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [options.main ?? mainTs, "--port", String(port), "--node-id", options.nodeId, "--log-level", "warn", ...options.args], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, CHAT_REDIS_URL: "", CHAT_SCYLLA_CONTACT_POINTS: "" },
  });
  let log = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (log = (log + chunk).slice(-8_000)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node ${options.nodeId} did not start in 60 s:\n${log}`)), 60_000);
    child.stderr!.on("data", () => {
      if (log.includes("chat server ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`node ${options.nodeId} exited with ${code}:\n${log}`));
    });
  });
  return child;
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
    child.kill("SIGCONT"); // a paused process handles no signal but SIGKILL until it runs again
  });
}
