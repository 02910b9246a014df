import { type ChildProcess, spawn } from "node:child_process";

/** A server the bench started as a child process. */
export interface ServiceProcess {
  /** Base URL from the server's ready line. */
  url: string;
  pid: number;
  /** The last lines the process wrote, for error messages. */
  tail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Options of {@link startService}. */
export interface ServiceOptions {
  /** Shown in errors. */
  name: string;
  /** Arguments of `node` (the script first). */
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Matches the line that says the server listens; group 1 is its base URL. */
  ready: RegExp;
  timeoutMs?: number;
  /** Extra flags for node itself (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
}

/** Live child processes, killed if the bench exits without stopping them. */
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * Starts `node <args>` and resolves when its output shows the ready line. Output is kept in a small
 * ring for error messages and otherwise dropped: a benchmarked server must not block on a full pipe.
 */
export function startService(options: ServiceOptions): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...options.args], {
    env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const lines: string[] = [];
  const tail = () => lines.join("\n");
  const exited = new Promise<void>((resolve) => child.once("exit", () => {
    running.delete(child);
    resolve();
  }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not get ready within ${options.timeoutMs ?? 30_000} ms`), options.timeoutMs ?? 30_000);
    let ready = false;
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${options.name} ${why}\n--- output ---\n${tail()}`));
    };
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line) continue;
        lines.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
        if (lines.length > 40) lines.shift();
        const match = ready ? null : options.ready.exec(line);
        if (match) {
          ready = true;
          clearTimeout(timer);
          resolve({
            url: match[1]!, pid: child.pid!, tail,
            async stop(graceMs = 10_000) {
              if (child.exitCode !== null || child.signalCode !== null) return;
              child.kill("SIGTERM");
              const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
              await exited;
              clearTimeout(kill);
            },
          });
        }
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (err) => fail(`could not start: ${err.message}`));
    child.once("exit", (code, signal) => { if (!ready) fail(`exited with ${signal ?? code} before it was ready`); });
  });
}
