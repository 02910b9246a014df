import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";

/** The repository root, where `node server/src/main.ts` runs. */
export const repoRoot = join(import.meta.dirname, "..", "..");

/**
 * A real chat server process (`node server/src/main.ts`), as people run it: it can be killed without
 * warning and started again on the same port and data dir, which is what clients must survive.
 */
export class ServerProcess {
  private child: ChildProcess | undefined;
  private readonly port: number;
  private readonly dataDir: string;
  private log = "";
  private readonly extraArgs: string[];

  /** `extraArgs` are more flags of the server (a feature's configuration, such as its push credentials). */
  constructor(port: number, dataDir: string, extraArgs: string[] = []) {
    this.port = port;
    this.dataDir = dataDir;
    this.extraArgs = extraArgs;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What the server printed, for failure messages. */
  get output(): string {
    return this.log;
  }

  /** Starts the process and waits until /healthz answers. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ["server/src/main.ts", "--port", String(this.port), "--data-dir", this.dataDir, "--log-level", "warn", ...this.extraArgs], {
      cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const keep = (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-20_000));
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${this.log}`);
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the server did not answer /healthz within 20 s:\n${this.log}`);
  }

  /** Kills the process at once (SIGKILL: no graceful close, like a crash), and waits for it to be gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
  }
}
